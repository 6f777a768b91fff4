"""Patient visits: trajectories of a few patients, AUROCs with their intervals, forecast errors."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..visits import DAYS_PER_YEAR


def visits_outcome(status: int) -> str:
    return {0: "alive at the end", 1: "transplanted", 2: "died"}[status]  # visits.STATUS, as told


def plot_visit_trajectories(table: pd.DataFrame, ids: list[int]) -> plt.Figure:
    """Log bilirubin at each visit of some patients, against years since registration; a cross
    marks death, a bar the end of follow-up alive (or a transplant)."""
    fig, ax = plt.subplots(figsize=(8, 4.6))
    for i, pid in enumerate(ids):
        p = table[table["id"] == pid]
        years = p["day"] / DAYS_PER_YEAR
        status = int(p["status"].iloc[0])
        color = f"C{i}"
        label = f"patient {pid} ({visits_outcome(status)})"
        ax.plot(years, p["bili"], marker="o", ms=3.5, lw=1.2, color=color, label=label)
        end = p["futime"].iloc[0] / DAYS_PER_YEAR
        ax.plot([years.iloc[-1], end], [p["bili"].iloc[-1]] * 2, ls=":", lw=1, color=color)
        ax.plot(end, p["bili"].iloc[-1], marker="x" if status == 2 else "|", ms=9, mew=2,
                color=color)  # fmt: skip
    ax.set_yscale("log")
    ax.set_xlabel("years since registration")
    ax.set_ylabel("serum bilirubin (mg/dl, log scale)")
    ax.legend(fontsize=8, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    fig.tight_layout()
    return fig


def plot_auroc_intervals(
    auroc: pd.DataFrame, xlabel: str = "AUROC, death within two years of a visit (95 % interval)"
) -> plt.Figure:
    """Each model's (or group's) AUROC with its 95 % interval, one row each (top row first)."""
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(auroc) + 1))
    y = np.arange(len(auroc))[::-1]
    ax.errorbar(auroc["auroc"], y, xerr=[auroc["auroc"] - auroc["lo"], auroc["hi"] - auroc["auroc"]],
                fmt="o", color="C0", capsize=4)  # fmt: skip
    ax.set_yticks(y, auroc.index)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_forecast_errors(errors: pd.DataFrame) -> plt.Figure:
    """Mean absolute error of each forecasting method against the number of visits ahead."""
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for i, (name, row) in enumerate(errors.iterrows()):
        ax.plot(row.index, row.to_numpy(), marker="os^"[i % 3], label=name, color=f"C{i}")
    ax.set_xticks(list(errors.columns))
    ax.set_xlabel("visits ahead of the last observed one")
    ax.set_ylabel("mean |error| of log bilirubin")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
