"""minGRU and minLSTM (Feng et al. 2024): cells whose gates read only the input, so that the
recurrence is linear in the state and runs either as a loop or as a parallel scan
(`rnnbook.scan`); the beyond-gates chapter's cells.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .scan import log_scan, sequential_scan

# --- minGRU and minLSTM: gates that read only the input ------------------------------------------


def g(x: Tensor) -> Tensor:
    """Feng et al.'s positive activation for the candidate state: x + 1/2 for x >= 0, else
    sigmoid(x). It is continuous, increasing and always > 0, so the state has a logarithm."""
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def log_g(x: Tensor) -> Tensor:
    """``log(g(x))`` computed without forming g(x): ``-softplus(-x)`` is log(sigmoid(x))."""
    return torch.where(x >= 0, torch.log(F.relu(x) + 0.5), -F.softplus(-x))


class _MinRNN(nn.Module):
    """What minGRU and minLSTM share: one ``Linear`` per layer computes every gate of every step
    at once from the input alone, then a linear recurrence (``rnnbook.scan``) runs over time.

    ``mode="parallel"`` runs the recurrence in log space with ``scan.log_scan``;
    ``mode="sequential"`` runs the same equations step by step, like any RNN. Both give the same
    numbers (the tests check 1e-10 in float64). Called like ``torch.nn.GRU`` with
    ``batch_first=True``: ``output, h_n = layer(x)``.
    """

    num_gates = 2

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        *,
        mode: str = "parallel",
        batch_first: bool = True,
    ):
        super().__init__()
        if not batch_first:
            raise ValueError(f"{type(self).__name__} only supports batch_first=True")
        if input_size < 1 or hidden_size < 1 or num_layers < 1:
            raise ValueError("input_size, hidden_size and num_layers must all be >= 1")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.mode = mode
        self.gates = nn.ModuleList(
            nn.Linear(input_size if k == 0 else hidden_size, self.num_gates * hidden_size)
            for k in range(num_layers)
        )

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in ("parallel", "sequential"):
            raise ValueError(f"mode must be 'parallel' or 'sequential', got {value!r}")
        self._mode = value

    def coefficients(self, k: Tensor) -> tuple[Tensor, Tensor]:
        """Gate pre-activations ``k`` -> ``(a, b)`` of h_t = a_t h_{t-1} + b_t, as the
        equations write them (the sequential mode)."""
        raise NotImplementedError

    def log_coefficients(self, k: Tensor) -> tuple[Tensor, Tensor]:
        """The same ``(log a, log b)``, computed in log space without forming a or b (the
        parallel mode): a gate of 1e-30 keeps its logarithm, where sigmoid would round to 0."""
        raise NotImplementedError

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """``x`` (batch, seq_len, input_size) -> ``(output, h_n)``: output (batch, seq_len,
        hidden_size), the last layer's states; h_n (num_layers, batch, hidden_size). ``h0``
        (num_layers, batch, hidden_size), zeros when None, must be > 0 otherwise (the parallel
        mode takes its logarithm)."""
        if x.dim() != 3 or x.shape[-1] != self.input_size or x.shape[1] == 0:
            raise ValueError(
                f"expected input of shape (batch, seq_len>0, input_size={self.input_size}), "
                f"got {tuple(x.shape)}"
            )
        if h0 is not None and (h0 <= 0).any():
            raise ValueError("h0 must be > 0 everywhere (the states of a min-RNN are positive)")
        h_n = []
        for k, gates in enumerate(self.gates):
            pre = gates(x)  # (batch, seq_len, num_gates * hidden): every step at once
            start = None if h0 is None else h0[k]
            if self.mode == "parallel":
                log_a, log_b = self.log_coefficients(pre)  # each (batch, seq_len, hidden)
                x = torch.exp(log_scan(log_a, log_b, None if start is None else start.log()))
            else:
                a, b = self.coefficients(pre)
                x = sequential_scan(a, b, start)
            h_n.append(x[:, -1])
        return x, torch.stack(h_n)  # (batch, seq_len, hidden), (num_layers, batch, hidden)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, mode={self.mode!r}"


class MinGRU(_MinRNN):
    r"""minGRU (Feng et al. 2024): the GRU with gates that read only the input.

    .. math::
        z_t &= \sigma(W_z x_t + b_z) \\
        \tilde h_t &= g(W_h x_t + b_h) \\
        h_t &= (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t

    No reset gate and no ``h_{t-1}`` inside the gates: given the inputs, every ``z_t`` and
    ``\tilde h_t`` is known before the recurrence starts, and ``h_t = a_t h_{t-1} + b_t``
    with ``a_t = 1 - z_t`` and ``b_t = z_t \tilde h_t`` is linear. Note the convention: here z
    is the share of the *new* candidate (the paper's), while in PyTorch's GRU z keeps the old.
    """

    num_gates = 2  # z, candidate

    def coefficients(self, k):
        k_z, k_h = k.chunk(2, dim=-1)  # (batch, seq_len, hidden) each
        z = torch.sigmoid(k_z)
        return 1 - z, z * g(k_h)

    def log_coefficients(self, k):
        k_z, k_h = k.chunk(2, dim=-1)
        log_a = -F.softplus(k_z)  # log(1 - z)
        log_b = -F.softplus(-k_z) + log_g(k_h)  # log(z * g(k_h))
        return log_a, log_b


class MinLSTM(_MinRNN):
    r"""minLSTM (Feng et al. 2024): forget and input gates that read only the input, normalised
    so that they sum to one (the state stays a weighted average, whatever the length).

    .. math::
        f_t = \sigma(W_f x_t + b_f), \quad i_t = \sigma(W_i x_t + b_i), \quad
        \tilde h_t = g(W_h x_t + b_h) \\
        h_t = \frac{f_t}{f_t + i_t} \odot h_{t-1} + \frac{i_t}{f_t + i_t} \odot \tilde h_t
    """

    num_gates = 3  # f, i, candidate

    def coefficients(self, k):
        k_f, k_i, k_h = k.chunk(3, dim=-1)  # (batch, seq_len, hidden) each
        f, i = torch.sigmoid(k_f), torch.sigmoid(k_i)
        return f / (f + i), i / (f + i) * g(k_h)

    def log_coefficients(self, k):
        k_f, k_i, k_h = k.chunk(3, dim=-1)
        # log f' = log f - log(f + i), in one stable expression (Feng et al., appendix)
        diff = F.softplus(-k_f) - F.softplus(-k_i)
        log_a = -F.softplus(diff)  # log(f / (f + i))
        log_b = -F.softplus(-diff) + log_g(k_h)  # log(i / (f + i) * g(k_h))
        return log_a, log_b
