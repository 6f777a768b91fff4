"""The first recurrent network's figure: the scalar recurrence's memory for three weights."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_scalar_memory(curves: dict[float, np.ndarray]) -> plt.Figure:
    """h_t of the scalar recurrence h_t = w h_{t-1} + x_t after one input x_1 = 1, one line per w
    (log scale: fading is a falling straight line, growth a rising one)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    styles = ["-", "--", ":"]
    for (w, h), color, style in zip(curves.items(), ("C0", "C1", "C2"), styles * 3, strict=False):
        t = np.arange(1, len(h) + 1)
        ax.plot(t, h, style, color=color, lw=2, label=f"w = {w:g}")
    ax.set_yscale("log")
    ax.set_xlabel("time step t")
    ax.set_ylabel("h_t (log scale)")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
