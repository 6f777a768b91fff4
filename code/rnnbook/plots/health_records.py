"""Health records: one person's long-table rows on a timeline, and the learned code embedding."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..cohort import CODES, Cohort
from ..visits import DAYS_PER_YEAR


def plot_person_timeline(cohort: Cohort, person: int, landmark: int = 0) -> plt.Figure:
    """One person's rows of the long tables on one time axis (years from the index date): the
    coded diagnoses as marks, one line per code (top), and each measurement's values (one
    panel each, below); grey verticals are the visits (days with any row) up to the landmark."""
    events = cohort.events[cohort.events["id"] == person]
    m = cohort.measurements[cohort.measurements["id"] == person]
    tests = list(dict.fromkeys(m["test"]))
    fig, axes = plt.subplots(1 + len(tests), 1, figsize=(8, 2.2 + 1.3 * len(tests)), sharex=True,
                             height_ratios=[2] + [1] * len(tests))  # fmt: skip
    days = np.union1d(events["days"], m["days"])
    codes = [c for c in CODES if c in set(events["event"])]
    top = axes[0]
    for ax in axes:
        for day in days[days <= landmark]:
            ax.axvline(day / DAYS_PER_YEAR, color="0.85", lw=0.8, zorder=0)
        ax.axvline(landmark / DAYS_PER_YEAR, color="black", ls="--", lw=1.2)
    for row, code in enumerate(codes):
        when = events.loc[events["event"] == code, "days"] / DAYS_PER_YEAR
        top.plot(when, np.full(len(when), row), "D", ms=7, color=f"C{CODES.index(code) % 8}")
    top.set_yticks(range(len(codes)), codes)
    top.set_ylim(-0.7, len(codes) - 0.3)
    top.set_title(f"person {person}: coded diagnoses (top) and measurements; dashed: index date",
                  fontsize=10, loc="left")  # fmt: skip
    for ax, test in zip(axes[1:], tests, strict=True):
        rows = m[m["test"] == test]
        ax.plot(rows["days"] / DAYS_PER_YEAR, rows["value"], "o-", ms=3, lw=0.8, color="0.3")
        ax.set_ylabel(test)
    axes[-1].set_xlabel("years from the index date (grey: the visits before it)")
    fig.tight_layout()
    return fig


def plot_code_similarity(similarity: pd.DataFrame) -> plt.Figure:
    """Cosine similarity between the learned embeddings of the codes, as a heat map (1 on the
    diagonal: each code with itself), with each value printed in its cell."""
    fig, ax = plt.subplots(figsize=(6.4, 5.4))
    image = ax.imshow(similarity.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    labels = list(similarity.index)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(len(labels)):
        for j in range(len(labels)):
            value = similarity.iloc[i, j]
            ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=7,
                    color="white" if abs(value) > 0.6 else "black")  # fmt: skip
    fig.colorbar(image, ax=ax, label="cosine similarity of the embeddings")
    fig.tight_layout()
    return fig
