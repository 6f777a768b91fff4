"""Drawing primitives shared by the diagrams: one visual language for every cell and layer."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from ..figures import OKABE_ITO

GATE = OKABE_ITO[1]  # a sigmoid gate (orange)


TANH = OKABE_ITO[5]  # a tanh layer (sky blue)


STATE = OKABE_ITO[0]  # the line that carries the state (blue)


MEMORY = OKABE_ITO[3]  # the LSTM's memory line (vermillion)


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


def _state(ax, x, y, label, color="#dbe9f6", w=0.95, h=0.6, fontsize=FONT):
    """A state or input vector: a square-cornered box."""
    ax.add_patch(plt.Rectangle((x - w / 2, y - h / 2), w, h, facecolor=color, edgecolor="black",
                               lw=1.0, zorder=4))  # fmt: skip
    ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=5)
