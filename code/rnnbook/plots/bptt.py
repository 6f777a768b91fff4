"""Back-propagation through time: the truncation error against the window, and what BPTT costs
in memory and time against the sequence length.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd


def plot_truncation_errors(errors: pd.DataFrame) -> plt.Figure:
    """Relative error of truncated-BPTT gradients against the window k2 (``unroll.truncation_errors``)."""
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for column, marker in zip(errors.columns, "os", strict=False):
        ax.loglog(errors.index, errors[column], marker=marker, label=f"TBPTT, {column}")
    ax.set_xticks(list(errors.index), [str(k) for k in errors.index])
    ax.minorticks_off()
    ax.set_xlabel("window $k_2$ (steps back-propagated through)")
    ax.set_ylabel("relative error of the gradient")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_bptt_cost(cost: pd.DataFrame, window: int | None = None) -> plt.Figure:
    """Time and stored activations of BPTT against seq_len (``unroll.bptt_cost``).

    ``window``: also mark the memory of truncated BPTT through windows of that many steps, which
    stays flat whatever the sequence length (read from ``cost`` at seq_len == window).
    """
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(10, 3.8))
    T = cost.index.to_numpy()
    ax_t.plot(T, 1000 * cost["seconds"], "o-")
    ax_t.set_ylabel("forward + backward (ms)")
    ax_t.set_title("time")
    ax_m.plot(T, cost["saved_bytes"] / 2**20, "o-", label="full BPTT")
    if window is not None:
        ax_m.axhline(
            cost.loc[window, "saved_bytes"] / 2**20, color="C1", ls="--",
            label=f"truncated, windows of {window}",
        )  # fmt: skip
        ax_m.legend()
    ax_m.set_ylabel("activations stored for backward (MiB)")
    ax_m.set_title("memory")
    for ax in (ax_t, ax_m):
        ax.set_xlabel("seq_len (time steps)")
        ax.set_xlim(0, None)
        ax.set_ylim(0, None)
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig
