"""Healthcare's recurrent models: RETAIN's contributions beside the Mayo score's, over a
patient's visits; GRU-D and its baselines under each missingness setting."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..figures import OKABE_ITO

# Bar colours: Okabe-Ito without its black (the dots are black), then a grey.
BAR_COLOURS = [c for c in OKABE_ITO if c != "#000000"] + ["#999999"]


def _stacked(ax, years: np.ndarray, parts: pd.DataFrame, width: float) -> None:
    """Signed stacked bars: positive parts upwards from 0, negative ones downwards."""
    up, down = np.zeros(len(years)), np.zeros(len(years))
    for i, (name, values) in enumerate(parts.items()):
        v = values.to_numpy()
        base = np.where(v >= 0, up, down)
        ax.bar(years, v, width, bottom=base, color=BAR_COLOURS[i % len(BAR_COLOURS)], label=name, edgecolor="white",
               linewidth=0.4)  # fmt: skip
        up, down = up + np.maximum(v, 0), down + np.minimum(v, 0)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.grid(axis="y", alpha=0.3)


def plot_patient_contributions(frames: dict) -> plt.Figure:
    """For each patient (`frames`: title -> `experiments.patient_contributions`), two panels
    stacked: RETAIN's logit at every visit split by input group (bars above and below zero)
    with the logit itself (black dots: the bars' net sum plus the bias), then the Mayo score's
    split of the same visits by its five inputs (dots: their net sum). One legend, above the
    panels (the Mayo score's five inputs have the colours of RETAIN's first five groups)."""
    n = len(frames)
    fig, axes = plt.subplots(2 * n, 1, figsize=(6.7, 2.6 * 2 * n + 1.0), layout="constrained")
    for i, (title, frame) in enumerate(frames.items()):
        years = frame["years"].to_numpy()
        width = 0.6 * (np.min(np.diff(years)) if len(years) > 1 else 1.0)
        ax = axes[2 * i]
        retain = frame.filter(like="RETAIN: ").rename(columns=lambda c: c.removeprefix("RETAIN: "))
        _stacked(ax, years, retain, width)
        ax.plot(years, frame["logit"], "o", color="black", ms=4,
                label="net sum (for RETAIN plus its bias: the logit)")  # fmt: skip
        ax.set_title(f"{title}: RETAIN", fontsize=10)
        ax.set_ylabel("log-odds of death\nwithin 2 years")
        if i == 0:
            handles, labels = ax.get_legend_handles_labels()
        ax = axes[2 * i + 1]
        mayo = frame.filter(like="Mayo: ").rename(columns=lambda c: c.removeprefix("Mayo: "))
        _stacked(ax, years, mayo, width)
        ax.plot(years, mayo.sum(axis=1), "o", color="black", ms=4)
        ax.set_title(f"{title}: Mayo score", fontsize=10)
        ax.set_ylabel("Mayo score minus\nits training mean")
        ax.set_xlabel("years since registration (one bar a visit)")
    order = list(range(1, len(handles))) + [0]  # the groups first, the dots last
    fig.legend([handles[k] for k in order], [labels[k] for k in order], loc="outside upper center",
               ncol=3, fontsize=9, frameon=False)  # fmt: skip
    return fig


def plot_grud_auroc(aurocs: pd.DataFrame) -> plt.Figure:
    """Test AUROC of every run (filled dots, one a seed) and its mean over seeds (a larger
    hollow marker, drawn under the dots), one row per missingness setting (top first), one
    colour and marker per model."""
    settings = list(dict.fromkeys(aurocs["setting"]))
    models = list(dict.fromkeys(aurocs["model"]))
    fig, ax = plt.subplots(figsize=(6.7, 0.9 * len(settings) + 1.0), layout="constrained")
    y0 = np.arange(len(settings))[::-1]
    for i, name in enumerate(models):
        offset = (i - (len(models) - 1) / 2) * 0.18
        for y, setting in zip(y0, settings, strict=True):
            a = aurocs[(aurocs["model"] == name) & (aurocs["setting"] == setting)]["auroc"]
            ax.plot(a.mean(), y + offset, "osD^"[i % 4], color=f"C{i}", ms=9, mfc="none", mew=1.4,
                    zorder=2, label=name if y == y0[0] else None)  # fmt: skip
            ax.plot(a, np.full(len(a), y + offset), "o", color=f"C{i}", ms=3.5, zorder=3)
    ax.set_yticks(y0, settings)
    ax.set_ylim(y0.min() - 0.5, y0.max() + 0.5)
    ax.set_xlabel("AUROC, death within two years of a visit (test patients)")
    ax.grid(axis="x", alpha=0.3)
    fig.legend(loc="outside lower center", ncol=4, fontsize=9, frameon=False,
               title="hollow: mean over seeds; dots: one seed each", title_fontsize=9)  # fmt: skip
    return fig
