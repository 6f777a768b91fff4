"""The seizure classifiers, from a plain MLP to the book's recommended convolutional GRU.

Every model maps an EEG batch `X` of shape `(batch, seq_len, input_size)` (batch_first) to
logits: `(batch, num_classes)` for the classifiers, `(batch, seq_len, num_classes)` for the
many-to-many `SeqLabeller`. `MODELS` names each configuration the book trains, with its
training recipe (`rnnbook.recipe.Recipe`); `build_model(name, num_classes)` makes one, and
`rnnbook.train.train(name, d)` trains it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from . import cells, initialisation, min_cells, survival
from .attention import ReadoutClassifier, TransformerClassifier
from .recipe import Recipe
from .visit_models import GRUD, RETAIN, HazardGRU

RECURRENT = cells.RECURRENT
SCRATCH = {"rnn": cells.RNN, "lstm": cells.LSTM, "gru": cells.GRU}
MIN_RNN = {
    "mingru": min_cells.MinGRU,
    "minlstm": min_cells.MinLSTM,
}  # linear recurrences (rnnbook.scan)


def _check_options(cell, scratch, bidirectional, dropout, memory_bias, mode) -> None:
    """Refuse, in one line, a `SeqClassifier` option that would be ignored for this cell."""
    if cell not in RECURRENT and cell not in MIN_RNN:
        raise ValueError(f"unknown cell {cell!r}; choose one of {sorted([*RECURRENT, *MIN_RNN])}")
    minimal = cell in MIN_RNN
    refused = {
        "scratch=True (the min-RNN cells are the package's own already)": minimal and scratch,
        "bidirectional=True (the from-scratch and min-RNN cells are unidirectional)": (
            bidirectional and (scratch or minimal)
        ),
        "dropout (the min-RNN layers take none)": minimal and bool(dropout),
        "memory_bias (only an LSTM or a GRU has a memory gate)": (
            memory_bias is not None and cell not in ("lstm", "gru")
        ),
        "mode (only the min-RNN cells run as a loop or a scan)": not minimal and mode is not None,
    }
    for option, invalid in refused.items():
        if invalid:
            raise ValueError(f"cell {cell!r} takes no {option}")


class SeqClassifier(nn.Module):
    """Many-to-one: a recurrent layer reads the whole sequence; a linear layer reads its last state.

    `cell` is "rnn" (tanh), "lstm" or "gru"; `scratch=True` uses the package's own cells
    (`rnnbook.cells`) instead of PyTorch's, with the same parameters and results. `cell`
    "mingru" or "minlstm" uses `min_cells.MinGRU` / `min_cells.MinLSTM`, run in `mode` "parallel"
    (a scan over time, the default) or "sequential" (a loop): the same model and numbers, at
    different speeds. `memory_bias` sets the initial bias of the LSTM's forget gate or the GRU's
    update gate (`initialisation.set_memory_bias`); None keeps PyTorch's initialisation.
    An option that does not apply to the cell (`mode` for an LSTM, `scratch` or `dropout` for a
    minGRU, `memory_bias` for a plain RNN, ...) is refused rather than ignored.
    """

    def __init__(
        self,
        cell: str = "gru",
        num_classes: int = 5,
        input_size: int = 1,
        num_hiddens: int = 32,
        num_layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = False,
        scratch: bool = False,
        memory_bias: float | None = None,
        mode: str | None = None,
    ):
        super().__init__()
        _check_options(cell, scratch, bidirectional, dropout, memory_bias, mode)
        if cell in MIN_RNN:
            self.rnn = MIN_RNN[cell](
                input_size, num_hiddens, num_layers=num_layers, mode=mode or "parallel"
            )
        else:
            kind = SCRATCH[cell] if scratch else RECURRENT[cell]
            kwargs = {"bidirectional": bidirectional} if not scratch else {}
            self.rnn = kind(
                input_size, num_hiddens, num_layers=num_layers, batch_first=True,
                dropout=dropout if num_layers > 1 else 0.0, **kwargs,
            )  # fmt: skip
        if memory_bias is not None:
            initialisation.set_memory_bias(self.rnn, memory_bias)
        self.cell, self.bidirectional = cell, bidirectional
        self.head = nn.Linear(num_hiddens * (2 if bidirectional else 1), num_classes)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(X)  # (batch, seq_len, num_directions * num_hiddens)
        if self.bidirectional:
            # The forward direction has read everything at the last step, the backward at the first.
            half = out.shape[-1] // 2
            last = torch.cat([out[:, -1, :half], out[:, 0, half:]], dim=1)
        else:
            last = out[:, -1, :]  # (batch, num_hiddens), as in the course lab
        return self.head(last)  # (batch, num_classes)


class MinRNNClassifier(nn.Module):
    """Stacked minGRU or minLSTM blocks (Feng et al. 2024), last state -> linear.

    One min-RNN layer is a bank of input-gated running averages: no nonlinearity acts between
    one step and the next. Depth gives it back: each block normalises its input, runs the
    recurrence and adds the result to its input (a residual connection), then a small MLP acts
    on every step. The next block's gates read those nonlinear features, so they depend on the
    past after all. The input sample is first embedded in `num_hiddens` dimensions.
    `mode` is "parallel" or "sequential" (`min_cells.MinGRU`): the same numbers either way.
    """

    def __init__(
        self,
        cell: str = "mingru",
        num_classes: int = 5,
        input_size: int = 1,
        num_hiddens: int = 32,
        num_layers: int = 2,
        mode: str = "parallel",
    ):
        super().__init__()
        if cell not in MIN_RNN:
            raise ValueError(f"unknown cell {cell!r}; choose one of {sorted(MIN_RNN)}")
        self.cell = cell
        self.embed = nn.Linear(input_size, num_hiddens)
        self.norms = nn.ModuleList(nn.LayerNorm(num_hiddens) for _ in range(num_layers))
        self.rnns = nn.ModuleList(
            MIN_RNN[cell](num_hiddens, num_hiddens, mode=mode) for _ in range(num_layers)
        )
        self.mlps = nn.ModuleList(
            nn.Sequential(
                nn.LayerNorm(num_hiddens),
                nn.Linear(num_hiddens, 2 * num_hiddens),
                nn.GELU(),
                nn.Linear(2 * num_hiddens, num_hiddens),
            )
            for _ in range(num_layers)
        )
        self.head = nn.Linear(num_hiddens, num_classes)

    @property
    def mode(self) -> str:
        return self.rnns[0].mode

    @mode.setter
    def mode(self, value: str) -> None:
        for rnn in self.rnns:
            rnn.mode = value

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        h = self.embed(X)  # (batch, seq_len, num_hiddens)
        for norm, rnn, mlp in zip(self.norms, self.rnns, self.mlps, strict=True):
            out, _ = rnn(norm(h))  # (batch, seq_len, num_hiddens)
            h = h + out
            h = h + mlp(h)  # the nonlinearity between blocks, step by step
        return self.head(h[:, -1])  # (batch, num_classes)


class MLP(nn.Module):
    """One-to-one: the 178 samples as one flat vector, with no notion of time order."""

    def __init__(
        self, num_classes: int = 5, seq_len: int = 178, num_hiddens=(256, 128), dropout=0.2
    ):
        super().__init__()
        layers, width = [], seq_len
        for h in num_hiddens:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
            width = h
        self.net = nn.Sequential(nn.Flatten(), *layers, nn.Linear(width, num_classes))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.net(X)  # (batch, seq_len, 1) -> (batch, num_classes)


def summary_features(X: torch.Tensor) -> torch.Tensor:
    """Aggregate features of each sequence, the "one vector per patient" of one-to-one tasks.

    Per row: mean, standard deviation, minimum, maximum, mean absolute first difference (line
    length), zero-crossing rate around the mean, and the share of power in five equal-width
    frequency bands (of about 17 Hz each at the archive's 173.61 Hz: not the clinical delta to
    gamma bands, the first band alone spans delta to low beta). `(batch, seq_len, 1) -> (batch, 11)`.
    """
    x = X[..., 0]  # (batch, seq_len)
    centred = x - x.mean(dim=1, keepdim=True)
    diff = x.diff(dim=1)
    crossings = (centred[:, 1:] * centred[:, :-1] < 0).float().mean(dim=1)
    power = torch.fft.rfft(centred, dim=1).abs() ** 2  # (batch, seq_len // 2 + 1)
    bands = torch.tensor_split(power[:, 1:], 5, dim=1)
    band_power = torch.stack([b.sum(dim=1) for b in bands], dim=1)
    band_share = band_power / band_power.sum(dim=1, keepdim=True).clamp_min(1e-12)
    stats = [x.mean(1), x.std(1), x.min(1).values, x.max(1).values, diff.abs().mean(1), crossings]
    return torch.cat([torch.stack(stats, dim=1), band_share], dim=1)


class FeatureMLP(nn.Module):
    """One-to-one on summary features: an MLP on `summary_features(X)`, standardised by BatchNorm."""

    def __init__(self, num_classes: int = 5, num_hiddens: int = 64, dropout: float = 0.1):
        super().__init__()
        self.net = nn.Sequential(
            nn.BatchNorm1d(11),
            nn.Linear(11, num_hiddens), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(num_hiddens, num_hiddens), nn.ReLU(),
            nn.Linear(num_hiddens, num_classes),
        )  # fmt: skip

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.net(summary_features(X))


def conv_block(c_in: int, c_out: int, kernel_size: int, pool: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv1d(c_in, c_out, kernel_size, padding=kernel_size // 2),
        nn.BatchNorm1d(c_out),
        nn.ReLU(),
        nn.MaxPool1d(pool),
    )


class CNN(nn.Module):
    """A 1-D convolutional baseline: three conv blocks, global average pooling, a linear layer."""

    def __init__(self, num_classes: int = 5, channels=(32, 64, 64), dropout: float = 0.2):
        super().__init__()
        c1, c2, c3 = channels
        self.features = nn.Sequential(
            conv_block(1, c1, 7, 2), conv_block(c1, c2, 5, 2), conv_block(c2, c3, 3, 2)
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(c3, num_classes))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        h = self.features(X.transpose(1, 2))  # (batch, 1, seq_len) -> (batch, c3, seq_len / 8)
        return self.head(h.mean(dim=2))


class ConvGRU(nn.Module):
    """The recommended model: a convolutional front end feeding a bidirectional GRU.

    The convolutions learn local wave shapes and shorten the sequence eightfold (178 -> 22 steps),
    so the GRU models the rhythm over the whole second with far fewer recurrent steps: faster to
    train and easier for the gradient to cross.
    """

    def __init__(
        self,
        num_classes: int = 5,
        channels=(64, 128, 128),
        num_hiddens: int = 96,
        dropout: float = 0.3,
    ):
        super().__init__()
        c1, c2, c3 = channels
        self.features = nn.Sequential(
            conv_block(1, c1, 7, 2), conv_block(c1, c2, 5, 2), conv_block(c2, c3, 3, 2)
        )
        self.gru = nn.GRU(c3, num_hiddens, batch_first=True, bidirectional=True)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(4 * num_hiddens, num_classes))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        h = self.features(X.transpose(1, 2)).transpose(1, 2)  # (batch, seq_len / 8, c3)
        out, _ = self.gru(h)  # (batch, steps, 2 * num_hiddens)
        # Both the mean over steps and the max: a rhythm anywhere in the second counts.
        pooled = torch.cat([out.mean(dim=1), out.amax(dim=1)], dim=1)
        return self.head(pooled)  # (batch, num_classes)


class SeqLabeller(nn.Module):
    """Many-to-many: a class for every time step (e.g. seizure or not, sample by sample).

    A causal (unidirectional) GRU, optionally after a strided convolution that turns `stride`
    samples into one step; the output has one row per step: `(batch, seq_len / stride, classes)`.
    """

    def __init__(self, num_classes: int = 2, num_hiddens: int = 32, stride: int = 1):
        super().__init__()
        self.stride = stride
        self.embed = nn.Conv1d(1, num_hiddens, kernel_size=stride, stride=stride)
        self.gru = nn.GRU(num_hiddens, num_hiddens, batch_first=True)
        self.head = nn.Linear(num_hiddens, num_classes)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.embed(X.transpose(1, 2))).transpose(1, 2)  # (batch, steps, hidden)
        out, _ = self.gru(h)  # (batch, steps, num_hiddens)
        return self.head(out)  # (batch, steps, num_classes)


class WindowLabeller(nn.Module):
    """Many-to-many without a state: the label of each step from the last `window` steps alone.

    The same strided convolution as `SeqLabeller` turns `stride` samples into one step; a causal
    convolution over the last `window` steps (padded on the left, so no step sees a later one)
    takes the GRU's place. Run on a stream it must keep the last `window * stride` samples, its
    whole memory, where the GRU keeps `num_hiddens` numbers of state; both answer at the end of
    every step, with the same latency.
    """

    def __init__(
        self, num_classes: int = 2, num_hiddens: int = 32, stride: int = 1, window: int = 4
    ):
        super().__init__()
        self.stride, self.window = stride, window
        self.embed = nn.Conv1d(1, num_hiddens, kernel_size=stride, stride=stride)
        self.mix = nn.Conv1d(num_hiddens, num_hiddens, kernel_size=window)
        self.head = nn.Linear(num_hiddens, num_classes)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.embed(X.transpose(1, 2)))  # (batch, num_hiddens, steps)
        h = nn.functional.pad(h, (self.window - 1, 0))  # zeros before the first step
        h = torch.relu(self.mix(h)).transpose(1, 2)  # (batch, steps, num_hiddens)
        return self.head(h)  # (batch, steps, num_classes)


# --- named configurations ------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    build: Callable[[int], nn.Module]  # num_classes -> a fresh model
    recipe: Recipe = field(default_factory=Recipe)
    category: str = "many-to-one"
    data: str = "eeg"  # what it reads: "eeg" (the UCI table) or "pbc-visits" (rnnbook.visits)


def _hazard_gru(num_causes: int) -> nn.Module:
    return HazardGRU(num_causes, survival.NUM_INTERVALS)


def _gru_d(num_classes: int) -> nn.Module:
    return GRUD(num_classes, dropout=0.1)


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in [
        ModelSpec(
            "mlp",
            "one-to-one: MLP on the 178 samples as one flat vector",
            lambda k: MLP(k),
            Recipe(epochs=40, lr=1e-3),
            "one-to-one",
        ),
        ModelSpec(
            "mlp-features",
            "one-to-one: MLP on 11 summary features of each segment",
            lambda k: FeatureMLP(k),
            Recipe(epochs=40, lr=3e-3),
            "one-to-one",
        ),
        ModelSpec(
            "cnn", "1-D CNN baseline: 3 conv blocks, global average pooling", lambda k: CNN(k)
        ),
        *(
            ModelSpec(
                cell,
                f"many-to-one: {label}, 1 layer, 32 hidden, last step -> linear",
                lambda k, cell=cell: SeqClassifier(cell, k, num_hiddens=32),
                Recipe(epochs=15, batch_size=64, lr=3e-3),
            )
            for cell, label in (("rnn", "vanilla tanh RNN"), ("lstm", "LSTM"), ("gru", "GRU"))
        ),
        ModelSpec(
            "gru-scratch",
            "the GRU of the 'gru' model written from its equations (rnnbook.cells.GRU): "
            "same weights and numbers, a Python loop over time",
            lambda k: SeqClassifier("gru", k, num_hiddens=32, scratch=True),
            Recipe(epochs=15, batch_size=64, lr=3e-3),
        ),
        *(
            ModelSpec(
                name,
                f"{label}: 2 blocks, 32 hidden, {how}, last step -> linear",
                lambda k, cell=cell, mode=mode: MinRNNClassifier(cell, k, mode=mode),
                Recipe(epochs=15, batch_size=64, lr=3e-3),
            )
            for name, cell, mode, label, how in (
                ("mingru", "mingru", "parallel", "minGRU", "parallel scan"),
                ("mingru-seq", "mingru", "sequential", "minGRU", "loop over time"),
                ("minlstm", "minlstm", "parallel", "minLSTM", "parallel scan"),
            )
        ),
        ModelSpec(
            "course-gru",
            "the CSE6250 lab's recipe: 2-layer GRU, 32 hidden, dropout 0.5, Adam, batch 10, "
            "15 epochs, raw inputs",
            lambda k: SeqClassifier("gru", k, num_hiddens=32, num_layers=2, dropout=0.5),
            Recipe(
                epochs=15,
                batch_size=10,
                lr=1e-3,
                weight_decay=0.0,
                optimizer="adam",
                schedule="constant",
                clip=None,
                standardize=False,
            ),  # fmt: skip
        ),
        ModelSpec(
            "conv-gru",
            "conv front end (178 -> 22 steps) feeding a bidirectional GRU, 40 epochs",
            lambda k: ConvGRU(k),
            Recipe(epochs=40, batch_size=128, lr=4e-3, augment=True),
        ),
        ModelSpec(
            "conv-gru-binary",
            "the same conv-GRU, trained for 20 epochs",
            lambda k: ConvGRU(k),
            Recipe(epochs=20, batch_size=128, lr=4e-3, augment=True),
        ),
        # Attention (rnnbook.attention): one GRU encoder read out four ways, and a Transformer.
        # Recipes chosen on the validation part of the five-class random split (seed 0): the
        # same recipe for every readout, so that they differ in the readout alone.
        *(
            ModelSpec(
                f"gru-{readout}",
                f"many-to-one: GRU over steps of 8 samples (178 -> 22 steps), 32 hidden, {label}",
                lambda k, readout=readout: ReadoutClassifier(readout, k, samples_per_step=8),
                Recipe(epochs=30, batch_size=128, lr=5e-3),
            )
            for readout, label in (
                ("last", "last state -> linear"),
                ("mean", "mean of the states -> linear"),
                ("max", "max of the states -> linear"),
                ("attention", "additive attention over the states -> linear"),
            )
        ),
        ModelSpec(
            "transformer",
            "many-to-one: Transformer encoder, tokens of 8 samples, 2 layers, d_model 32, "
            "4 heads, mean over tokens -> linear",
            lambda k: TransformerClassifier(k, samples_per_token=8),
            Recipe(epochs=20, batch_size=128, lr=5e-3),
        ),
        # The models of the PBC visits (many-to-many: an output at every visit).
        # Time to event (rnnbook.survival).
        ModelSpec(
            "hazard-gru",
            "many-to-many survival: GRU over a patient's PBC visits (26 inputs), 16 hidden, a "
            "discrete-time hazard per half-year interval (20) and cause at every visit",
            _hazard_gru,
            Recipe(epochs=40, batch_size=32, lr=3e-3, loss="hazard"),
            "many-to-many",
            "pbc-visits",
        ),
        # RETAIN and GRU-D (rnnbook.healthcare), over `visits.visit_data` / `healthcare.grud_data`.
        ModelSpec(
            "retain",
            "many-to-many over PBC visits: RETAIN (Choi et al. 2016), 25 visit features, "
            "embedding 16, two reverse-time GRUs of 16",
            RETAIN,
            Recipe(epochs=40, batch_size=32, lr=3e-3),
            "many-to-many",
            "pbc-visits",
        ),
        ModelSpec(
            "gru-d",
            "many-to-many over PBC visits: GRU-D (Che et al. 2018), 15 variables with masks "
            "and times since observed, 16 hidden",
            _gru_d,
            Recipe(epochs=20, batch_size=64, lr=3e-3),
            "many-to-many",
            "pbc-visits",
        ),
    ]
}
# The models `rnnbook train` and the benchmark can train on the EEG table.
EEG_MODELS = {name: spec for name, spec in MODELS.items() if spec.data == "eeg"}
# The recommended model of each EEG task (`rnnbook train --task T` without `--model`); the
# intracranial task is two-class, like the binary one.
RECOMMENDED = {
    "five-class": "conv-gru",
    "binary": "conv-gru-binary",
    "intracranial": "conv-gru-binary",
}


def build_model(name: str, num_classes: int) -> nn.Module:
    """A fresh model by name (see `MODELS`), seeded by the caller."""
    if name not in MODELS:
        raise KeyError(name)
    return MODELS[name].build(num_classes)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
