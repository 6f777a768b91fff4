"""How a recurrent layer starts: the memory-gate bias of an LSTM or GRU (gated cells), and the
remedies of the beyond-gates chapter: identity (IRNN), orthogonal and chrono initialisation.
Each works in place on PyTorch's layers and on the book's own (`cells`, `min_cells`).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .min_cells import MinGRU, _MinRNN

# --- initialising gated layers ------------------------------------------------------


def set_memory_bias(layer: nn.Module, value: float = 1.0) -> nn.Module:
    """Set the bias of the gate that keeps the memory to ``value``, in place; return the layer.

    For an LSTM that is the forget gate f (Gers et al. 2000; Jozefowicz et al. 2015 recommend
    1); for a GRU the update gate z (PyTorch's GRU keeps its old state where z = 1). Both are the
    second block of the stacked gate weights (LSTM order i, f, g, o; GRU order r, z, n), so in
    every layer that block of ``bias_ih`` becomes ``value`` and that of ``bias_hh`` 0: the
    gate's total bias is ``value``, and at initialisation the gate is near sigmoid(value) (0.73
    for 1), not 0.5. Works for ``nn.LSTM``/``nn.GRU`` and this module's ``LSTM``/``GRU``.
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


def identity_recurrent(layer: nn.Module, input_std: float = 1e-3) -> nn.Module:
    """IRNN initialisation (Le, Jaitly & Hinton 2015), in place; return the layer.

    For a ReLU RNN: ``W_hh = I`` and zero biases, so at initialisation the state is carried
    forward unchanged (dh_t/dh_{t-1} = I where units are active: the gradient neither shrinks nor
    grows), and ``W_ih ~ N(0, input_std^2)``.
    """
    with torch.no_grad():
        for k in range(layer.num_layers):
            nn.init.eye_(getattr(layer, f"weight_hh_l{k}"))
            nn.init.normal_(getattr(layer, f"weight_ih_l{k}"), std=input_std)
            for name in (f"bias_ih_l{k}", f"bias_hh_l{k}"):
                if getattr(layer, name, None) is not None:
                    nn.init.zeros_(getattr(layer, name))
    return layer


def orthogonal_recurrent(layer: nn.Module, gain: float = 1.0) -> nn.Module:
    """A random orthogonal ``W_hh`` (Saxe, McClelland & Ganguli 2014) per layer (and per gate
    block of a gated layer), in place; return the layer. Every singular value of an orthogonal
    matrix is 1, so multiplying by it preserves the norm of a gradient: only the nonlinearity's
    derivative can shrink it. Draws from torch's global generator (seed first)."""
    hidden = layer.hidden_size
    with torch.no_grad():
        for k in range(layer.num_layers):
            w_hh = getattr(layer, f"weight_hh_l{k}")
            for block in w_hh.split(hidden):  # (hidden, hidden) per gate
                nn.init.orthogonal_(block, gain=gain)
    return layer


def chrono_bias(layer: nn.Module, t_max: float) -> nn.Module:
    """Chrono initialisation (Tallec & Ollivier 2018) of the gate biases, in place; return it.

    A memory gate that stays near m keeps information for about 1 / (1 - m) steps. Chrono draws
    each unit's timescale from [2, t_max]: u ~ U(1, t_max - 1), and the bias makes the gate
    start at m = u / (1 + u), so that 1 / (1 - m) = 1 + u. Which bias that is:

    * LSTM: the forget gate's bias is ``log(u)`` and the input gate's ``-log(u)``;
    * GRU (PyTorch's, where z keeps the old state): the update gate's bias is ``log(u)``;
    * minGRU (where z takes the new candidate, so 1 - z keeps): z's bias is ``-log(u)``;
    * minLSTM: as the LSTM, forget ``log(u)``, input ``-log(u)``.

    For LSTM and GRU layers ``bias_hh`` of those blocks is set to 0, so the drawn value is the
    gate's whole bias. ``t_max``: the longest dependency expected, in steps. Draws from torch's
    global generator (seed first).
    """
    if t_max <= 2:
        raise ValueError(f"t_max must be > 2 steps, got {t_max}")
    hidden = layer.hidden_size
    first, second = slice(0, hidden), slice(hidden, 2 * hidden)

    def draw(like: Tensor) -> Tensor:
        u = torch.empty(hidden, dtype=like.dtype).uniform_(1.0, t_max - 1.0)
        return u.log().to(like.device)

    with torch.no_grad():
        if isinstance(layer, _MinRNN):
            for gates in layer.gates:
                log_u = draw(gates.bias)
                if isinstance(layer, MinGRU):
                    gates.bias[first] = -log_u  # z (order z, candidate)
                else:  # MinLSTM, order f, i, candidate
                    gates.bias[first], gates.bias[second] = log_u, -log_u
            return layer
        num_gates = layer.weight_hh_l0.shape[0] // hidden
        if num_gates not in (3, 4):
            raise ValueError("chrono_bias needs an LSTM, GRU, minGRU or minLSTM layer")
        for k in range(layer.num_layers):
            b_ih, b_hh = getattr(layer, f"bias_ih_l{k}"), getattr(layer, f"bias_hh_l{k}")
            log_u = draw(b_ih)
            b_ih[second] = log_u  # LSTM f (order i, f, g, o); GRU z (order r, z, n)
            b_hh[second] = 0.0
            if num_gates == 4:  # the LSTM's input gate opens as the forget gate closes
                b_ih[first] = -log_u
                b_hh[first] = 0.0
    return layer
