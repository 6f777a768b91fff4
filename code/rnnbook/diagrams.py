"""Diagrams drawn by code: the recurrent cells and layers, how a batch of sequences is laid out,
and timelines. Each function returns a matplotlib Figure with no data in it.

The cells share one visual language, so an RNN, an LSTM and a GRU can be compared box for box:
the state enters from the left and leaves on the right; the input x_t enters from below; a
rounded box is a learned layer followed by its non-linearity (orange: a sigmoid gate, with values
between 0 and 1; blue: tanh); a circle is an element-wise operation (×, +, 1−); a line that splits
copies its vector. Colours are the Okabe-Ito palette of `rnnbook.plots`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from . import plots  # noqa: F401  (in Jupyter: figures drawn as PNG whatever the backend)

GATE = "#E69F00"  # a sigmoid gate (orange)
TANH = "#56B4E9"  # a tanh layer (sky blue)
STATE = "#0072B2"  # the line that carries the state (blue)
MEMORY = "#D55E00"  # the LSTM's memory line (vermillion)
GREY = "0.35"
FONT = 12


def _canvas(width: float, height: float, scale: float = 0.72):
    fig, ax = plt.subplots(figsize=(scale * width, scale * height))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _arrow(ax, points, color="black", lw=1.6, head=True, zorder=2):
    """A polyline through `points`, with an arrow head at the last point."""
    points = np.asarray(points, dtype=float)
    if len(points) > 2:
        ax.plot(points[:-1, 0], points[:-1, 1], color=color, lw=lw, zorder=zorder,
                solid_capstyle="round")  # fmt: skip
    style = "-|>" if head else "-"
    ax.add_patch(
        FancyArrowPatch(points[-2], points[-1], arrowstyle=style, mutation_scale=14, color=color,
                        lw=lw, zorder=zorder, shrinkA=0, shrinkB=0)
    )  # fmt: skip


def _layer(ax, x, y, label, color, w=1.1, h=0.62):
    """A learned layer: a rounded box with its non-linearity's name."""
    ax.add_patch(
        FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.15",
                       facecolor=color, edgecolor="black", lw=1.1, zorder=4)
    )  # fmt: skip
    ax.text(x, y, label, ha="center", va="center", fontsize=FONT, zorder=5)


def _op(ax, x, y, label, r=0.27):
    """An element-wise operation: a white circle."""
    ax.add_patch(Circle((x, y), r, facecolor="white", edgecolor="black", lw=1.2, zorder=4))
    ax.text(x, y, label, ha="center", va="center", fontsize=FONT, zorder=5)


def _label(ax, x, y, text, **kw):
    kw = {"ha": "center", "va": "center", "fontsize": FONT, **kw}
    ax.text(x, y, text, zorder=6, **kw)


def _frame(ax, x0, y0, x1, y1, title=None):
    ax.add_patch(
        FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0.02,rounding_size=0.3",
                       facecolor="#f4f4f4", edgecolor=GREY, lw=1.0, zorder=0)
    )  # fmt: skip
    if title:
        _label(ax, x0 + 0.15, y1 - 0.3, title, ha="left", color=GREY, fontsize=FONT - 1)


# --- cells ----------------------------------------------------------------------------------------


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
    for x, name in ((3.0, "r"), (4.3, "z")):
        _arrow(ax, [(x, bus), (x, gates - 0.33)])
        _layer(ax, x, gates, "σ", GATE)
        _label(ax, x + 0.3, gates + 0.62, f"${name}_t$", fontsize=FONT - 1)
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


def _state(ax, x, y, label, color="#dbe9f6", w=0.95, h=0.6, fontsize=FONT):
    """A state or input vector: a square-cornered box."""
    ax.add_patch(plt.Rectangle((x - w / 2, y - h / 2), w, h, facecolor=color, edgecolor="black",
                               lw=1.0, zorder=4))  # fmt: skip
    ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=5)


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


def stacked_layers(num_layers: int = 2, num_steps: int = 4) -> plt.Figure:
    """`num_layers` recurrent layers stacked: layer l reads layer l - 1's states as its inputs.

    `output` holds the top layer's state at every step; `h_n` the last step's state of every layer.
    """
    dx, dy = 1.7, 1.35
    width, height = 2.4 + dx * num_steps + 1.6, dy * (num_layers + 1.6)
    fig, ax = _canvas(width, height, scale=0.68)
    x0 = 1.9
    for layer in range(1, num_layers + 1):
        y = dy * layer
        _label(ax, 0.55, y, f"layer {layer}", fontsize=FONT - 1, color=GREY)
        for t in range(1, num_steps + 1):
            x = x0 + dx * (t - 1)
            last = t == num_steps
            _state(ax, x, y, f"$h^{{({layer})}}_{t}$", "#f6d6a8" if last else "#dbe9f6")
            if t > 1:
                _arrow(ax, [(x - dx + 0.48, y), (x - 0.48, y)], color=STATE)
            _arrow(ax, [(x, y - dy + 0.3), (x, y - 0.3)])
    for t in range(1, num_steps + 1):
        x = x0 + dx * (t - 1)
        _state(ax, x, 0.35, f"$x_{t}$", "#e8f3e0")
        top = dy * num_layers
        _arrow(ax, [(x, top + 0.3), (x, top + 0.8)], color=GREY)
    _label(ax, x0 + dx * (num_steps - 1) / 2, dy * num_layers + 1.05,
           "output: the top layer's state at every step", fontsize=FONT - 1)  # fmt: skip
    xr = x0 + dx * (num_steps - 1) + 0.7
    _label(ax, xr, dy * (num_layers + 1) / 2, "h_n:\nthe last\nstate of\neach layer",
           ha="left", fontsize=FONT - 1, color="#8a4b00")  # fmt: skip
    return fig


def bidirectional_layer(num_steps: int = 4) -> plt.Figure:
    """A bidirectional layer: one RNN reads x_1 ... x_T forwards, another x_T ... x_1 backwards;
    the output at step t joins both states. The backward state at step 1 has read the whole
    sequence, so the layer cannot answer before the sequence has ended."""
    dx = 1.8
    width, height = 2.2 + dx * num_steps + 0.4, 5.4
    fig, ax = _canvas(width, height, scale=0.68)
    x0, yf, yb, yo = 1.9, 2.0, 3.3, 4.7
    _label(ax, 0.6, yf, "forward", fontsize=FONT - 1, color=STATE)
    _label(ax, 0.6, yb, "backward", fontsize=FONT - 1, color="#8a4b00")
    for t in range(1, num_steps + 1):
        x = x0 + dx * (t - 1)
        _state(ax, x, 0.5, f"$x_{t}$", "#e8f3e0")
        _state(ax, x, yf, f"$\\overrightarrow{{h}}_{t}$", "#dbe9f6")
        _state(ax, x, yb, f"$\\overleftarrow{{h}}_{t}$", "#f6d6a8")
        _state(ax, x, yo, f"$[\\overrightarrow{{h}}_{t}; \\overleftarrow{{h}}_{t}]$", "white",
               w=1.55, fontsize=FONT - 1)  # fmt: skip
        _arrow(ax, [(x - 0.2, 0.8), (x - 0.2, yf - 0.3)])
        _arrow(ax, [(x + 0.3, 0.8), (x + 0.3, 1.35), (x + 0.62, 1.35), (x + 0.62, yb - 0.45),
                    (x + 0.3, yb - 0.45), (x + 0.3, yb - 0.3)])  # fmt: skip
        _arrow(
            ax,
            [
                (x - 0.3, yf + 0.3),
                (x - 0.3, yf + 0.45),
                (x - 0.62, yf + 0.45),
                (x - 0.62, yo - 0.5),
                (x - 0.3, yo - 0.5),
                (x - 0.3, yo - 0.3),
            ],
            color=GREY,
        )
        _arrow(ax, [(x + 0.2, yb + 0.3), (x + 0.2, yo - 0.3)], color=GREY)
        if t > 1:
            _arrow(ax, [(x - dx + 0.48, yf), (x - 0.48, yf)], color=STATE)
            _arrow(ax, [(x - 0.48, yb), (x - dx + 0.48, yb)], color="#8a4b00")
    return fig


def padding_and_packing(lengths: tuple[int, ...] = (5, 3, 2)) -> plt.Figure:
    """A batch of sequences of unequal length, padded (left) and packed (right).

    Padded: one row per sequence, the short ones filled with zeros to the longest; a plain RNN
    reads the padding too. Packed (`pack_padded_sequence`, sorted by length): at each step only
    the sequences that are still running, `batch_sizes` of them, so the last state of each
    sequence is its real last step.
    """
    T, B = max(lengths), len(lengths)
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 3.6), gridspec_kw={"width_ratios": [1, 1]})
    colors = ["#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#F0E442"]
    left, right = axes
    for b, n in enumerate(lengths):
        for t in range(T):
            real = t < n
            left.add_patch(plt.Rectangle((t, B - 1 - b), 0.92, 0.86,
                                         facecolor=colors[b % 5] if real else "#e6e6e6",
                                         edgecolor="black", lw=0.8))  # fmt: skip
            left.text(t + 0.46, B - 1 - b + 0.43, f"$x^{{({b + 1})}}_{t + 1}$" if real else "0",
                      ha="center", va="center", fontsize=FONT - 1)  # fmt: skip
        left.text(-0.2, B - 1 - b + 0.43, f"length {n}", ha="right", va="center",
                  fontsize=FONT - 1)  # fmt: skip
    left.set_title("padded: (batch, max length, features)", fontsize=FONT)
    left.set_xlim(-2.2, T + 0.2)
    left.set_ylim(-1.0, B + 0.1)
    for t in range(T):
        left.text(t + 0.46, -0.45, f"t={t + 1}", ha="center", fontsize=FONT - 2, color=GREY)
    order = sorted(range(B), key=lambda b: -lengths[b])
    sizes = [sum(n > t for n in lengths) for t in range(T)]
    for t in range(T):
        running = [b for b in order if lengths[b] > t]
        for k, b in enumerate(running):
            right.add_patch(plt.Rectangle((t, B - 1 - k), 0.92, 0.86, facecolor=colors[b % 5],
                                          edgecolor="black", lw=0.8))  # fmt: skip
            right.text(t + 0.46, B - 1 - k + 0.43, f"$x^{{({b + 1})}}_{t + 1}$", ha="center",
                       va="center", fontsize=FONT - 1)  # fmt: skip
        right.text(t + 0.46, -0.45, f"{sizes[t]}", ha="center", fontsize=FONT - 1)
    right.text(-0.2, -0.45, "batch_sizes", ha="right", fontsize=FONT - 1)
    right.set_title("packed: only the real steps, step by step", fontsize=FONT)
    right.set_xlim(-2.2, T + 0.2)
    right.set_ylim(-1.0, B + 0.1)
    for ax in axes:
        ax.set_aspect("equal")
        ax.axis("off")
    fig.tight_layout()
    return fig


def tbptt_windows(num_steps: int = 12, k1: int = 4, k2: int = 6) -> plt.Figure:
    """Truncated BPTT(k1, k2): the forward pass runs through every step; after every k1 steps
    the gradient flows back through only the last k2 of them (one bracket per update)."""
    width, height = num_steps + 2.0, 1.9 + 0.55 * (num_steps // k1)
    fig, ax = _canvas(width, height, scale=0.62)
    y = height - 0.7
    for t in range(1, num_steps + 1):
        _state(ax, t, y, f"$h_{{{t}}}$", "#dbe9f6", w=0.72, h=0.55, fontsize=FONT - 1)
        if t > 1:
            _arrow(ax, [(t - 0.64, y), (t - 0.36, y)], color=STATE, lw=1.3)
    _label(ax, 1, y + 0.6, "forward through every step", fontsize=FONT - 1, ha="left",
           color=STATE)  # fmt: skip
    red = "#D55E00"
    for k, end in enumerate(range(k1, num_steps + 1, k1)):
        start = max(1, end - k2 + 1)
        yy = y - 0.8 - 0.55 * k
        ax.plot([start - 0.3, end + 0.3], [yy, yy], color=red, lw=2.2, solid_capstyle="butt")
        ax.plot([end + 0.3, end + 0.3], [yy, yy + 0.18], color=red, lw=2.2)
        ax.plot([start - 0.3, start - 0.3], [yy, yy + 0.18], color=red, lw=2.2)
        _label(ax, end + 0.55, yy, f"update {k + 1}: back through steps {start}–{end}",
               ha="left", fontsize=FONT - 2, color=red)  # fmt: skip
    ax.set_xlim(0, width + 4.5)
    fig.set_size_inches(0.62 * (width + 4.5), 0.62 * height)
    return fig


def landmark_timeline() -> plt.Figure:
    """How each clinic visit gets its label "death within two years of this visit".

    Two made-up patients: one dies at 6.5 years, one leaves the study (censored) at 7 years. A
    visit is labelled 1 if death follows within two years, 0 if the patient is known to be alive
    two years later, and is left unlabelled (-100) if follow-up ends sooner: nobody knows.
    """
    fig, ax = plt.subplots(figsize=(9.0, 3.4))
    patients = [("patient A: died", [0, 0.5, 1, 2, 3, 4.1, 5.0, 6.0], 6.5, "death"),
                ("patient B: left the study", [0, 1, 2, 3.2, 4, 5.3, 6.1], 7.0, "censored")]  # fmt: skip
    colors = {1: "#D55E00", 0: "#0072B2", -100: "0.6"}
    names = {1: "1: died within 2 years", 0: "0: alive 2 years later", -100: "unknown: -100"}
    seen = set()
    for row, (name, times, end, kind) in enumerate(patients):
        y = 1.6 - 1.1 * row
        ax.plot([0, end], [y, y], color="0.3", lw=1.5)
        ax.text(-0.2, y, name, ha="right", va="center", fontsize=FONT - 1)
        ax.plot([end], [y], marker="X" if kind == "death" else "|", ms=13, mew=2.5,
                color="black")  # fmt: skip
        ax.text(end + 0.15, y, kind, va="center", fontsize=FONT - 1)
        for t in times:
            if kind == "death":
                label = 1 if end - t <= 2 else 0
            else:
                label = 0 if end - t >= 2 else -100
            ax.plot([t], [y], "o", ms=9, color=colors[label], mec="black",
                    label=None if label in seen else names[label], zorder=3)  # fmt: skip
            seen.add(label)
        ax.annotate("", (end, y + 0.3), (end - 2, y + 0.3),
                    arrowprops={"arrowstyle": "<->", "color": GREY})  # fmt: skip
        ax.text(end - 1, y + 0.45, "last 2 years", ha="center", fontsize=FONT - 2, color=GREY)
    ax.set_xlim(-0.3, 8.2)
    ax.set_ylim(-0.1, 2.4)
    ax.set_yticks([])
    ax.set_xlabel("years since the first visit")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, 1.18), ncol=3, frameon=False,
              fontsize=FONT - 2)  # fmt: skip
    fig.tight_layout()
    return fig
