"""Vanishing gradients and gated cells: the gradient reaching each step, gate activations on real
EEG, the long-gap task's examples and accuracies, and the memory gates over the gap.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import data
from ..figures import panel_grid


def plot_gate_activations(
    X: np.ndarray, gates: dict[str, np.ndarray], titles: list[str]
) -> plt.Figure:
    """EEG rows and, under each, heatmaps of gate activations over time (hidden unit x step).

    ``X``: (rows, seq_len) inputs; ``gates``: {row label of the panel: (rows, seq_len, hidden)};
    ``titles``: one per row of ``X``. Units are sorted by their mean activation over all rows so
    that the same unit sits on the same line in every panel. Colour: 0 (closed) to 1 (open).
    """
    num_rows = len(titles)
    fig, axes = plt.subplots(
        1 + len(gates), num_rows, figsize=(5 * num_rows, 1.8 + 2.1 * len(gates)),
        sharex=True, squeeze=False, gridspec_kw={"height_ratios": [1] + [1.6] * len(gates)},
    )  # fmt: skip
    t = np.arange(X.shape[1]) / data.SAMPLING_RATE
    ymax = np.abs(X).max() * 1.05
    for j, title in enumerate(titles):
        axes[0, j].plot(t, X[j], lw=0.9, color="black")
        axes[0, j].set_title(title, fontsize=10)
        axes[0, j].set_ylim(-ymax, ymax)
    axes[0, 0].set_ylabel("EEG (standardised)")
    for i, (name, values) in enumerate(gates.items(), start=1):
        order = np.argsort(values.mean(axis=(0, 1)))
        for j in range(num_rows):
            image = axes[i, j].imshow(
                values[j][:, order].T, aspect="auto", origin="lower", cmap="viridis", vmin=0,
                vmax=1, extent=(t[0], t[-1], -0.5, values.shape[2] - 0.5), interpolation="nearest",
            )  # fmt: skip
        axes[i, 0].set_ylabel(f"{name}\nhidden unit")
    for ax in axes[-1]:
        ax.set_xlabel("time (s)")
    fig.tight_layout(rect=(0, 0, 0.9, 1))  # leave room for the colour bar on the right
    bottom, top = axes[-1, -1].get_position().y0, axes[1, -1].get_position().y1
    cax = fig.add_axes((0.92, bottom, 0.015, top - bottom))
    fig.colorbar(image, cax=cax, label="gate value")
    return fig


def plot_gradient_flows(
    flows: dict[str, np.ndarray], init_flows: dict[str, np.ndarray] | None = None
) -> plt.Figure:
    """``||dL/dh_t|| / ||dL/dh_T||`` against t, log scale, one line per model.

    ``flows``: {label: (seq_len,) gradient norms} of trained models (solid lines);
    ``init_flows``: the same models before training (dashed, same colours).
    """
    fig, ax = plt.subplots(figsize=(7, 4))
    for k, (label, flow) in enumerate(flows.items()):
        t = np.arange(1, len(flow) + 1)
        ax.semilogy(t, flow / flow[-1], color=f"C{k}", label=f"{label}, trained")
        if init_flows is not None and label in init_flows:
            init = init_flows[label]
            ax.semilogy(t, init / init[-1], color=f"C{k}", ls="--", lw=1, label=f"{label}, initial")
    ax.set_xlabel("time step t")
    ax.set_ylabel(r"$\|\partial L/\partial h_t\|\ /\ \|\partial L/\partial h_T\|$")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def plot_step_gradients(
    panels: dict[str, dict[str, np.ndarray]],
    ylabel: str = r"$\|\partial L/\partial x_t\|\ /\ \|\partial L/\partial x_T\|$",
    cue_steps: int | None = None,
    cmap: str | None = None,
) -> plt.Figure:
    """Gradient norm against time step, each curve divided by its last step's value, log scale.

    ``panels``: {panel title: {curve label: (seq_len,) norms}}, side by side with a shared y
    axis. ``cue_steps`` shades steps 1..cue_steps (the cue of the long-gap task); ``cmap``
    colours the curves in order from a colormap instead of the default cycle.
    """
    fig, axes = plt.subplots(
        1, len(panels), figsize=(4.2 * len(panels) + 1.2, 3.8), sharey=True, squeeze=False
    )
    for ax, (title, curves) in zip(axes[0], panels.items(), strict=True):
        colors = (
            plt.get_cmap(cmap)(np.linspace(0.05, 0.95, len(curves)))
            if cmap
            else [f"C{k}" for k in range(len(curves))]
        )
        for color, (label, flow) in zip(colors, curves.items(), strict=True):
            t = np.arange(1, len(flow) + 1)
            ax.semilogy(t, flow / flow[-1], color=color, lw=1.4, label=label)
        if cue_steps:
            ax.axvspan(0.5, cue_steps + 0.5, color="0.85", zorder=0, label="cue")
        ax.axhline(1.0, color="0.5", lw=0.8, ls=":")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("time step t")
        ax.grid(True, which="major", alpha=0.3)
    axes[0, 0].set_ylabel(ylabel)
    axes[0, -1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    return fig


def plot_long_gap_accuracy(
    table: pd.DataFrame,
    chance: float = 0.5,
    xlabel: str = "gap between the cue and the answer",
) -> plt.Figure:
    """Test accuracy against the gap's length, one line per model.

    ``table``: ``experiments.run_long_gap(...).table`` (columns model, gap_seconds, gap_steps,
    test_accuracy); a model need not have every gap. The vanilla RNN is black; each gated cell
    has one colour, dashed at PyTorch's initialisation and solid with the memory-gate bias.
    """
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, rows in table.groupby("model", sort=False):
        color = "black" if name.startswith("RNN") else ("C0" if name.startswith("LSTM") else "C1")
        style = "-" if ("bias" in name or name.startswith("RNN")) else "--"
        ax.plot(rows["gap_seconds"], rows["test_accuracy"], style, marker="o", color=color,
                label=name)  # fmt: skip
    ax.axhline(chance, color="0.5", lw=0.8, ls=":", label="chance")
    gaps = table.drop_duplicates("gap_seconds").sort_values("gap_seconds")  # a model may skip some
    ax.set_xticks(gaps["gap_seconds"])
    ax.set_xticklabels([f"{g:g} s\n{s} steps" for g, s in zip(gaps["gap_seconds"], gaps["gap_steps"], strict=True)])  # fmt: skip
    ax.set_xlabel(xlabel)
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0.4, 1.0)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def plot_memory_gates(gates: dict[str, tuple[np.ndarray, np.ndarray]]) -> plt.Figure:
    """Each hidden unit's mean memory gate (forget gate f or update gate z), sorted.

    ``gates``: {model name: (at initialisation, after training)}, each ``(num_hiddens,)`` from
    ``longrange.memory_gate``. One panel per model; a unit whose gate is near 1 keeps its memory.
    """
    fig, axes = panel_grid(len(gates), 3.6, 3.2, sharey=True)  # at most two panels a row
    for ax, (name, (before, after)) in zip(axes.flat, gates.items(), strict=False):
        rank = np.arange(1, len(before) + 1)
        ax.plot(rank, np.sort(before), "o-", ms=3, color="0.6", label="at initialisation")
        ax.plot(rank, np.sort(after), "o-", ms=3, color="C2", label="after training")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("hidden unit (sorted)")
        ax.set_ylim(0, 1)
        ax.grid(True, alpha=0.3)
    for row in axes:
        row[0].set_ylabel("mean gate value over the gap")
    axes[0, 0].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_long_gap_examples(
    X: np.ndarray,
    y: np.ndarray,
    cue_steps: int,
    classes=("seizure-free cue", "seizure cue"),
    shade: str = "cue",
) -> plt.Figure:
    """One sequence of each label of the long-gap or temporal-order task, as EEG over time, its
    first ``cue_steps`` (the cue, or the markers) shaded and labelled ``shade``.

    ``X``: ``(n, seq_len, samples_per_step)`` standardised sequences; ``y``: their labels. The
    first sequence of each label is drawn; the steps are unfolded back into samples.
    """
    fig, axes = plt.subplots(2, 1, figsize=(8, 4.2), sharex=True, sharey=True)
    samples_per_step = X.shape[2]
    for ax, label in zip(axes, (1, 0), strict=True):
        i = int(np.flatnonzero(np.asarray(y) == label)[0])
        signal = np.asarray(X[i]).reshape(-1)  # (seq_len * samples_per_step,)
        t = np.arange(len(signal)) / data.SAMPLING_RATE
        ax.axvspan(0, cue_steps * samples_per_step / data.SAMPLING_RATE, color="0.88", label=shade)
        ax.plot(t, signal, lw=0.7, color="C3" if label == 1 else "C0")
        ax.set_title(f"label {label}: {classes[label]}", fontsize=9)
        ax.set_ylabel("EEG (std.)")
    axes[0].legend(fontsize=8, loc="upper right")
    axes[-1].set_xlabel("time (s)")
    fig.tight_layout()
    return fig
