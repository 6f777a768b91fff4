"""Figures shared by the chapters. Each function returns a matplotlib Figure and shows nothing,
so a chapter can display it, glue it into a numbered figure, or save it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg") if matplotlib.get_backend().lower() == "agg" else None
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from . import data  # noqa: E402


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
