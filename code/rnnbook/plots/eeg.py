"""EEG figures of the data and sequence-tasks chapters: one second of each class, and the
onset labeller's probability over a stitched recording.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import data


def plot_class_segments(table: pd.DataFrame, chunk: int = 12, number: int = 1) -> plt.Figure:
    """One UCI row (one second of EEG) per class: chunk `chunk` of recording `number` of each set."""
    fig, axes = plt.subplots(5, 1, figsize=(8, 7.5), sharex=True)
    t = np.arange(data.SEQ_LEN) / data.SAMPLING_RATE  # seconds
    for ax, y in zip(axes, range(1, 6), strict=True):
        letter = next(s for s, label in data.UCI_LABEL.items() if label == y)
        row = table.loc[f"X{chunk}.{letter}{number:03d}"]
        ax.plot(t, row[data.FEATURES].to_numpy(float), lw=1, color=f"C{y - 1}")
        ax.set_ylabel("µV")
        ax.set_title(
            f"y={y} {data.CLASS_NAMES[y - 1]} (set {letter}, {row['recording']})", fontsize=9
        )
    axes[-1].set_xlabel("time (s)")
    fig.tight_layout()
    return fig


def plot_onset(
    X: np.ndarray, y: np.ndarray, p_seizure: np.ndarray, stride: int, fs: float
) -> plt.Figure:
    """One stitched sequence: the EEG with its true labels, and the labeller's P(seizure) per step."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 4.5), sharex=True)
    t = np.arange(len(X)) / fs
    top.plot(t, X, lw=0.6, color="0.3")
    onset = int(np.argmax(y)) if y.any() else len(y)
    top.axvline(onset / fs, color="C3", ls="--", label="true onset")
    top.set_ylabel("EEG (standardised)")
    top.legend(loc="upper left", fontsize=8)
    steps = (np.arange(len(p_seizure)) + 1) * stride / fs
    bottom.step(steps, p_seizure, where="post", color="C0", label="P(seizure), per step")
    bottom.axvline(onset / fs, color="C3", ls="--")
    bottom.axhline(0.5, color="0.6", lw=0.8)
    bottom.set_ylim(-0.05, 1.05)
    bottom.set_ylabel("P(seizure)")
    bottom.set_xlabel("time (s)")
    bottom.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def plot_stream_memory(
    X: np.ndarray, onset: int, stride: int, fs: float, windows: dict[str, int], at_step: int
) -> plt.Figure:
    """What each streaming labeller has kept when it labels step ``at_step``: the samples of each
    window (shaded, one row per window) against everything before the step, which only a state
    can summarise. ``X``: one sequence of samples; ``onset``: its true onset, in samples."""
    t = np.arange(len(X)) / fs
    end = (at_step + 1) * stride / fs  # the end of the step being labelled
    fig, axes = plt.subplots(len(windows) + 1, 1, figsize=(9, 1.6 * (len(windows) + 1)),
                             sharex=True, sharey=True)  # fmt: skip
    rows = [("GRU: a state updated at every step", None), *windows.items()]
    for ax, (name, window) in zip(axes, rows, strict=True):
        ax.plot(t, X, lw=0.5, color="0.35")
        ax.axvline(onset / fs, color="C3", ls="--", lw=1)
        if window is None:
            ax.axvspan(0, end, color="C0", alpha=0.15, label="summarised in the state")
        else:
            start = end - window * stride / fs
            ax.axvspan(start, end, color="C1", alpha=0.3, label=f"kept: {window * stride} samples")
        ax.axvline(end, color="black", lw=1)
        ax.set_title(name, fontsize=9, loc="left")
        ax.legend(loc="upper left", fontsize=8)
        ax.set_yticks([])
    axes[-1].set_xlabel("time (s); dashed: the true onset; black: the step being labelled")
    fig.tight_layout()
    return fig


def plot_streaming_accuracy(table, value: str = "accuracy", label: str = "per-step accuracy"):
    """Each model's ``value`` per seed (dots) and its mean (a bar), one column per model in the
    table's order, labelled with the numbers it keeps between steps (``table``:
    ``experiments.streaming_comparison(...).table``)."""
    names = list(dict.fromkeys(table["model"]))
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for k, name in enumerate(names):
        rows = table[table["model"] == name]
        jitter = np.linspace(-0.12, 0.12, len(rows))
        ax.scatter(k + jitter, rows[value], s=14, color=f"C{k}", alpha=0.7, zorder=3)
        ax.hlines(rows[value].mean(), k - 0.25, k + 0.25, color="black", lw=2, zorder=4)
    memory = table.drop_duplicates("model").set_index("model")["memory"]
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([f"{n}\nkeeps {memory[n]} numbers" for n in names], fontsize=9)
    ax.set_ylabel(label)
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    return fig
