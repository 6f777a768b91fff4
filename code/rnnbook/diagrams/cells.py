"""The recurrent cells drawn box for box: the vanilla RNN, the LSTM, the GRU, and minGRU beside the
GRU.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ._draw import (
    FONT,
    GATE,
    MEMORY,
    STATE,
    TANH,
    _arrow,
    _canvas,
    _frame,
    _label,
    _layer,
    _op,
)


def rnn_cell() -> plt.Figure:
    """The vanilla (Elman) RNN cell: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)."""
    fig, ax = _canvas(8.0, 4.6)
    _frame(ax, 1.2, 0.7, 6.8, 3.9, "RNN cell")
    _label(ax, 0.5, 2.0, "$h_{t-1}$")
    _label(ax, 3.0, 0.25, "$x_t$")
    _arrow(ax, [(0.9, 2.0), (3.0, 2.0), (3.0, 2.55)], color=STATE)
    _arrow(ax, [(3.0, 0.5), (3.0, 2.0)], head=False)
    _layer(ax, 3.0, 2.9, "tanh", TANH)
    _arrow(ax, [(3.55, 2.9), (5.3, 2.9), (5.3, 2.0), (7.2, 2.0)], color=STATE)
    _arrow(ax, [(5.3, 2.9), (5.3, 4.3)], color=STATE)
    _label(ax, 7.6, 2.0, "$h_t$")
    _label(ax, 5.5, 4.3, "$h_t$ (output)", ha="left", fontsize=FONT - 1)
    return fig


def lstm_cell() -> plt.Figure:
    """The LSTM cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000).

    The memory line c runs along the top: the forget gate f scales it, the input gate i adds the
    candidate g; the output gate o decides how much of tanh(c_t) becomes the state h_t.
    """
    fig, ax = _canvas(11.0, 6.6)
    _frame(ax, 1.2, 0.7, 9.8, 6.0, "LSTM cell")
    top, gates, bus = 5.2, 2.9, 1.6
    # The memory line, c_{t-1} -> c_t, with the forget (x) and input (+) operations.
    _label(ax, 0.5, top, "$c_{t-1}$", color=MEMORY)
    _arrow(ax, [(0.9, top), (2.75, top)], color=MEMORY, lw=2.4, head=False)
    _op(ax, 3.0, top, "×")
    _arrow(ax, [(3.27, top), (5.2, top)], color=MEMORY, lw=2.4, head=False)
    _op(ax, 5.45, top, "+")
    _arrow(ax, [(5.72, top), (10.2, top)], color=MEMORY, lw=2.4)
    _label(ax, 10.6, top, "$c_t$", color=MEMORY)
    # The state and the input meet on the bus; each gate reads both.
    _label(ax, 0.5, bus, "$h_{t-1}$")
    _label(ax, 1.9, 0.25, "$x_t$")
    _arrow(ax, [(0.9, bus), (7.4, bus)], color=STATE, head=False)
    _arrow(ax, [(1.9, 0.5), (1.9, bus)], head=False)
    for x, name, color, text in ((3.0, "f", GATE, "σ"), (4.35, "i", GATE, "σ"),
                                 (5.7, "g", TANH, "tanh"), (7.4, "o", GATE, "σ")):  # fmt: skip
        _arrow(ax, [(x, bus), (x, gates - 0.33)])
        _layer(ax, x, gates, text, color)
        _label(ax, x + 0.3, gates + 0.62, f"${name}_t$", fontsize=FONT - 1)
    _arrow(ax, [(3.0, gates + 0.33), (3.0, top - 0.27)])  # f scales the memory
    _op(ax, 5.02, 4.05, "×")  # i times g
    _arrow(ax, [(4.35, gates + 0.33), (4.35, 4.05), (4.75, 4.05)])
    _arrow(ax, [(5.7, gates + 0.33), (5.7, 4.05), (5.29, 4.05)])
    _arrow(ax, [(5.02, 4.32), (5.02, 4.7), (5.45, 4.7), (5.45, top - 0.27)])
    # The output: tanh of the memory, scaled by o.
    _arrow(ax, [(8.5, top), (8.5, 4.45)], color=MEMORY)
    _layer(ax, 8.5, 4.1, "tanh", "white", w=0.95, h=0.55)
    _op(ax, 8.5, gates, "×")
    _arrow(ax, [(8.5, 3.82), (8.5, gates + 0.27)])
    _arrow(ax, [(7.4 + 0.55, gates), (8.5 - 0.27, gates)])
    _arrow(ax, [(8.5, gates - 0.27), (8.5, bus), (10.2, bus)], color=STATE)
    _label(ax, 10.6, bus, "$h_t$")
    return fig


def gru_cell() -> plt.Figure:
    """The GRU cell (Cho et al. 2014), in PyTorch's form: h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}.

    The state line h runs along the top, as the LSTM's memory does: the update gate z decides how
    much of h_{t-1} is kept and how much is replaced by the candidate n_t, which the reset gate r
    lets read less of the old state.
    """
    fig, ax = _canvas(11.0, 6.6)
    _frame(ax, 1.2, 0.7, 9.8, 6.0, "GRU cell")
    top, gates, bus = 5.2, 2.9, 1.6
    _label(ax, 0.5, top, "$h_{t-1}$", color=STATE)
    _arrow(ax, [(0.9, top), (4.75, top)], color=STATE, lw=2.4, head=False)
    _op(ax, 5.0, top, "×")  # z keeps the old state
    _arrow(ax, [(5.27, top), (7.75, top)], color=STATE, lw=2.4, head=False)
    _op(ax, 8.0, top, "+")
    _arrow(ax, [(8.27, top), (10.2, top)], color=STATE, lw=2.4)
    _label(ax, 10.6, top, "$h_t$", color=STATE)
    # h_{t-1} is copied down to the bus, where x_t joins it.
    _arrow(ax, [(1.6, top), (1.6, bus), (4.3, bus)], color=STATE, head=False)
    _label(ax, 2.1, 0.25, "$x_t$")
    _arrow(ax, [(2.1, 0.5), (2.1, bus)], head=False)
    _arrow(ax, [(2.1, 1.1), (6.7, 1.1), (6.7, gates - 0.33)])  # the candidate reads x_t itself
    # Each gate's label beside its output line: r_t's below the r ⊙ h line, z_t's above it (the
    # line, at y = 3.55, crosses z's output line).
    for x, name, y in ((3.0, "r", gates + 0.62), (4.3, "z", 3.95)):
        _arrow(ax, [(x, bus), (x, gates - 0.33)])
        _layer(ax, x, gates, "σ", GATE)
        _label(ax, x + 0.3, y, f"${name}_t$", fontsize=FONT - 1)
    # The candidate n_t reads x_t and r_t ⊙ (W_hn h_{t-1}).
    _op(ax, 3.0, 4.05, "×")
    _arrow(ax, [(3.0, gates + 0.33), (3.0, 4.05 - 0.27)])
    _arrow(ax, [(1.6, 4.05), (3.0 - 0.27, 4.05)], color=STATE)
    _arrow(ax, [(3.27, 4.05), (3.7, 4.05), (3.7, 3.55), (6.7, 3.55), (6.7, gates + 0.33)])
    _layer(ax, 6.7, gates, "tanh", TANH)
    _label(ax, 6.7 + 0.8, gates - 0.45, "$n_t$", fontsize=FONT - 1)
    # z_t keeps h_{t-1}; 1 - z_t lets n_t in.
    _arrow(ax, [(4.3, gates + 0.33), (4.3, 4.4), (5.0, 4.4), (5.0, top - 0.27)])
    _op(ax, 5.6, 4.4, "1−")
    _arrow(ax, [(5.0, 4.4), (5.6 - 0.27, 4.4)], head=False)
    _op(ax, 8.0, 4.05, "×")
    _arrow(ax, [(5.87, 4.4), (7.3, 4.4), (7.3, 4.05), (8.0 - 0.27, 4.05)])
    _arrow(ax, [(6.7 + 0.55, gates), (8.0, gates), (8.0, 4.05 - 0.27)])
    _arrow(ax, [(8.0, 4.32), (8.0, top - 0.27)])
    _arrow(ax, [(9.2, top), (9.2, bus), (10.2, bus)], color=STATE)
    _label(ax, 10.6, bus, "$h_t$")
    return fig


def mingru_beside_gru() -> plt.Figure:
    """The GRU's gates read h_{t-1}; minGRU's (Feng et al. 2024) read only x_t.

    Left: in a GRU, z_t and the candidate depend on h_{t-1}, so step t cannot start before step
    t - 1 ends. Right: in minGRU they depend on x_t alone, so h_t = (1 - z_t) h_{t-1} + z_t h~_t is
    a linear recurrence h_t = a_t h_{t-1} + b_t whose a_t and b_t are all known in advance: a
    parallel scan can compute every h_t at once. (minGRU's z_t is the share *replaced*; the GRU's
    z_t the share kept.)
    """
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.2))
    for ax, name in zip(axes, ("GRU", "minGRU"), strict=True):
        ax.set_xlim(0, 7)
        ax.set_ylim(0, 5.2)
        ax.set_aspect("equal")
        ax.axis("off")
        _frame(ax, 0.9, 0.8, 6.1, 4.4, name)
        top = 3.6
        _label(ax, 0.4, top, "$h_{t-1}$", color=STATE)
        _arrow(ax, [(0.8, top), (6.4, top)], color=STATE, lw=2.4)
        _label(ax, 6.7, top, "$h_t$", color=STATE)
        _label(ax, 3.5, 0.35, "$x_t$")
        _arrow(ax, [(3.5, 0.6), (3.5, 1.4)], head=False)
        _arrow(ax, [(2.2, 1.4), (4.8, 1.4)], head=False)
        candidate = ("tanh", TANH) if name == "GRU" else ("g", "white")  # minGRU: g(Wx + b)
        for x, text, color in ((2.2, "σ", GATE), (4.8, *candidate)):
            _arrow(ax, [(x, 1.4), (x, 2.05)])
            _layer(ax, x, 2.35, text, color)
            _arrow(ax, [(x, 2.66), (x, top - 0.05)])
        _label(ax, 2.2 + 0.42, 3.05, "$z_t$", fontsize=FONT - 1, ha="left")
        _label(ax, 4.8 + 0.42, 3.05, "$\\tilde h_t$", fontsize=FONT - 1, ha="left")
        if name == "GRU":  # the gates read the previous state too: one step after another
            for x in (2.2, 4.8):
                _arrow(ax, [(x - 0.95, top), (x - 0.95, 2.35), (x - 0.56, 2.35)], color=STATE)
            _label(ax, 3.5, 4.75, "gates read $h_{t-1}$: sequential", fontsize=FONT - 1)
        else:
            _label(ax, 3.5, 4.75, "gates read $x_t$ only: a scan", fontsize=FONT - 1)
    fig.tight_layout()
    return fig
