"""Recording what a from-scratch recurrent layer does, for the plots of gates and gradients.

``with record(layer) as rec:`` observes every forward call made inside the block through the
layer's step hook, and leaves the layer as it was: ``rec.trace`` holds the gate activations and
states at every step, ``rec.gradients(loss)`` the gradient ``dL/dh_t`` reaching each hidden state.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor

from .cells import _RecurrentLayer

__all__ = ["Recording", "record"]


class Recording:
    """What a layer did on the forward calls made inside ``with record(layer) as rec``.

    * ``trace``: one dict per layer and call, mapping each name in the layer's ``trace_keys``
      to a detached ``(batch, seq_len, hidden_size)`` tensor (gate activations and states);
    * ``hidden_steps``: one list per layer and call of the seq_len hidden states ``h_t``
      ``(batch, hidden_size)`` *as used in the graph*, so a loss can be differentiated by them.
    """

    def __init__(self):
        self.trace: list[dict[str, Tensor]] = []
        self.hidden_steps: list[list[Tensor]] = []

    def _add(self, layer: _RecurrentLayer, steps: list[tuple[Tensor, ...]]) -> None:
        values = zip(*steps, strict=True)  # one seq_len-long tuple per key
        self.trace.append(
            {
                key: torch.stack(value, dim=1).detach()
                for key, value in zip(layer.trace_keys, values, strict=True)
            }
        )
        self.hidden_steps.append([step[-1] for step in steps])

    def gradients(self, loss: Tensor, layer: int = -1) -> Tensor:
        """``dL/dh_t`` at every step of one recorded layer: ``(batch, seq_len, hidden)``.

        The total gradient reaching h_t, through the output at t and through every later step;
        steps the loss does not depend on give zeros. Parameters' ``.grad`` are left untouched.
        """
        if not loss.requires_grad:
            raise RuntimeError("the recorded call ran without a graph (under torch.no_grad?)")
        steps = self.hidden_steps[layer]
        grads = torch.autograd.grad(loss, steps, retain_graph=True, allow_unused=True)
        grads = [torch.zeros_like(h) if g is None else g for h, g in zip(steps, grads, strict=True)]
        return torch.stack(grads, dim=1)


@contextmanager
def record(layer: _RecurrentLayer) -> Iterator[Recording]:
    """Record every forward call of a :mod:`rnnbook.cells` layer made inside the block."""
    if not isinstance(layer, _RecurrentLayer):
        raise TypeError(f"record needs an rnnbook.cells RNN/LSTM/GRU layer, got {type(layer)}")
    recording = Recording()
    handle = layer.register_step_hook(recording._add)
    try:
        yield recording
    finally:
        handle.remove()
