"""Two recurrent models made for patient records, from their papers' equations, on the PBC visits.

* `RETAIN` (Choi et al. 2016): visits embedded linearly, two GRUs read the visits in reverse
  time and give a weight `alpha_j` per visit and a vector `beta_j` per embedding dimension; the
  context is sum_j alpha_j beta_j * v_j. It predicts at every visit t from visits 1..t (the
  reverse GRUs run on every prefix), and, the embedding being linear, `retain_contributions`
  splits each logit exactly into one term per (visit, input).
* `GRUD` (Che et al. 2018): a GRU whose inputs decay from the last observed value towards the
  training mean, and whose hidden state decays, as the time since each variable was last
  observed (`delta`) grows; the mask m_t enters the gates.
* The data GRU-D needs from the PBC visits (`grud_data`): values not carried forward, the
  mask, `delta` by the paper's recursion (`time_since_observed`), standardised with the mean
  and spread of the values observed in the training patients; the inputs of the paper's
  baselines GRU-mean, GRU-forward and GRU-simple (`grud_view`); values removed on purpose, at
  random or tied to the outcome (`remove_values`).

Both models read a padded batch whose channel 0 is 1 at a real visit and 0 at padding, as
`rnnbook.models.VisitGRU` does, and return `(batch, max_visits, num_classes)` logits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from . import visits
from .data import SeqData
from .errors import DataError, RNNBookError

# --- RETAIN ------------------------------------------------------------------------------------


def visit_lengths(X: torch.Tensor) -> torch.Tensor:
    """Real visits per patient, from channel 0 of a padded batch `(batch, max_visits, ...)`."""
    lengths = X[:, :, 0].sum(dim=1).round().long()  # (batch,)
    if (lengths < 1).any():
        raise RNNBookError("X has a patient without a visit (channel 0 is 0 at every step)")
    return lengths


class RETAIN(nn.Module):
    """RETAIN (Choi et al. 2016) over a patient's visits, a risk at every visit.

    X `(batch, max_visits, 1 + K)`: channel 0 marks real visits, then K inputs x_j. For the
    prediction at visit t:

        v_j = W_emb x_j                          (linear, no bias)
        g_t..g_1 = GRU_alpha(v_t, ..., v_1),     e_j = w_alpha^T g_j + b_alpha
        h_t..h_1 = GRU_beta(v_t, ..., v_1),      beta_j = tanh(W_beta h_j + b_beta)
        alpha = softmax(e_1, ..., e_t)           (over real visits j <= t only)
        c_t = sum_j alpha_j beta_j * v_j,        y_hat_t = W c_t + b

    The reverse-time GRUs run afresh on every prefix 1..t, read from its own last visit back
    to the first, so visit t never sees visit t + 1; all prefixes of a batch are one packed
    call.
    """

    def __init__(
        self,
        num_classes: int = 2,
        input_size: int = 26,
        num_embed: int = 16,
        num_hiddens: int = 16,
    ):
        super().__init__()
        self.embed = nn.Linear(input_size - 1, num_embed, bias=False)  # W_emb; channel 0 aside
        self.rnn_alpha = nn.GRU(num_embed, num_hiddens, batch_first=True)
        self.rnn_beta = nn.GRU(num_embed, num_hiddens, batch_first=True)
        self.w_alpha = nn.Linear(num_hiddens, 1)
        self.W_beta = nn.Linear(num_hiddens, num_embed)
        self.head = nn.Linear(num_embed, num_classes)

    def _reverse_prefixes(self, rnn: nn.GRU, v: torch.Tensor, last: torch.Tensor) -> torch.Tensor:
        """`rnn` over every prefix read backwards: out[b, t, j] is the state after reading
        v_last, ..., v_j (last = last[b, t]); zeros where j > last."""
        batch, steps, width = v.shape
        k = torch.arange(steps, device=v.device)
        visit = last.unsqueeze(2) - k  # (batch, prefixes, positions): the visit read k-th
        index = visit.clamp(min=0).reshape(batch, steps * steps, 1).expand(-1, -1, width)
        rev = v.gather(1, index).reshape(batch * steps, steps, width)  # each prefix, reversed
        packed = pack_padded_sequence(
            rev, (last + 1).reshape(-1).cpu(), batch_first=True, enforce_sorted=False
        )
        out, _ = rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=steps)
        out = out.reshape(batch, steps, steps, -1)  # (batch, prefixes, positions, hidden)
        # Back to visit order: visit j of prefix t was read at position last - j.
        position = (last.unsqueeze(2) - k).clamp(min=0)  # (batch, prefixes, visits)
        back = out.gather(2, position.unsqueeze(3).expand(-1, -1, -1, out.shape[3]))
        return back * (k <= last.unsqueeze(2)).unsqueeze(3)

    def attend(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(alpha, beta, v): alpha `(batch, t, j)` the weight of visit j in the prediction at
        visit t (0 for j > t and at padding), beta `(batch, t, j, num_embed)`, v `(batch, j,
        num_embed)`. A padded step t repeats the patient's last real prediction."""
        lengths = visit_lengths(X).to(X.device)
        steps = X.shape[1]
        t = torch.arange(steps, device=X.device)
        last = torch.minimum(t, (lengths - 1).unsqueeze(1))  # (batch, prefixes)
        v = self.embed(X[:, :, 1:])  # (batch, visits, num_embed)
        g = self._reverse_prefixes(self.rnn_alpha, v, last)  # (batch, t, j, num_hiddens)
        h = self._reverse_prefixes(self.rnn_beta, v, last)
        e = self.w_alpha(g).squeeze(3)  # (batch, t, j)
        real = t <= last.unsqueeze(2)  # visit j is real and not after t
        alpha = torch.softmax(e.masked_fill(~real, float("-inf")), dim=2)
        beta = torch.tanh(self.W_beta(h))  # (batch, t, j, num_embed)
        return alpha, beta, v

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        alpha, beta, v = self.attend(X)
        c = (alpha.unsqueeze(3) * beta * v.unsqueeze(1)).sum(dim=2)  # (batch, t, num_embed)
        return self.head(c)  # (batch, max_visits, num_classes)


def retain_coefficients(
    model: RETAIN, X: torch.Tensor, positive: int = 1, negative: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """The weight RETAIN gives each input of each visit in the risk logit
    y_hat[positive] - y_hat[negative] at visit t: alpha_tj w^T(beta_tj * W_emb[:, k]), with w
    the difference of the two rows of W. Returns (coefficients `(batch, t, j, K)`, b)."""
    model.eval()
    with torch.no_grad():
        alpha, beta, _ = model.attend(X)
        w = model.head.weight[positive] - model.head.weight[negative]  # (num_embed,)
        coef = alpha.unsqueeze(3) * ((beta * w) @ model.embed.weight)  # (batch, t, j, K)
        bias = model.head.bias[positive] - model.head.bias[negative]
    return coef, bias


def retain_contributions(
    model: RETAIN, X: torch.Tensor, positive: int = 1, negative: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each (visit, input)'s exact share of the risk logit y_hat[positive] - y_hat[negative].

    The logit at visit t is sum_j sum_k alpha_tj w^T(beta_tj * W_emb[:, k]) x_jk + b: returns
    (contributions `(batch, t, j, K)`, b). Summed over j and k, plus b, they are the logit.
    x_jk are the inputs as the model reads them, standardised: a contribution is that of the
    input's distance from its training mean.
    """
    coef, bias = retain_coefficients(model, X, positive, negative)
    return coef * X[:, :, 1:].unsqueeze(1), bias


# --- GRU-D ---------------------------------------------------------------------------------------


def forward_fill(x: torch.Tensor, m: torch.Tensor, x_mean: torch.Tensor) -> torch.Tensor:
    """x_{t'}: each variable's last observed value up to step t, or `x_mean` before the first.
    `(batch, steps, D)`, vectorised over steps (the index of the last observation by cummax)."""
    steps = torch.arange(x.shape[1], device=x.device).view(1, -1, 1)
    seen = torch.where(m > 0, steps, torch.full_like(steps, -1)).cummax(dim=1).values
    filled = x.gather(1, seen.clamp(min=0))
    return torch.where(seen >= 0, filled, x_mean.expand_as(x))


def check_grud_inputs(x: torch.Tensor, m: torch.Tensor, delta: torch.Tensor) -> None:
    """One clear line if the mask or delta do not fit the values x `(batch, steps, D)`."""
    for name, value in (("mask m", m), ("delta", delta)):
        if value.shape != x.shape:
            raise RNNBookError(
                f"GRU-D: {name} has shape {tuple(value.shape)}, expected {tuple(x.shape)} "
                "(that of the values x)"
            )
    if ((m != 0) & (m != 1)).any():
        raise RNNBookError("GRU-D: the mask m holds a value other than 0 or 1")
    if (delta < 0).any():
        b, t, d = (int(i) for i in (delta < 0).nonzero()[0])
        raise RNNBookError(
            f"GRU-D: delta is negative (patient {b}, visit {t}, variable {d}); the time since a "
            "variable was last observed cannot be"
        )


def grud_input(real: torch.Tensor, x: torch.Tensor, m: torch.Tensor, delta: torch.Tensor):
    """GRU-D's padded input `(batch, steps, 1 + 3 D)`: [real visit, x, m, delta], checked."""
    check_grud_inputs(x, m, delta)
    return torch.cat([real.unsqueeze(2), x, m, delta], dim=2)


class GRUD(nn.Module):
    """GRU-D (Che et al. 2018): a GRU for irregular steps with missing values.

    X `(batch, steps, 1 + 3 D)` = [real visit, x, m, delta] (`grud_input`): the values (any
    number where m = 0), the mask (1 if observed at this step) and delta, the time since each
    variable was last observed. With x_{t'} the last observed value and x~ the training mean
    (`x_mean`, 0 for standardised inputs):

        gamma_x = exp(-max(0, w_gx * delta_t + b_gx))          (one decay per variable)
        gamma_h = exp(-max(0, W_gh delta_t + b_gh))
        x^_t = m_t * x_t + (1 - m_t) * (gamma_x * x_{t'} + (1 - gamma_x) * x~)
        h^_{t-1} = gamma_h * h_{t-1}
        h_t = GRU([x^_t, m_t], h^_{t-1})                        (the mask feeds every gate)

    The GRU is the book's (`nn.GRUCell`); the columns of its input weights that read m are the
    paper's V. With the decay weights and V at zero it is a GRU on forward-filled values.
    """

    def __init__(
        self,
        num_classes: int = 2,
        num_variables: int = 15,
        num_hiddens: int = 16,
        dropout: float = 0.0,
    ):
        super().__init__()
        D = num_variables
        self.num_variables = D
        self.decay_x_weight = nn.Parameter(torch.zeros(D))  # diagonal W_gamma_x
        self.decay_x_bias = nn.Parameter(torch.zeros(D))
        self.decay_h = nn.Linear(D, num_hiddens)  # W_gamma_h, b_gamma_h
        self.cell = nn.GRUCell(2 * D, num_hiddens)  # input [x^_t, m_t]
        self.register_buffer("x_mean", torch.zeros(D))
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(num_hiddens, num_classes)
        nn.init.uniform_(self.decay_x_weight, 0.0, 0.1)

    def split(self, X: torch.Tensor):
        """(real, x, m, delta) of a GRU-D input, checked."""
        D = self.num_variables
        if X.dim() != 3 or X.shape[2] != 1 + 3 * D:
            raise RNNBookError(
                f"GRU-D: X has shape {tuple(X.shape)}, expected (batch, steps, {1 + 3 * D}): "
                f"a real-visit channel, then x, m and delta of {D} variables"
            )
        real, x, m, delta = (
            X[:, :, 0],
            X[:, :, 1 : 1 + D],
            X[:, :, 1 + D : 1 + 2 * D],
            X[:, :, 1 + 2 * D :],
        )
        check_grud_inputs(x, m, delta)
        return real, x, m, delta

    def decayed_inputs(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(x^, m, gamma_h) for every step at once: nothing here waits for the hidden state."""
        _, x, m, delta = self.split(X)
        gamma_x = torch.exp(-torch.relu(self.decay_x_weight * delta + self.decay_x_bias))
        gamma_h = torch.exp(-torch.relu(self.decay_h(delta)))  # (batch, steps, num_hiddens)
        x_last = forward_fill(x, m, self.x_mean)
        x_hat = m * x + (1 - m) * (gamma_x * x_last + (1 - gamma_x) * self.x_mean)
        return x_hat, m, gamma_h

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        x_hat, m, gamma_h = self.decayed_inputs(X)
        inputs = torch.cat([x_hat, m], dim=2)  # (batch, steps, 2 D)
        H = X.new_zeros(X.shape[0], self.cell.hidden_size)  # (batch, num_hiddens)
        outputs = []
        for t in range(X.shape[1]):
            H = self.cell(inputs[:, t], gamma_h[:, t] * H)
            outputs.append(H)
        return self.head(self.drop(torch.stack(outputs, dim=1)))  # (batch, steps, classes)


# --- the PBC visits as GRU-D reads them --------------------------------------------------------

# Variables measured at visits (these may be removed on purpose), then those always known.
LABS = [
    "bili",
    "albumin",
    "protime",
    "edema",
    "ascites",
    "hepato",
    "spiders",
    "chol",
    "alk.phos",
    "ast",
    "platelet",
    "stage",
]
ALWAYS = ["age", "male", "trt"]
GRUD_VARIABLES = [f"log_{c}" if c in visits.LOGGED else c for c in LABS] + ALWAYS


def raw_values(table: pd.DataFrame) -> pd.DataFrame:
    """The GRU-D variables of every visit, as measured: skewed labs logged, NaN where a value
    is missing (nothing carried forward), age at the visit."""
    out = pd.DataFrame(index=table.index)
    for column, name in zip(LABS, GRUD_VARIABLES, strict=False):
        out[name] = np.log(table[column]) if column in visits.LOGGED else table[column]
    out["age"] = visits.age_at_visit(table)
    out["male"] = table["male"].astype(np.float64)
    out["trt"] = table["trt"].astype(np.float64)
    return out


def time_since_observed(days: np.ndarray, mask: np.ndarray, first: np.ndarray) -> np.ndarray:
    """delta of Che et al. (2018), in the units of `days`, by the paper's recursion:

        delta_t = s_t - s_{t-1} + delta_{t-1}   if t > 1 and m_{t-1} = 0
                  s_t - s_{t-1}                 if t > 1 and m_{t-1} = 1
                  0                             if t = 1

    `days` (rows,) the time of each visit, `mask` (rows, D), `first` (rows,) True at a
    patient's first visit; rows sorted by patient, then time. Returns (rows, D).
    """
    days, mask = np.asarray(days, dtype=np.float64), np.asarray(mask, dtype=np.float64)
    delta = np.zeros(mask.shape)
    for i in range(len(days)):
        if first[i]:
            continue
        gap = days[i] - days[i - 1]
        if gap < 0:
            raise DataError(
                f"row {i}: a visit before the previous one ({days[i]:g} < "
                f"{days[i - 1]:g}); sort the visits by patient, then time"
            )
        delta[i] = gap + np.where(mask[i - 1] == 1, 0.0, delta[i - 1])
    return delta


def died_within(table: pd.DataFrame, horizon_days: int = visits.HORIZON_DAYS) -> np.ndarray:
    """True at the visits followed by death within `horizon_days` (landmark label 1)."""
    return visits.landmark_labels(table, horizon_days) == 1


def remove_values(
    table: pd.DataFrame, rate: float, tied: bool = False, seed: int = 0, columns=LABS
) -> pd.DataFrame:
    """A copy of the visits with lab values removed on purpose (a synthetic stress test).

    At random (`tied=False`): each value of `columns` at each visit is removed with
    probability `rate`. Tied to the outcome (`tied=True`): only at the visits followed by
    death within two years, each value with probability `rate`; the other visits keep theirs.
    """
    if not 0 <= rate <= 1:
        raise RNNBookError(f"rate must be between 0 and 1, got {rate}")
    out = table.copy()
    rng = np.random.default_rng(seed)
    drop = rng.random((len(out), len(columns))) < rate  # (visits, labs)
    if tied:
        drop &= died_within(out)[:, None]
    for i, column in enumerate(columns):
        out.loc[drop[:, i], column] = np.nan
    return out


@dataclass
class GRUDData:
    """The PBC visits as GRU-D reads them, split by patient.

    `d.X_*` `(patients, max_visits, 1 + 3 D)` = [real visit, x, m, delta] (`grud_input`): x
    standardised with `mean` and `std` of the values *observed in the training patients* (so
    the training mean is 0, and 0 where m = 0), delta in years; y the landmark label, -100
    where unknown or padded. `filled` holds the values carried forward (`pandas` ffill, the
    training mean where never observed), standardised alike, for GRU-forward and GRU-simple.
    """

    d: SeqData
    variables: list[str]
    mean: pd.Series
    std: pd.Series
    ids: dict[str, np.ndarray]
    visits: pd.DataFrame  # the table with label and part
    filled: dict[str, torch.Tensor] = field(repr=False, default_factory=dict)


def grud_data(
    table: pd.DataFrame, split: visits.PatientSplit, horizon_days: int = visits.HORIZON_DAYS
) -> GRUDData:
    """Pad each part's patients into GRU-D's input (see `GRUDData`); the landmark labels of
    `visits.landmark_labels`, the patient split `split`."""
    t = table.copy()
    t["label"] = visits.landmark_labels(t, horizon_days)
    t["part"] = split.part_of(t["id"].to_numpy())
    raw = raw_values(t)
    observed = raw.notna()
    training = (t["part"] == "train").to_numpy()
    mean, std = raw[training].mean(), raw[training].std().replace(0, 1.0)  # skips NaN
    z = (raw - mean) / std
    ids = t["id"].to_numpy()
    first = t["visit"].to_numpy() == 0
    delta = time_since_observed(t["day"].to_numpy() / 365.25, observed.to_numpy(), first)
    ffilled = z.groupby(t["id"]).ffill().fillna(0.0).to_numpy()  # 0: the training mean
    values = np.c_[np.ones(len(t)), z.fillna(0.0).to_numpy(), observed.to_numpy(), delta]
    max_visits = int(t.groupby("id").size().max())
    tensors, parts, filled = [], {}, {}
    for part in ("train", "valid", "test"):
        keep = (t["part"] == part).to_numpy()
        pids = getattr(split, part)
        X = visits.pad(values[keep], ids[keep], pids, max_visits, 0.0)
        y = visits.pad(
            t["label"].to_numpy(np.float64)[keep], ids[keep], pids, max_visits, float(visits.IGNORE)
        )
        tensors += [torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.long)]
        filled[part] = torch.tensor(
            visits.pad(ffilled[keep], ids[keep], pids, max_visits, 0.0), dtype=torch.float32
        )
        parts[part] = pids
    classes = (f"alive after {horizon_days} days", f"died within {horizon_days} days")
    d = SeqData(*tensors, task="death-2y", split="patient", classes=classes, mean=0.0, std=1.0)
    return GRUDData(d, list(GRUD_VARIABLES), mean, std, parts, t, filled)


GRUD_VIEWS = ("mean", "forward", "simple", "decay")


def grud_view(gd: GRUDData, view: str) -> SeqData:
    """The inputs of the paper's models, on the same patients and labels (channel 0 first):
    "mean" the values with every missing one at the training mean (GRU-mean), "forward" the
    last observed value (GRU-forward), "simple" the last observed value, the mask and delta
    (GRU-simple), "decay" GRU-D's own input [x, m, delta]."""
    import dataclasses

    if view not in GRUD_VIEWS:
        raise RNNBookError(f"unknown GRU-D view {view!r}; choose one of: {', '.join(GRUD_VIEWS)}")
    D = len(gd.variables)
    parts = {}
    for part in ("train", "valid", "test"):
        X = gd.d.part(part)[0]
        real, x, rest = X[:, :, :1], X[:, :, 1 : 1 + D], X[:, :, 1 + D :]
        filled = gd.filled[part]
        parts[f"X_{part}"] = {
            "mean": torch.cat([real, x], 2),
            "forward": torch.cat([real, filled], 2),
            "simple": torch.cat([real, filled, rest], 2),
            "decay": X,
        }[view]
    return dataclasses.replace(gd.d, **parts)
