"""Every model that reads a padded batch of patients' visits, in one place.

A batch is `(batch, max_visits, 1 + features)`: channel 0 is 1 at a real visit and 0 at padding
(`rnnbook.visits.visit_data`; GRU-D's own inputs, `rnnbook.healthcare.grud_data`), and every model
returns logits at every visit, `(batch, max_visits, ...)`, computed from that visit and the
earlier ones only:

* `VisitGRU`: a GRU (or LSTM) over the packed visits, a risk at every visit (patient visits);
  `CodeGRU`: the same with a learned embedding of each visit's coded diagnoses (health records);
* `VisitForecaster`: a `GRUCell` loop that forecasts the next visit's value, reading the truth or
  its own forecasts (patient visits);
* `HazardGRU`: `VisitGRU` with a discrete-time hazard head (time to event; its loss and
  statistics are `rnnbook.survival`'s);
* `RETAIN` (Choi et al. 2016), with `retain_contributions`, and `GRUD` (Che et al. 2018)
  (healthcare's recurrent models).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .cells import RECURRENT
from .errors import RNNBookError

# --- GRU over the visits -----------------------------------------------------------------------


class VisitGRU(nn.Module):
    """Many-to-many over a patient's visits: a risk at every visit from that visit and the earlier ones.

    X is a padded batch of patients, `(batch, max_visits, 1 + features)`, whose channel 0 is 1 at
    a real visit and 0 at padding (`rnnbook.visits.visit_data`). The lengths come from that
    channel; the batch is *packed*, so the recurrent layer never reads a padded step and each
    patient's outputs are exactly those of running the patient alone. The layer is causal
    (unidirectional): the output at visit t has seen visits 1..t only. `cell` is "gru" or "lstm".
    """

    def __init__(
        self,
        num_classes: int = 2,
        input_size: int = 1,
        num_hiddens: int = 16,
        dropout: float = 0.0,
        cell: str = "gru",
    ):
        super().__init__()
        if cell not in ("gru", "lstm"):
            raise ValueError(f"unknown cell {cell!r}; choose gru or lstm")
        self.rnn = RECURRENT[cell](input_size, num_hiddens, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(num_hiddens, num_classes)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        lengths = X[:, :, 0].sum(dim=1).round().long().cpu()  # (batch,) visits per patient
        packed = pack_padded_sequence(X, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=X.shape[1])
        return self.head(self.drop(out))  # (batch, max_visits, num_classes); padding: bias only


class CodeGRU(VisitGRU):
    """`VisitGRU` whose visits carry coded diagnoses: a visit's codes pass through a learned
    embedding before the recurrent layer reads them.

    X is `(batch, max_visits, 1 + num_codes + others)` (`rnnbook.records.visit_tensors`):
    channel 0 marks a real visit, channels 1..num_codes are the visit's multi-hot codes, the rest
    pass through unchanged. Multiplying the multi-hot vector by the embedding matrix
    `(num_codes, num_embed)` sums the rows of the visit's codes: what `nn.EmbeddingBag(mode="sum")`
    computes from the codes' indices (Doctor AI, RETAIN).
    """

    def __init__(
        self,
        num_classes: int = 2,
        input_size: int = 1,
        num_codes: int = 10,
        num_embed: int = 8,
        num_hiddens: int = 32,
        dropout: float = 0.0,
    ):
        super().__init__(num_classes, input_size - num_codes + num_embed, num_hiddens, dropout)
        self.num_codes = num_codes
        self.embed = nn.Linear(
            num_codes, num_embed, bias=False
        )  # weight = E^T, (num_embed, num_codes)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        codes = X[:, :, 1 : 1 + self.num_codes]  # (batch, max_visits, num_codes), multi-hot
        embedded = self.embed(codes)  # (batch, max_visits, num_embed): the sum of E's rows
        X = torch.cat([X[:, :, :1], embedded, X[:, :, 1 + self.num_codes :]], dim=-1)
        return super().forward(X)


class VisitForecaster(nn.Module):
    """Many-to-many regression: at every visit, forecast the next visit's value (log bilirubin).

    X is `(batch, steps, 2)`: the value at each visit and the years to the next visit (known in
    advance: the forecast is asked *for* a date). A `GRUCell` loop, so that the value read at a
    step can be the model's own forecast from the step before instead of the truth:

    * `observed=None` in training: with `feed="teacher"` (teacher forcing, Williams & Zipser
      1989) every step reads the true value; with `feed="own"` each batch reads the true values
      of a random number of first visits (1 to all) and its own forecasts after them, as at
      test time;
    * `observed=k` (evaluation): the first k visits are known, after that the model runs on its
      own forecasts. `observed=None` in eval mode reads every true value (one step ahead).

    Returns `(batch, steps, 1)`: step t forecasts visit t + 1.
    """

    def __init__(
        self,
        num_classes: int = 1,
        input_size: int = 2,
        num_hiddens: int = 32,
        feed: str = "teacher",
    ):
        super().__init__()
        if feed not in ("teacher", "own"):
            raise ValueError(f"unknown feed {feed!r}; choose teacher or own")
        self.feed = feed
        self.cell = nn.GRUCell(input_size, num_hiddens)
        self.head = nn.Linear(num_hiddens, num_classes)

    def forward(self, X: torch.Tensor, observed: int | None = None) -> torch.Tensor:
        batch, steps, _ = X.shape
        if observed is None:
            own = self.training and self.feed == "own"
            observed = int(torch.randint(1, steps + 1, ())) if own else steps
        H = X.new_zeros(batch, self.cell.hidden_size)  # (batch, num_hiddens)
        outputs = []
        for t in range(steps):
            x = X[:, t]  # (batch, input_size)
            if t >= observed:  # read the previous forecast instead of the true value
                x = torch.cat([outputs[-1][:, :1], x[:, 1:]], dim=1)
            H = self.cell(x, H)
            outputs.append(self.head(H))  # (batch, num_classes)
        return torch.stack(outputs, dim=1)  # (batch, steps, num_classes)


# --- survival ---------------------------------------------------------------------------------


class HazardGRU(VisitGRU):
    """Many-to-many survival: at every visit, a discrete-time hazard for each of `num_intervals`
    intervals after it and each of `num_causes` causes.

    X is a padded batch of patients `(batch, max_visits, 1 + features)` as `visits.visit_data`
    gives (channel 0 is 1 at a real visit; the features include the years since the previous
    visit). It is `VisitGRU` (packed, causal: the output at visit t reads visits 1..t
    only) with a head of `num_intervals * (1 + num_causes)` outputs, reshaped into logits
    `(batch, max_visits, num_intervals, 1 + num_causes)`; index 0 of the last axis is "no event
    in this interval" (`hazard_loss`, `predicted_survival`).
    """

    def __init__(
        self,
        num_causes: int,
        num_intervals: int,  # the grid is `rnnbook.survival`'s (NUM_INTERVALS of WIDTH years)
        input_size: int = 26,
        num_hiddens: int = 16,
        dropout: float = 0.1,
    ):
        super().__init__(num_intervals * (1 + num_causes), input_size, num_hiddens, dropout)
        self.num_intervals, self.num_causes = num_intervals, num_causes

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        y_hat = super().forward(X)  # (batch, max_visits, K * (1 + R))
        return y_hat.reshape(*X.shape[:2], self.num_intervals, 1 + self.num_causes)


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
