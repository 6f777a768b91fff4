"""Beyond the gated cell and attention: the remedies' accuracies, gradients at initialisation,
cost against sequence length, and attention weights over an EEG row.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..figures import OKABE_ITO, panel_grid


def plot_remedies(
    table: pd.DataFrame, groups: dict[str, list[str]], chance: float = 0.5
) -> plt.Figure:
    """Every seed's test accuracy as a dot, one column per model and one panel per group of
    models, with a bar at the mean over the seeds.

    ``table``: one row per run, with columns model and test_accuracy (``run_long_gap_seeds``'s
    table at one gap). ``groups``: panel title -> the models it shows, the first being the model
    the others change (black).
    """
    fig, axes = panel_grid(len(groups), 3.6, 3.0, sharey=True)  # at most two panels a row
    for ax, (title, names) in zip(axes.flat, groups.items(), strict=False):
        for k, name in enumerate(names):
            runs = table.loc[table["model"] == name, "test_accuracy"].to_numpy()
            # Spread the dots sideways by rank so that equal accuracies do not hide each other.
            dx = np.linspace(-0.18, 0.18, len(runs))[np.argsort(np.argsort(runs))]
            color = "black" if k == 0 else OKABE_ITO[k - 1]
            ax.scatter(k + dx, runs, s=14, color=color, alpha=0.7, zorder=3)
            ax.hlines(runs.mean(), k - 0.28, k + 0.28, color=color, lw=2)
        ax.axhline(chance, color="0.5", lw=0.8, ls=":")
        ax.set_title(title, fontsize=10)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels([n.replace(", ", ",\n") for n in names], fontsize=7.5)
        ax.set_xlim(-0.5, len(names) - 0.5)
        ax.set_ylim(0.4, 1.02)
        ax.grid(True, axis="y", alpha=0.3)
    for row in axes:
        row[0].set_ylabel("test accuracy")
    fig.tight_layout()
    return fig


def plot_initial_flows(flows: dict[str, np.ndarray]) -> plt.Figure:
    """``||dL/dx_t|| / ||dL/dx_T||`` at initialisation against t (log scale), one line per model;
    the first model black, the others in the palette's colours."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for k, (label, flow) in enumerate(flows.items()):
        t = np.arange(1, len(flow) + 1)
        ax.semilogy(t, flow / flow[-1], color="black" if k == 0 else OKABE_ITO[(k - 1) % 7],
                    ls="-" if k < 8 else "--", label=label)  # fmt: skip
    ax.set_xlabel("input step t")
    ax.set_ylabel(r"$\|\partial L/\partial x_t\|\ /\ \|\partial L/\partial x_T\|$")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def plot_cost_vs_length(cost: pd.DataFrame) -> plt.Figure:
    """Seconds per training step against sequence length, log-log, one line per model, with a
    dotted line of slope 1 (linear) and one of slope 2 (quadratic) through the first point."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for k, (name, rows) in enumerate(cost.groupby("model", sort=False)):
        rows = rows.dropna(subset=["seconds"])
        ax.loglog(rows["seq_len"], rows["seconds"], marker="os^Dv"[k % 5], color=f"C{k}",
                  label=name)  # fmt: skip
    lengths = np.array(sorted(cost["seq_len"].unique()), dtype=float)
    first = cost.dropna(subset=["seconds"])
    y0 = float(first[first["seq_len"] == lengths[0]]["seconds"].median())
    for power, style in ((1, ":"), (2, "-.")):
        ax.loglog(lengths, y0 * (lengths / lengths[0]) ** power, style, color="0.5", lw=0.8,
                  label=f"grows as length{'²' if power == 2 else ''}")  # fmt: skip
    ax.set_xlabel("sequence length (EEG samples)")
    ax.set_ylabel("seconds per training step")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_attention_weights(
    X: np.ndarray, weights: np.ndarray, titles: list[str], samples_per_step: int, fs: float
) -> plt.Figure:
    """EEG seconds with the attention weight of each step shaded behind them.

    ``X``: (n, seq_len) samples; ``weights``: (n, steps), each step covering
    ``samples_per_step`` samples; one panel per row, titled by ``titles``.
    """
    n = len(X)
    fig, axes = plt.subplots(n, 1, figsize=(7, 1.5 * n + 0.4), sharex=True)
    t = np.arange(X.shape[1]) / fs
    for ax, x, w, title in zip(np.atleast_1d(axes), X, weights, titles, strict=True):
        ax.plot(t, x, color="black", lw=0.8)
        top = float(w.max())
        for s, weight in enumerate(w):
            start = s * samples_per_step / fs
            ax.axvspan(start, start + samples_per_step / fs, color="C1", lw=0,
                       alpha=0.6 * float(weight) / top)  # fmt: skip
        ax.set_yticks([])
        ax.set_title(title, fontsize=9, loc="left")
    np.atleast_1d(axes)[-1].set_xlabel("time within the segment (s)")
    fig.tight_layout()
    return fig
