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
