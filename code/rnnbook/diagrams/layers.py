"""Layers and data layouts: stacked and bidirectional layers, padding against packing, the
windows of truncated BPTT, and landmark labels on patients' timelines.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..data import IGNORE_INDEX
from ..figures import OKABE_ITO
from ._draw import (
    FONT,
    GREY,
    STATE,
    _arrow,
    _canvas,
    _label,
    _state,
)


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
    colors = [OKABE_ITO[i] for i in (5, 1, 2, 4, 6)]
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
    colors = {1: OKABE_ITO[3], 0: OKABE_ITO[0], IGNORE_INDEX: "0.6"}
    names = {
        1: "1: died within 2 years",
        0: "0: alive 2 years later",
        IGNORE_INDEX: "unknown: -100",
    }
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
                label = 0 if end - t >= 2 else IGNORE_INDEX
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


def code_embedding() -> plt.Figure:
    """A visit's codes through an embedding: the multi-hot vector m (five codes, three of them
    present), the matrix E with one row per code (the rows of the present codes shaded), and the
    visit's vector v = E^T m, the sum of those rows."""
    codes, present, d = 5, (1, 3, 4), 3
    fig, ax = plt.subplots(figsize=(7.2, 3.4))
    on, off, row = OKABE_ITO[1], "white", "#fde9d4"
    for k in range(codes):  # m: one cell per code
        y = codes - 1 - k
        ax.add_patch(plt.Rectangle((0, y), 0.8, 0.8, fc=on if k in present else off, ec="0.3"))
        ax.text(0.4, y + 0.4, "1" if k in present else "0", ha="center", va="center")
        ax.text(-0.2, y + 0.4, f"code {k}", ha="right", va="center", fontsize=9)
        for j in range(d):  # E: row k is code k's vector e_k
            shade = row if k in present else off
            ax.add_patch(plt.Rectangle((2.2 + 0.8 * j, y), 0.8, 0.8, fc=shade, ec="0.3"))
        if k in present:
            ax.annotate("", (6.1, 2.4), (4.7, y + 0.4),
                        arrowprops={"arrowstyle": "->", "color": "0.4"})  # fmt: skip
    for j in range(d):  # v: the sum of the shaded rows
        ax.add_patch(plt.Rectangle((6.2 + 0.8 * j, 2.0), 0.8, 0.8, fc=row, ec="0.3"))
    ax.text(0.4, codes + 0.3, "m (multi-hot)", ha="center")
    ax.text(2.2 + 0.4 * d, codes + 0.3, "E: a row $e_k$ per code", ha="center")
    ax.text(6.2 + 0.4 * d, 3.2, r"$v = E^\top m$", ha="center")
    ax.text(6.2 + 0.4 * d, 1.4, "$= e_1 + e_3 + e_4$", ha="center")
    ax.set_xlim(-1.6, 9.0)
    ax.set_ylim(-0.4, codes + 0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    return fig
