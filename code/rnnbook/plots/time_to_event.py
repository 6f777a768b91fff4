"""Time to event: follow-up lines, Kaplan-Meier curves, survival curves read at successive
visits, calibration after a landmark, cumulative incidence of competing causes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..figures import COLUMN_INCHES
from ..visits import DAYS_PER_YEAR

ENDS = {2: ("x", "C3", "death"), 1: ("D", "C2", "transplant"), 0: ("|", "C0", "censored (alive)")}


def plot_follow_up(table: pd.DataFrame, ids: list[int]) -> plt.Figure:
    """Each patient's follow-up as a line from entry to its end, a dot at every visit and a mark
    at the end: a cross for death, a diamond for a transplant, a bar for the end of follow-up."""
    fig, ax = plt.subplots(figsize=(COLUMN_INCHES, 0.16 * len(ids) + 1.2))
    for row, pid in enumerate(ids):
        p = table[table["id"] == pid]
        end, status = p["futime"].iloc[0] / DAYS_PER_YEAR, int(p["status"].iloc[0])
        marker, color, _ = ENDS[status]
        ax.plot([0, end], [row, row], color="0.6", lw=1)
        ax.plot(p["day"] / DAYS_PER_YEAR, [row] * len(p), "o", ms=2.5, color="0.35")
        ax.plot(end, row, marker, ms=7, mew=2, color=color)
    for marker, color, label in ENDS.values():
        ax.plot([], [], marker, ms=7, mew=2, color=color, ls="none", label=label)
    ax.set_yticks([])
    ax.set_ylabel("patients (sorted by follow-up)")
    ax.set_xlabel("years since entry")
    ax.legend(fontsize=9, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.14))
    fig.tight_layout()
    return fig


def plot_kaplan_meier(panels: dict[str, dict[str, pd.DataFrame]]) -> plt.Figure:
    """One panel per grouping, stacked: each group's Kaplan-Meier curve of survival with its
    95 % interval as a band (`survival.kaplan_meier_table` tables)."""
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(COLUMN_INCHES, 2.9 * len(panels)), sharex=True
    )
    for ax, (title, groups) in zip(np.atleast_1d(axes), panels.items(), strict=True):
        for i, (name, tab) in enumerate(groups.items()):
            t = np.r_[0.0, tab.index.to_numpy()]
            color = f"C{i}"
            ax.step(t, np.r_[1.0, tab["survival"]], where="post", color=color, label=name)
            ax.fill_between(t, np.r_[1.0, tab["lo"]], np.r_[1.0, tab["hi"]], step="post",
                            color=color, alpha=0.2, lw=0)  # fmt: skip
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("survival")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=9, loc="lower left")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[-1].set_xlabel("years since entry")
    fig.tight_layout()
    return fig


def plot_visit_curves(curves: np.ndarray, days: np.ndarray, visit_numbers, width: float,
                      end: float, died: bool, until: float | None = None) -> plt.Figure:  # fmt: skip
    """The survival curves one model predicts at successive visits of one patient, each drawn
    from its visit onwards on the time since entry, and the patient's end of follow-up.
    `visit_numbers` label the curves; the time axis ends at `until` (years; default: where the
    last curve ends). The legend sits below the axes, clear of the axis label."""
    fig, ax = plt.subplots(figsize=(COLUMN_INCHES, 4.4), layout="constrained")
    K = curves.shape[1]
    for i, (S, day, number) in enumerate(zip(curves, days, visit_numbers, strict=True)):
        start = day / DAYS_PER_YEAR
        t = start + np.arange(K + 1) * width
        ax.step(t, np.r_[1.0, S], where="post", color=plt.cm.viridis(i / max(len(days) - 1, 1)),
                label=f"visit {number} (year {start:.1f})")  # fmt: skip
    ax.axvline(end, color="C3" if died else "C0", ls="--", lw=1.5,
               label="death" if died else "end of follow-up")  # fmt: skip
    ax.set_xlim(0, until if until is not None else days[-1] / DAYS_PER_YEAR + K * width)
    ax.set_xlabel("years since entry")
    ax.set_ylabel("predicted survival")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    fig.legend(fontsize=9, ncol=3, loc="outside lower center")
    return fig


def plot_calibration(calibration: pd.DataFrame, horizons=(2, 5), dodge: float = 0.02) -> plt.Figure:
    """Mean predicted survival against the Kaplan-Meier survival (with its interval) of each
    third of the patients, one panel per horizon (stacked), one marker per model; the models'
    markers are shifted sideways by `dodge` each so that none hides another."""
    fig, axes = plt.subplots(len(horizons), 1, figsize=(COLUMN_INCHES * 0.8, 3.4 * len(horizons)))
    models = list(dict.fromkeys(calibration["model"]))
    for ax, h in zip(np.atleast_1d(axes), horizons, strict=True):
        for i, name in enumerate(models):
            c = calibration[(calibration["model"] == name) & (calibration["horizon"] == h)]
            ax.errorbar(c["predicted"] + dodge * (i - (len(models) - 1) / 2), c["observed"],
                        yerr=[c["observed"] - c["lo"], c["hi"] - c["observed"]],
                        fmt="osD"[i], color=f"C{i}", capsize=3, label=name)  # fmt: skip
        ax.plot([0, 1], [0, 1], color="0.5", ls=":", lw=1)
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(f"mean predicted survival at {h} years")
        ax.set_ylabel("observed (Kaplan-Meier)")
        ax.legend(fontsize=9, loc="upper left")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_incidence(km_death: pd.Series, cif: pd.DataFrame, names: dict[int, str]) -> plt.Figure:
    """The Aalen-Johansen cumulative incidence of each cause (stacked under 1) against
    1 - Kaplan-Meier of death with a transplant counted as censoring."""
    fig, ax = plt.subplots(figsize=(COLUMN_INCHES, 3.6))
    t = np.r_[0.0, km_death.index.to_numpy()]
    ax.step(t, np.r_[0.0, 1 - km_death.to_numpy()], where="post", color="C3", ls="--",
            label="death: 1 - Kaplan-Meier, transplant censored")  # fmt: skip
    tc = np.r_[0.0, cif.index.to_numpy()]
    for i, (cause, name) in enumerate(names.items()):
        ax.step(tc, np.r_[0.0, cif[cause].to_numpy()], where="post", color=["C3", "C2"][i],
                label=f"{name}: cumulative incidence")  # fmt: skip
    ax.set_xlabel("years since entry")
    ax.set_ylabel("probability of the event")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=9, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
