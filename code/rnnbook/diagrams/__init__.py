"""Diagrams drawn by code, without data: the recurrent cells and layers, how a batch of sequences is laid out,
and timelines. Each function returns a matplotlib Figure with no data in it.

The cells share one visual language, so an RNN, an LSTM and a GRU can be compared box for box:
the state enters from the left and leaves on the right; the input x_t enters from below; a
rounded box is a learned layer followed by its non-linearity (orange: a sigmoid gate, with values
between 0 and 1; blue: tanh); a circle is an element-wise operation (×, +, 1−); a line that splits
copies its vector. Colours are the Okabe-Ito palette
of `rnnbook.figures`.

Modules: `cells` (the RNN, LSTM and GRU cells, minGRU beside the GRU), `layers` (stacked and
bidirectional layers, padding and packing, truncated-BPTT windows, landmark labels on a timeline,
a visit's codes through an embedding),
`graphs` (the task categories, a network folded and unrolled in time); `_draw` holds the shared
primitives.
"""

from __future__ import annotations

from .cells import gru_cell, lstm_cell, mingru_beside_gru, rnn_cell
from .graphs import plot_task_categories, plot_unrolled_rnn
from .layers import (
    bidirectional_layer,
    code_embedding,
    landmark_timeline,
    padding_and_packing,
    stacked_layers,
    tbptt_windows,
)

__all__ = [
    "rnn_cell",
    "lstm_cell",
    "gru_cell",
    "mingru_beside_gru",
    "stacked_layers",
    "bidirectional_layer",
    "padding_and_packing",
    "tbptt_windows",
    "landmark_timeline",
    "code_embedding",
    "plot_task_categories",
    "plot_unrolled_rnn",
]
