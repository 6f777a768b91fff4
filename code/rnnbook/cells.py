"""The recurrent equations, in code: from-scratch ``RNN``, ``LSTM`` and ``GRU`` layers.

Each class is a multi-layer, unidirectional recurrent layer written with plain tensor
operations -- one loop over layers, one loop over time, the equations spelled out -- so the
textbook can show the formulas and the code side by side. They are drop-in stand-ins for
``torch.nn.RNN`` / ``LSTM`` / ``GRU`` (with ``batch_first=True``):

* the parameters have PyTorch's names, shapes and gate order (``weight_ih_l0`` is
  ``(G * hidden_size, input_size)`` with G = 1, 4, 3 gates), and are initialised the same way,
  so with the same seed a cell here and its ``torch.nn`` twin get identical weights;
* they are called the same way: ``output, h_n = rnn(x, h0)`` and
  ``output, (h_n, c_n) = lstm(x, (h0, c0))``;
* ``from_torch`` copies the weights of a trained ``torch.nn`` module, and the tests check that
  outputs and all gradients agree with PyTorch to 1e-10 in float64.

They are slower than cuDNN/MKL kernels (a Python loop per time step), which is fine for the
small models and short sequences of the book.

For the figures, ``register_step_hook`` lets an observer see every step's gate activations and
states (as ``register_forward_hook`` lets one see a module's output): :mod:`rnnbook.recording`
uses it to record a layer without changing it.
"""

from __future__ import annotations

import math
import warnings
from collections import OrderedDict
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.hooks import RemovableHandle

from .utils import max_abs_diff

# PyTorch's recurrent layers by cell name: the twins of `RNN`, `LSTM` and `GRU` below.
RECURRENT = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

__all__ = [
    "RECURRENT",
    "RNN",
    "LSTM",
    "GRU",
    "LayerNormRNN",
    "compare_layers",
]


def _linear(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """``x W^T + b`` -- the affine map every gate is built from (bias may be absent)."""
    out = x @ weight.T
    return out if bias is None else out + bias


class _RecurrentLayer(nn.Module):
    """What RNN, LSTM and GRU share: parameters, initialisation, the loop over layers.

    A subclass sets ``num_gates`` (how many hidden-size blocks are stacked in each weight
    matrix), ``trace_keys`` (the values ``_run_layer`` keeps at each step, ``"h"`` last),
    ``_torch_class`` and implements ``_run_layer``, the loop over time for one layer.
    """

    num_gates = 1
    trace_keys: tuple[str, ...] = ("h",)
    _torch_class: type[nn.Module] = nn.RNNBase

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        *,
        bias: bool = True,
        batch_first: bool = True,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        if not batch_first:
            raise ValueError(
                f"{type(self).__name__} only supports batch_first=True: inputs are "
                "(batch, seq_len, input_size). Transpose time-major data with x.transpose(0, 1)."
            )
        if bidirectional:
            raise ValueError(f"{type(self).__name__} is unidirectional only (bidirectional=False)")
        if input_size < 1 or hidden_size < 1 or num_layers < 1:
            raise ValueError("input_size, hidden_size and num_layers must all be >= 1")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"dropout must be in [0, 1], got {dropout}")
        if dropout > 0 and num_layers == 1:
            # Same advice as torch: dropout acts only *between* layers.
            warnings.warn(
                f"dropout={dropout} has no effect with num_layers=1 (it is applied between layers)",
                stacklevel=2,
            )
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = True
        self.dropout = float(dropout)
        self._step_hooks: OrderedDict[int, Callable] = OrderedDict()  # see register_step_hook

        # Register in PyTorch's order (per layer: w_ih, w_hh, b_ih, b_hh) so that
        # reset_parameters draws the same random numbers as torch.nn does.
        factory = {"device": device, "dtype": dtype}
        gate_size = self.num_gates * hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size
            w_ih = nn.Parameter(torch.empty(gate_size, layer_input, **factory))
            w_hh = nn.Parameter(torch.empty(gate_size, hidden_size, **factory))
            self.register_parameter(f"weight_ih_l{layer}", w_ih)
            self.register_parameter(f"weight_hh_l{layer}", w_hh)
            if bias:
                self.register_parameter(
                    f"bias_ih_l{layer}", nn.Parameter(torch.empty(gate_size, **factory))
                )
                self.register_parameter(
                    f"bias_hh_l{layer}", nn.Parameter(torch.empty(gate_size, **factory))
                )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's initialisation: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            nn.init.uniform_(param, -bound, bound)

    def layer_parameters(self, layer: int) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` of one layer (biases None if bias=False)."""
        get = lambda name: getattr(self, f"{name}_l{layer}", None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    # -- states: one tensor per layer (RNN, GRU); the LSTM overrides these for (h, c) pairs --

    def _check_state(self, state: Tensor, batch: int, name: str) -> None:
        expected = (self.num_layers, batch, self.hidden_size)
        if tuple(state.shape) != expected:
            raise ValueError(
                f"{name} must have shape (num_layers, batch, hidden_size) = {expected}, "
                f"got {tuple(state.shape)}"
            )

    def _initial_states(self, x: Tensor, hx) -> list:
        batch = x.shape[0]
        if hx is None:
            hx = x.new_zeros(self.num_layers, batch, self.hidden_size)
        if not isinstance(hx, Tensor):
            raise ValueError(f"{type(self).__name__} expects h0 as a tensor, got {type(hx)}")
        self._check_state(hx, batch, "h0")
        return list(hx.unbind(0))  # num_layers x (batch, hidden)

    def _final_state(self, states: list):
        return torch.stack(states)  # (num_layers, batch, hidden)

    def _run_layer(self, layer: int, x: Tensor, state) -> tuple[list[tuple[Tensor, ...]], object]:
        """Run one layer over time: ``x`` (batch, seq_len, in) -> per-step values, final state.

        Returns ``(steps, state)`` where ``steps`` holds one tuple per step of the values named
        by ``trace_keys``, each (batch, hidden), the hidden state ``h_t`` last.
        """
        raise NotImplementedError

    def forward(self, x: Tensor, hx=None):
        """Run all layers over the sequence.

        Args:
            x: ``(batch, seq_len, input_size)``.
            hx: initial state ``h0`` of shape ``(num_layers, batch, hidden_size)``, or for the
                LSTM a pair ``(h0, c0)``; zeros when None.

        Returns:
            ``(output, h_n)`` -- or ``(output, (h_n, c_n))`` for the LSTM -- with ``output``
            ``(batch, seq_len, hidden_size)``, the last layer's hidden state at every step, and
            ``h_n``/``c_n`` ``(num_layers, batch, hidden_size)``, the state after the last step.

        After each layer, every hook added by ``register_step_hook`` is called with the steps.
        """
        if x.dim() != 3 or x.shape[-1] != self.input_size or x.shape[1] == 0:
            raise ValueError(
                f"expected input of shape (batch, seq_len>0, input_size={self.input_size}), "
                f"got {tuple(x.shape)}"
            )
        states = self._initial_states(x, hx)

        layer_input = x  # (batch, seq_len, input_size) for layer 0, then hidden_size
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                # As in torch: dropout on each layer's output except the last one's.
                layer_input = F.dropout(layer_input, self.dropout, training=True)
            steps, states[layer] = self._run_layer(layer, layer_input, states[layer])
            hs = [step[-1] for step in steps]  # seq_len x (batch, hidden)
            for hook in self._step_hooks.values():
                hook(self, steps)
            layer_input = torch.stack(hs, dim=1)  # (batch, seq_len, hidden)
        return layer_input, self._final_state(states)

    def register_step_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(layer, steps)`` after each layer of every forward call, until removed.

        ``steps`` is what ``_run_layer`` returned: one tuple per step of the values named by
        ``trace_keys`` (batch, hidden), as used in the graph. ``handle.remove()`` removes it.
        """
        handle = RemovableHandle(self._step_hooks)
        self._step_hooks[handle.id] = hook
        return handle

    # -- interoperability with torch.nn --

    @classmethod
    def _torch_kwargs(cls, module: nn.Module) -> dict:
        return {}

    @classmethod
    def from_torch(cls, module: nn.Module):
        """A layer of this class with the sizes, dtype, device and weights of a ``torch.nn`` one.

        ``RNN.from_torch`` takes an ``nn.RNN``, ``LSTM.from_torch`` an ``nn.LSTM``,
        ``GRU.from_torch`` an ``nn.GRU``; the module must be batch_first, unidirectional and
        (LSTM) without ``proj_size``. The weights are copied, not shared.
        """
        name, torch_name = cls.__name__, cls._torch_class.__name__
        if not isinstance(module, cls._torch_class):
            raise ValueError(f"{name}.from_torch expects torch.nn.{torch_name}, got {type(module)}")
        if not module.batch_first:
            raise ValueError(f"{name}.from_torch needs a batch_first=True module")
        if module.bidirectional:
            raise ValueError(f"{name}.from_torch: bidirectional modules are not supported")
        if getattr(module, "proj_size", 0):
            raise ValueError(f"{name}.from_torch: LSTMs with proj_size > 0 are not supported")
        reference = next(module.parameters())
        with warnings.catch_warnings():  # torch already warned about dropout with 1 layer
            warnings.simplefilter("ignore")
            layer = cls(
                module.input_size,
                module.hidden_size,
                module.num_layers,
                bias=module.bias,
                dropout=module.dropout,
                device=reference.device,
                dtype=reference.dtype,
                **cls._torch_kwargs(module),
            )
        with torch.no_grad():
            for param_name, param in layer.named_parameters():
                param.copy_(getattr(module, param_name))
        layer.train(module.training)
        return layer

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.dropout:
            s += f", dropout={self.dropout}"
        return s


class RNN(_RecurrentLayer):
    r"""Elman RNN: :math:`h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`.

    ``nonlinearity="relu"`` replaces tanh by ReLU. Trace keys: ``"h"``.
    """

    _torch_class = nn.RNN

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        *,
        nonlinearity: str = "tanh",
        **kwargs,
    ):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, **kwargs)
        self.nonlinearity = nonlinearity

    @classmethod
    def _torch_kwargs(cls, module):
        return {"nonlinearity": module.nonlinearity}

    def _run_layer(self, layer, x, h):
        w_ih, w_hh, b_ih, b_hh = self.layer_parameters(layer)
        act = torch.tanh if self.nonlinearity == "tanh" else torch.relu
        x_proj = _linear(x, w_ih, b_ih)  # (batch, seq_len, hidden): W_ih x_t + b_ih, all t at once
        steps = []
        # unbind gives one view per step; indexing x_proj[:, t] would make the backward quadratic.
        for x_t in x_proj.unbind(1):
            h = act(x_t + _linear(h, w_hh, b_hh))  # (batch, hidden)
            steps.append((h,))
        return steps, h

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity!r}"


class LSTM(_RecurrentLayer):
    r"""Long short-term memory (Hochreiter & Schmidhuber 1997, with a forget gate), as in torch:

    .. math::
        i_t &= \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \\
        f_t &= \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}) \\
        g_t &= \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) \\
        o_t &= \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}) \\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
        h_t &= o_t \odot \tanh(c_t)

    The four gates are stacked in the weights in the order i, f, g, o.
    Trace keys: ``"i", "f", "g", "o", "c", "h"``.
    """

    num_gates = 4
    trace_keys = ("i", "f", "g", "o", "c", "h")
    _torch_class = nn.LSTM

    def _initial_states(self, x, hx):
        batch = x.shape[0]
        if hx is None:
            zeros = x.new_zeros(self.num_layers, batch, self.hidden_size)
            hx = (zeros, zeros)
        if not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise ValueError("LSTM expects the initial state as a pair (h0, c0)")
        h0, c0 = hx
        self._check_state(h0, batch, "h0")
        self._check_state(c0, batch, "c0")
        return list(zip(h0.unbind(0), c0.unbind(0), strict=True))  # num_layers x (h, c)

    def _final_state(self, states):
        h_n = torch.stack([h for h, _ in states])  # (num_layers, batch, hidden)
        c_n = torch.stack([c for _, c in states])
        return h_n, c_n

    def _run_layer(self, layer, x, state):
        w_ih, w_hh, b_ih, b_hh = self.layer_parameters(layer)
        h, c = state
        x_proj = _linear(x, w_ih, b_ih)  # (batch, seq_len, 4 * hidden)
        steps = []
        for x_t in x_proj.unbind(1):  # one (batch, 4 * hidden) view per step
            gates = x_t + _linear(h, w_hh, b_hh)  # (batch, 4 * hidden)
            i, f, g, o = gates.chunk(4, dim=1)  # each (batch, hidden)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c + i * g  # forget some of the old memory, write some new
            h = o * torch.tanh(c)  # expose part of the memory as the hidden state
            steps.append((i, f, g, o, c, h))  # every value, for the plots of the gates
        return steps, (h, c)


class GRU(_RecurrentLayer):
    r"""Gated recurrent unit (Cho et al. 2014), as in torch:

    .. math::
        r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
        z_t &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
        n_t &= \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})) \\
        h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    The gates are stacked in the weights in the order r, z, n. Note the reset gate multiplies
    ``W_hn h + b_hn`` (PyTorch/cuDNN's variant), not ``h`` itself as in the original paper.
    Trace keys: ``"r", "z", "n", "h"``.
    """

    num_gates = 3
    trace_keys = ("r", "z", "n", "h")
    _torch_class = nn.GRU

    def _run_layer(self, layer, x, h):
        w_ih, w_hh, b_ih, b_hh = self.layer_parameters(layer)
        x_proj = _linear(x, w_ih, b_ih)  # (batch, seq_len, 3 * hidden)
        steps = []
        for x_t in x_proj.unbind(1):  # one (batch, 3 * hidden) view per step
            x_r, x_z, x_n = x_t.chunk(3, dim=1)  # each (batch, hidden)
            h_r, h_z, h_n = _linear(h, w_hh, b_hh).chunk(3, dim=1)
            r = torch.sigmoid(x_r + h_r)  # how much of the past feeds the candidate
            z = torch.sigmoid(x_z + h_z)  # how much of the past is kept as is
            n = torch.tanh(x_n + r * h_n)  # candidate state
            h = (1 - z) * n + z * h
            steps.append((r, z, n, h))  # every value, for the plots of the gates
        return steps, h


class LayerNormRNN(RNN):
    r"""Elman RNN with layer normalisation inside the recurrence (Ba, Kiros & Hinton 2016):

    .. math::
        a_t = W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}, \qquad
        h_t = \tanh\big(\gamma \odot (a_t - \mu_t) / \sigma_t + \beta\big)

    where mu_t and sigma_t are the mean and standard deviation of a_t over the hidden units of
    each sequence. Normalising the summed input at every step keeps it at the same scale
    whatever the size of W_hh, so tanh neither saturates nor shrinks the state step after step.
    ``ln_weight_l{k}`` (gamma) starts at 1 and ``ln_bias_l{k}`` (beta) at 0.
    """

    _torch_class = type(None)  # no torch.nn twin

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, **kwargs):
        super().__init__(input_size, hidden_size, num_layers, **kwargs)
        factory = {"device": self.weight_hh_l0.device, "dtype": self.weight_hh_l0.dtype}
        for layer in range(num_layers):
            self.register_parameter(
                f"ln_weight_l{layer}", nn.Parameter(torch.ones(hidden_size, **factory))
            )
            self.register_parameter(
                f"ln_bias_l{layer}", nn.Parameter(torch.zeros(hidden_size, **factory))
            )

    def reset_parameters(self) -> None:
        super().reset_parameters()  # the weights as PyTorch's RNN
        for layer in range(self.num_layers):
            if hasattr(self, f"ln_weight_l{layer}"):  # absent while __init__ runs
                nn.init.ones_(getattr(self, f"ln_weight_l{layer}"))
                nn.init.zeros_(getattr(self, f"ln_bias_l{layer}"))

    def _run_layer(self, layer, x, h):
        w_ih, w_hh, b_ih, b_hh = self.layer_parameters(layer)
        gamma, beta = getattr(self, f"ln_weight_l{layer}"), getattr(self, f"ln_bias_l{layer}")
        act = torch.tanh if self.nonlinearity == "tanh" else torch.relu
        x_proj = _linear(x, w_ih, b_ih)  # (batch, seq_len, hidden)
        steps = []
        for x_t in x_proj.unbind(1):
            a = x_t + _linear(h, w_hh, b_hh)  # (batch, hidden): the summed input
            h = act(F.layer_norm(a, (self.hidden_size,), gamma, beta))
            steps.append((h,))
        return steps, h


# --- checking a layer against its PyTorch twin ----------------------------------------------


def compare_layers(reference: nn.Module, ours: nn.Module, X: Tensor, seed: int = 0) -> dict:
    """Largest absolute differences between two recurrent layers run on the same input ``X``.

    Both layers read ``X`` (batch, seq_len, input_size), moved to each layer's device; the loss
    is ``sum(output * R)`` for a fixed random ``R`` of the output's shape, so every step's
    output sends a gradient back. Returns ``{"output": ..., "h_n": ..., ["c_n": ...,]
    "dL/dX": ..., "dL/d<param>": ...}`` (Python floats). The layers' ``.grad`` are overwritten.
    """
    results, grads = {}, {}
    gen = torch.Generator().manual_seed(seed)
    R = None
    for name, layer in (("reference", reference), ("ours", ours)):
        layer.zero_grad(set_to_none=True)
        device = next(layer.parameters()).device
        X_in = X.detach().to(device).clone().requires_grad_(True)
        output, state = layer(X_in)  # (batch, seq_len, hidden), final state(s)
        if R is None:
            R = torch.randn(output.shape, generator=gen, dtype=output.dtype)
        (output * R.to(output.device)).sum().backward()
        states = state if isinstance(state, tuple) else (state,)
        results[name] = (output.detach(), *(s.detach() for s in states))
        grads[name] = {"X": X_in.grad, **{n: p.grad for n, p in layer.named_parameters()}}
    keys = ["output", "h_n", "c_n"][: len(results["ours"])]
    diffs = {
        key: max_abs_diff(a, b)
        for key, a, b in zip(keys, results["reference"], results["ours"], strict=True)
    }
    for name, grad in grads["reference"].items():
        diffs[f"dL/d{name}"] = max_abs_diff(grad, grads["ours"][name])
    return diffs
