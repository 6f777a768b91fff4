"""Computational graphs and task shapes: the four input/output categories of sequence tasks,
and a recurrent network folded and unrolled in time (with the paths of BPTT).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch


def _box(ax, x: float, y: float, color: str) -> None:
    ax.add_patch(plt.Rectangle((x - 0.3, y - 0.3), 0.6, 0.6, color=color, ec="black", lw=0.8))


def _node(ax, xy, label, color="#dbe9f6", radius=0.34):

    ax.add_patch(Circle(xy, radius, facecolor=color, edgecolor="black", lw=1.2, zorder=3))
    ax.text(*xy, label, ha="center", va="center", fontsize=12, zorder=4)


def _edge(ax, a, b, label=None, color="black", radius=0.34, rad=0.0, side=(0.0, 0.0), **kw):
    """An arrow from node centre ``a`` to node centre ``b`` (circle edge to circle edge)."""

    (x0, y0), (x1, y1) = a, b
    d = np.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    start = (x0 + radius * ux, y0 + radius * uy)
    end = (x1 - radius * ux, y1 - radius * uy)
    arrow = FancyArrowPatch(
        start, end, arrowstyle="-|>", mutation_scale=13, color=color, lw=1.3, zorder=2,
        connectionstyle=f"arc3,rad={rad}", **kw,
    )  # fmt: skip
    ax.add_patch(arrow)
    if label:
        mx, my = (start[0] + end[0]) / 2 + side[0], (start[1] + end[1]) / 2 + side[1]
        ax.text(mx, my, label, ha="center", va="center", fontsize=12, color=color, zorder=4)


def plot_task_categories() -> plt.Figure:
    """Karpathy's five input/output categories as boxes: inputs (bottom), hidden states, outputs
    (top). The unaligned many-to-many reads its whole input before its first output."""
    layouts = {
        "one-to-one": ([0], [0]),
        "one-to-many": ([0], [0, 1, 2, 3]),
        "many-to-one": ([0, 1, 2, 3], [3]),
        "many-to-many\n(unaligned)": ([0, 1, 2], [3, 4, 5]),
        "many-to-many\n(aligned)": ([0, 1, 2, 3], [0, 1, 2, 3]),
    }
    widths = [max(ins + outs) + 1.2 for ins, outs in layouts.values()]  # in boxes
    fig, axes = plt.subplots(1, 5, figsize=(12, 2.4), width_ratios=widths)
    for ax, width, (title, (ins, outs)) in zip(axes, widths, layouts.items(), strict=True):
        steps = max(ins + outs) + 1
        for t in range(steps):
            _box(ax, t, 1, "#9ecae1")  # hidden state
            if t > 0:
                ax.annotate("", (t - 0.3, 1), (t - 0.7, 1), arrowprops={"arrowstyle": "->"})
            if t in ins:
                _box(ax, t, 0, "#fdae6b")
                ax.annotate("", (t, 0.7), (t, 0.3), arrowprops={"arrowstyle": "->"})
            if t in outs:
                _box(ax, t, 2, "#a1d99b")
                ax.annotate("", (t, 1.7), (t, 1.3), arrowprops={"arrowstyle": "->"})
        ax.set_xlim(-0.6, width - 0.6)
        ax.set_ylim(-0.5, 2.5)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title, fontsize=10)
    axes[0].text(-0.55, 0, "input", fontsize=8, ha="right", va="center")
    axes[0].text(-0.55, 1, "hidden", fontsize=8, ha="right", va="center")
    axes[0].text(-0.55, 2, "output", fontsize=8, ha="right", va="center")
    fig.tight_layout()
    return fig


def plot_unrolled_rnn(
    num_steps: int = 4, many_to_one: bool = False, backward: bool = False, folded: bool = True
) -> plt.Figure:
    """The computational graph of a recurrent network, folded and unrolled over ``num_steps``.

    As in Goodfellow et al. (2016), fig. 10.3, with PyTorch's names for the weights (theirs are
    U, W, V): inputs x_t feed the hidden states h_t through W_ih, each h_{t-1} feeds h_t through
    W_hh (the same at every step), and h_t feeds the output o_t through W_hy; the loss L_t
    compares o_t with the target y_t. ``many_to_one`` keeps only the last
    output and loss (the book's classifiers). ``backward`` adds the gradient's paths in red:
    down from each loss and leftwards from h_{t+1} to h_t -- back-propagation through time.
    """
    rows = {"x": 0.0, "h": 1.4, "o": 2.8, "L": 4.2, "y": 5.6}
    colors = {"x": "#e8f3e0", "h": "#dbe9f6", "o": "#fde9d4", "L": "#f6d6d6", "y": "#eeeeee"}
    dx = 1.9
    left = 3.4 if folded else 0.5  # where the unrolled graph starts (h_0)
    width = left + dx * num_steps + 0.8
    height = rows["y"] + 1.2
    scale = min(0.62, 11 / width)  # inches per unit, at most 11 inches wide
    fig, ax = plt.subplots(figsize=(scale * width, scale * height))
    red = "#c0392b"

    if folded:  # the folded graph: one set of nodes, a loop for the recurrence
        fx = 0.6
        for key in "xhoLy":
            _node(ax, (fx, rows[key]), f"${key}$", colors[key])
        _edge(ax, (fx, rows["x"]), (fx, rows["h"]), "$W_{ih}$", side=(-0.4, 0))
        _edge(ax, (fx, rows["h"]), (fx, rows["o"]), "$W_{hy}$", side=(-0.4, 0))
        _edge(ax, (fx, rows["o"]), (fx, rows["L"]))
        _edge(ax, (fx, rows["y"]), (fx, rows["L"]))
        # The recurrence: h feeds itself, through a one-step delay (the black square).
        from matplotlib.patches import FancyArrowPatch

        sq = (fx + 0.95, rows["h"])
        ax.add_patch(plt.Rectangle((sq[0] - 0.09, sq[1] - 0.09), 0.18, 0.18, color="black"))
        style = {"arrowstyle": "-|>", "mutation_scale": 13, "lw": 1.3, "color": "black"}
        ax.add_patch(
            FancyArrowPatch((fx + 0.24, rows["h"] + 0.24), (sq[0], sq[1] + 0.1),
                            connectionstyle="arc3,rad=-0.5", **style)
        )  # fmt: skip
        ax.add_patch(
            FancyArrowPatch((sq[0], sq[1] - 0.1), (fx + 0.24, rows["h"] - 0.24),
                            connectionstyle="arc3,rad=-0.5", **style)
        )  # fmt: skip
        loop = sq
        ax.text(loop[0] + 0.3, loop[1], "$W_{hh}$", fontsize=12, va="center")
        ax.annotate(
            "", xy=(left - 0.55, rows["h"] + 0.7), xytext=(fx + 1.6, rows["h"] + 0.7),
            arrowprops={"arrowstyle": "-|>", "lw": 2, "color": "0.4"},
        )  # fmt: skip
        ax.text((fx + 1.6 + left - 0.55) / 2, rows["h"] + 1.0, "unfold", ha="center", color="0.3")

    # The unrolled graph: h_0, then one column per step.
    _node(ax, (left, rows["h"]), "$h_0$", colors["h"])
    for t in range(1, num_steps + 1):
        cx = left + dx * t
        show_out = not many_to_one or t == num_steps
        _node(ax, (cx, rows["x"]), f"$x_{t}$", colors["x"])
        _node(ax, (cx, rows["h"]), f"$h_{t}$", colors["h"])
        _edge(ax, (cx, rows["x"]), (cx, rows["h"]), "$W_{ih}$", side=(-0.37, 0))
        _edge(ax, (cx - dx, rows["h"]), (cx, rows["h"]), "$W_{hh}$", side=(0, 0.22))
        if show_out:
            label = "" if many_to_one else f"_{t}"
            for key in "oLy":
                _node(ax, (cx, rows[key]), f"${key}{label}$", colors[key])
            _edge(ax, (cx, rows["h"]), (cx, rows["o"]), "$W_{hy}$", side=(-0.37, 0))
            _edge(ax, (cx, rows["o"]), (cx, rows["L"]))
            _edge(ax, (cx, rows["y"]), (cx, rows["L"]))
        if backward:
            off = 0.42
            if show_out:  # down from the loss, beside the forward arrows
                for a, b in (("L", "o"), ("o", "h")):
                    down = (cx + off, rows[a]), (cx + off, rows[b])
                    _edge(ax, *down, color=red, ls="--", radius=0.2)
            _edge(
                ax, (cx, rows["h"] - off), (cx - dx, rows["h"] - off), color=red, ls="--",
                radius=0.3, rad=-0.25,
            )  # fmt: skip
    if backward:
        from matplotlib.lines import Line2D

        handles = [
            Line2D([], [], color="black", lw=1.3, label="forward pass"),
            Line2D([], [], color=red, lw=1.3, ls="--", label="backward pass (gradients)"),
        ]
        ax.legend(handles=handles, loc="upper left", fontsize=9, frameon=False)
    ax.set_xlim(0, width)
    ax.set_ylim(-0.6, rows["y"] + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    return fig
