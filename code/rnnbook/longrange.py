"""A long-range dependency task cut from the real EEG, and the measurements of its chapter.

The task is the measured counterpart of the pictures in Graves (2012, ch. 4). Every sequence
opens with about one second of intracranial EEG, the *cue*, recorded either during a seizure
(set S, label 1) or away from any seizure (sets N and F, label 0). A *gap* follows: seizure-free
intracranial EEG (sets N and F) from another recording. The model reads the whole sequence and
answers at the last step: did it open with a seizure? Only the cue carries the label; the gap is
drawn the same way for both labels. With no gap this is the easy seizure task; the longer the
gap, the further back in time the answer has to be carried.

To keep training cheap, ``samples_per_step`` consecutive samples (32 by default) form one time
step, by reshaping: nothing is learned or averaged, the step's input is just 32 numbers, so
``input_size = 32``, and one second of EEG (173.61 samples) is about 5.4 steps. The cue is
``steps_for(CUE_SECONDS)`` = 5 steps (160 samples, 0.92 s).

Sequences come from the book's honest split (``data.split_by_recording``): the training,
validation and test sequences are built from disjoint sets of recordings, cues and gaps alike.
The random draws depend on the seed and the part only, never on the gap's length, so the tasks
are *nested*: the sequences with a 1-second gap are those with a 4-second gap, cut after their
first second of gap.

The rest are the helpers of the chapter "Vanishing and exploding gradients" that are not plots:
the spectral radius of a recurrent weight and how to rescale it, the bias of the LSTM's forget
gate (or the GRU's update gate), one gradient step with and without clipping, the share of
saturated hidden units, the ratio of the gradient reaching the first step to the last step's,
the memory gate of every hidden unit, and ``run_long_gap``, which trains every model once at
every gap and measures test accuracy and gradient ratios.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from . import bptt, data, models
from .models import Recipe, SeqClassifier
from .train import History, Trainer
from .utils import set_seed

__all__ = [
    "CUE_SETS",
    "GAP_SETS",
    "SAMPLES_PER_STEP",
    "CUE_SECONDS",
    "MAX_GAP_SECONDS",
    "GAPS_SECONDS",
    "SIZES",
    "NUM_HIDDENS",
    "RECIPE",
    "CONFIGS",
    "steps_for",
    "recordings_by_part",
    "draw_sequences",
    "make_long_gap_data",
    "spectral_radius",
    "scale_spectral_radius",
    "set_memory_bias",
    "gradient_norm",
    "sgd_step",
    "saturation",
    "build_model",
    "train_cell",
    "first_step_ratio",
    "memory_gate",
    "LongGapRun",
    "LongGapResults",
    "run_long_gap",
]

CUE_SETS = {"S": 1, "N": 0, "F": 0}  # set of the cue's recording -> label (1 = seizure)
GAP_SETS = ("N", "F")  # the gap: seizure-free intracranial EEG, whatever the label
SAMPLES_PER_STEP = 32
CUE_SECONDS = 1.0
MAX_GAP_SECONDS = 8.0  # gap offsets leave room for this much, so that all gaps are nested
GAPS_SECONDS = (0.0, 1.0, 2.0, 4.0, 8.0)  # the chapter's gaps
SIZES = (1000, 200, 400)  # train, validation and test sequences
NUM_HIDDENS = 32
PARTS = ("train", "valid", "test")

# How every (cell, gap) is trained: 10 epochs of Adam(W) at a constant learning rate, clipping
# the gradient's norm at 1 (no weight decay: nothing should pull the memory gates back).
RECIPE = Recipe(epochs=10, batch_size=32, lr=2e-3, weight_decay=0.0, schedule="constant", clip=1.0)

# The models of the experiment: name -> (cell, bias of the memory gate; None = PyTorch's init).
CONFIGS = {
    "RNN": ("rnn", None),
    "LSTM": ("lstm", None),
    "GRU": ("gru", None),
    "LSTM, forget bias 1": ("lstm", 1.0),
    "GRU, update bias 1": ("gru", 1.0),
}


def steps_for(seconds: float, samples_per_step: int = SAMPLES_PER_STEP) -> int:
    """Time steps holding ``seconds`` of EEG, rounded: 1 s is 5 steps of 32 samples."""
    return round(seconds * data.SAMPLING_RATE / samples_per_step)


def recordings_by_part(
    recordings: list[data.Recording], seed: int = data.SEED
) -> dict[str, list[data.Recording]]:
    """The recordings of sets S, N and F in each part of the split by recording.

    ``{"train": [...], "valid": [...], "test": [...]}``; no recording is in two parts.
    """
    split = data.split_by_recording(data.uci_table(recordings), seed)
    wanted = set(CUE_SETS) | set(GAP_SETS)
    parts = {}
    for name in PARTS:
        names = set(getattr(split, name)["recording"])
        parts[name] = [r for r in recordings if r.name in names and r.set in wanted]
    return parts


def draw_sequences(
    recordings: list[data.Recording],
    n: int,
    gap_seconds: float,
    rng: np.random.Generator,
    samples_per_step: int = SAMPLES_PER_STEP,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences of the task from ``recordings``: raw samples (µV) and labels.

    Half the labels are 1. Each cue comes from a random recording of its label's sets, at a
    random offset; each gap from a random *other* recording of ``GAP_SETS``. All random numbers
    are drawn before the gap's length is used, so a shorter gap gives the longer gap's
    sequences, cut.

    Returns ``X`` ``(n, seq_len, samples_per_step)`` float64 and ``y`` ``(n,)`` int64, with
    ``seq_len = steps_for(CUE_SECONDS) + steps_for(gap_seconds)``.
    """
    cue_len = steps_for(CUE_SECONDS, samples_per_step) * samples_per_step  # in samples
    gap_len = steps_for(gap_seconds, samples_per_step) * samples_per_step
    room = steps_for(MAX_GAP_SECONDS, samples_per_step) * samples_per_step
    if not 0 <= gap_len <= room:
        raise ValueError(f"gap_seconds must be in [0, {MAX_GAP_SECONDS}], got {gap_seconds}")
    cues = {label: [r for r in recordings if CUE_SETS.get(r.set) == label] for label in (0, 1)}
    gaps = [r for r in recordings if r.set in GAP_SETS]

    y = rng.permutation(np.arange(n) % 2)  # balanced labels, in random order
    cue_pick, gap_pick = rng.random(n), rng.random(n)  # which recording, as a fraction of a pool
    cue_start = rng.integers(0, data.SAMPLES_PER_RECORDING - cue_len + 1, size=n)
    gap_start = rng.integers(0, data.SAMPLES_PER_RECORDING - room + 1, size=n)

    X = np.empty((n, cue_len + gap_len))
    for i in range(n):
        pool = cues[int(y[i])]
        cue = pool[int(cue_pick[i] * len(pool))]
        others = [r for r in gaps if r.name != cue.name]  # the gap never continues the cue
        gap = others[int(gap_pick[i] * len(others))]
        X[i, :cue_len] = cue.samples[cue_start[i] : cue_start[i] + cue_len]
        X[i, cue_len:] = gap.samples[gap_start[i] : gap_start[i] + gap_len]
    return X.reshape(n, -1, samples_per_step), y.astype(np.int64)


def make_long_gap_data(
    recordings: list[data.Recording],
    gap_seconds: float,
    sizes: tuple[int, int, int] = SIZES,
    samples_per_step: int = SAMPLES_PER_STEP,
    seed: int = 0,
) -> data.SeqData:
    """The task with a gap of ``gap_seconds``, as tensors ready for ``train.Trainer``.

    ``sizes``: numbers of training, validation and test sequences, each part drawn from its own
    recordings (``recordings_by_part``). X is ``(n, seq_len, samples_per_step)`` float32,
    standardised with the mean and standard deviation of all samples of the training part's
    recordings (so the same for every gap).
    """
    parts = recordings_by_part(recordings)
    train_samples = np.concatenate([r.samples for r in parts["train"]]).astype(np.float64)
    mean, std = float(train_samples.mean()), float(train_samples.std())
    tensors = []
    for k, (name, n) in enumerate(zip(PARTS, sizes, strict=True)):
        rng = np.random.default_rng([seed, k])  # one stream per part, whatever the gap
        X, y = draw_sequences(parts[name], n, gap_seconds, rng, samples_per_step)
        X = torch.tensor((X - mean) / std, dtype=torch.float32)  # (n, seq_len, samples_per_step)
        tensors += [X, torch.from_numpy(y)]
    return data.SeqData(
        *tensors,
        task="binary",
        split="recording",
        classes=("seizure-free cue", "seizure cue"),
        mean=mean,
        std=std,
    )


# --- recurrent weights and gate biases -----------------------------------------------------------


def spectral_radius(weight: torch.Tensor) -> float:
    """The largest absolute value of the eigenvalues of a square matrix."""
    return float(torch.linalg.eigvals(weight.detach().to(torch.float64)).abs().max())


def scale_spectral_radius(layer: nn.Module, radius: float) -> nn.Module:
    """A copy of a one-layer RNN (``nn.RNN`` or ``cells.RNN``) whose recurrent weight
    ``weight_hh_l0`` is multiplied by ``radius / spectral_radius(weight_hh_l0)``: same
    eigenvectors, spectral radius ``radius``."""
    layer = copy.deepcopy(layer)
    with torch.no_grad():
        weight = layer.weight_hh_l0
        weight.mul_(radius / spectral_radius(weight))
    return layer


def set_memory_bias(layer: nn.Module, value: float = 1.0) -> nn.Module:
    """Set the bias of the gate that keeps the memory to ``value``, in place; return the layer.

    For an LSTM that is the forget gate f (Jozefowicz et al. 2015 recommend 1); for a GRU the
    update gate z (PyTorch's GRU keeps its old state where z = 1). Both are the second block of
    the stacked gate weights (LSTM order i, f, g, o; GRU order r, z, n), so in every layer that
    block of ``bias_ih`` becomes ``value`` and that of ``bias_hh`` 0: the gate's total bias is
    ``value``, and at initialisation the gate is near sigmoid(value) (0.73 for 1), not 0.5.
    """
    num_gates = layer.weight_hh_l0.shape[0] // layer.hidden_size
    if num_gates not in (3, 4):
        raise ValueError("set_memory_bias needs an LSTM or a GRU layer")
    hidden = layer.hidden_size
    with torch.no_grad():
        for k in range(layer.num_layers):
            getattr(layer, f"bias_ih_l{k}")[hidden : 2 * hidden] = value
            getattr(layer, f"bias_hh_l{k}")[hidden : 2 * hidden] = 0.0
    return layer


def _gradient(model: SeqClassifier, X: torch.Tensor, y: torch.Tensor) -> SeqClassifier:
    """A float64 copy of ``model`` whose parameters' ``.grad`` hold d(cross-entropy)/d(param)."""
    model = copy.deepcopy(model).to(torch.float64)
    model.zero_grad()
    nn.functional.cross_entropy(model(X.to(torch.float64)), y).backward()
    return model


def gradient_norm(
    model: SeqClassifier, X: torch.Tensor, y: torch.Tensor, names: list[str] | None = None
) -> float:
    """Norm of the loss's gradient over the parameters ``names`` (e.g. ``["rnn.weight_hh_l0"]``)
    taken together, or over all parameters when None; computed in float64."""
    params = dict(_gradient(model, X, y).named_parameters())
    grads = [params[n].grad.flatten() for n in (params if names is None else names)]
    return float(torch.cat(grads).norm())


def sgd_step(
    model: SeqClassifier,
    X: torch.Tensor,
    y: torch.Tensor,
    lr: float,
    max_norm: float | None = None,
) -> SeqClassifier:
    """One plain gradient-descent step on ``(X, y)``, taken by a float64 copy of ``model``.

    With ``max_norm`` the gradient is first clipped to at most that norm over all parameters
    (``torch.nn.utils.clip_grad_norm_``, Pascanu et al. 2013): the same direction, a shorter
    step. Without, it is used as it is. Returns the stepped copy.
    """
    model = _gradient(model, X, y)
    if max_norm is not None:
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    with torch.no_grad():
        for param in model.parameters():
            param -= lr * param.grad
    return model


@torch.no_grad()
def saturation(model: SeqClassifier, X: torch.Tensor, threshold: float = 0.99) -> float:
    """Share of the hidden values ``h_t`` (all rows, steps and units) with ``|h_t| > threshold``:
    where tanh is flat, its derivative ``1 - h_t^2`` is near 0 and stops the gradient."""
    dtype = next(model.parameters()).dtype
    output, _ = model.rnn(X.to(dtype))  # (batch, seq_len, num_hiddens)
    return float((output.abs() > threshold).to(torch.float64).mean())


# --- models, training and measurements -----------------------------------------------------------


def build_model(
    cell: str,
    input_size: int = SAMPLES_PER_STEP,
    memory_bias: float | None = None,
    num_hiddens: int = NUM_HIDDENS,
    seed: int = 0,
) -> SeqClassifier:
    """A seeded, untrained two-class ``SeqClassifier``; ``memory_bias``: ``set_memory_bias``."""
    set_seed(seed)
    model = SeqClassifier(cell, num_classes=2, input_size=input_size, num_hiddens=num_hiddens)
    if memory_bias is not None:
        set_memory_bias(model.rnn, memory_bias)
    return model


def train_cell(
    cell: str,
    d: data.SeqData,
    memory_bias: float | None = None,
    recipe: Recipe = RECIPE,
    num_hiddens: int = NUM_HIDDENS,
    seed: int = 0,
) -> tuple[SeqClassifier, Trainer]:
    """Train ``build_model(cell, ...)`` on ``d`` with the book's ``Trainer``.

    Returns the trained model and its trainer (``trainer.history`` holds the epochs).
    """
    model = build_model(cell, d.X_train.shape[2], memory_bias, num_hiddens, seed)
    trainer = Trainer(model, recipe, seed=seed, device="cpu")
    trainer.fit(d)
    return model, trainer


def first_step_ratio(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """``||dL/dx_1|| / ||dL/dx_T||``: the gradient reaching the first input step, relative to
    the last step's, from ``bptt.gradient_flow`` in float64 (where 1e-40 does not underflow)."""
    flow = bptt.gradient_flow(model, X, y, dtype=torch.float64)
    return float(flow[0] / flow[-1])


@torch.no_grad()
def memory_gate(model: SeqClassifier, X: torch.Tensor, first_step: int = 0) -> np.ndarray:
    """Mean of the memory gate of every hidden unit over ``X`` and steps ``first_step``...T.

    The LSTM's forget gate f or the GRU's update gate z: the share of the old memory a unit
    keeps at each step. Runs the recording ``rnnbook.cells`` copy of the model's (one-layer)
    recurrent layer; returns ``(num_hiddens,)`` float64.
    """
    key = {"lstm": "f", "gru": "z"}.get(model.cell)
    if key is None:
        raise ValueError("memory_gate needs an LSTM or a GRU classifier")
    layer = models.SCRATCH[model.cell].from_torch(model.rnn).eval()
    layer.record = True
    layer(X.to(next(layer.parameters()).dtype))
    gate = layer.trace[0][key][:, first_step:]  # (batch, steps, hidden)
    return gate.mean(dim=(0, 1)).to(torch.float64).numpy()


@dataclass
class LongGapRun:
    """One model trained at one gap."""

    name: str  # a key of CONFIGS
    cell: str
    memory_bias: float | None
    gap_seconds: float
    test_accuracy: float  # on the test part (held-out recordings)
    ratio_init: float  # first_step_ratio on the test sequences, before training
    ratio_trained: float  # ... and after
    initial: SeqClassifier  # the untrained model
    model: SeqClassifier  # the trained one
    history: History


@dataclass
class LongGapResults:
    """What ``run_long_gap`` returns: a table, the runs and the data of every gap."""

    table: pd.DataFrame
    runs: dict[tuple[str, float], LongGapRun]  # keyed by (name, gap_seconds)
    datasets: dict[float, data.SeqData]  # keyed by gap_seconds


def run_long_gap(
    recordings: list[data.Recording],
    configs: dict[str, tuple[str, float | None]] = CONFIGS,
    gaps_seconds: tuple[float, ...] = GAPS_SECONDS,
    sizes: tuple[int, int, int] = SIZES,
    recipe: Recipe = RECIPE,
    seed: int = 0,
) -> LongGapResults:
    """Train every model of ``configs`` once at every gap; measure it.

    For each (name, gap): the test accuracy, the epoch at which the validation accuracy first
    reached 0.8 (the end of the plateau; NaN if never), and ``first_step_ratio`` on the test
    sequences before and after training. The table has one row per run.
    """
    runs, datasets, rows = {}, {}, []
    for gap in gaps_seconds:
        d = datasets[gap] = make_long_gap_data(recordings, gap, sizes, seed=seed)
        for name, (cell, bias) in configs.items():
            initial = build_model(cell, d.X_train.shape[2], bias, seed=seed)
            model, trainer = train_cell(cell, d, bias, recipe, seed=seed)
            _, accuracy = trainer.evaluate(d.X_test, d.y_test)
            run = LongGapRun(
                name,
                cell,
                bias,
                gap,
                accuracy,
                first_step_ratio(initial, d.X_test, d.y_test),
                first_step_ratio(model, d.X_test, d.y_test),
                initial,
                model,
                trainer.history,
            )
            runs[(name, gap)] = run
            learnt = [i for i, a in enumerate(run.history.valid_acc, start=1) if a >= 0.8]
            rows.append(
                {
                    "model": name,
                    "gap_seconds": gap,
                    "gap_steps": steps_for(gap),
                    "seq_len": d.X_test.shape[1],
                    "test_accuracy": accuracy,
                    "epoch_valid_0.8": learnt[0] if learnt else np.nan,
                    "ratio_init": run.ratio_init,
                    "ratio_trained": run.ratio_trained,
                }
            )
    return LongGapResults(pd.DataFrame(rows), runs, datasets)
