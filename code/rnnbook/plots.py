"""Figures shared by the chapters. Each function returns a matplotlib Figure and shows nothing,
so a chapter can display it, glue it into a numbered figure, or save it.

In a Jupyter kernel, importing this module makes IPython draw every Figure as a PNG at twice the
resolution it is shown at (IPython's "retina" format) whatever matplotlib's backend is: with `MPLBACKEND=Agg` in the environment (common on servers and CI), the
inline backend is not active and a displayed or glued Figure would otherwise show only as text.

Importing it also sets matplotlib's colour cycle ("C0", "C1", ...) to the Okabe-Ito palette, whose
colours stay distinct with the common colour-vision deficiencies. Its order keeps the hues of
matplotlib's default cycle where the chapters name them: C0 blue, C1 orange, C2 green, C3
vermillion (red), C4 reddish purple. Figures keep a white background, so they stay legible in the
site's dark scheme.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import data


def _draw_figures_as_png() -> None:
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:  # no IPython: nothing displays figures
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "kernel"):
        # "retina": PNGs at twice the pixels, shown at their usual size, so that they stay sharp
        # on high-resolution screens and when a phone's browser zooms in.
        select_figure_formats(shell, {"retina"}, bbox_inches="tight")


_draw_figures_as_png()

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
mpl.rcParams["axes.prop_cycle"] = mpl.cycler(color=OKABE_ITO)


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


# --- sequence task categories (chapter: sequence tasks) -----------------------------------------


def plot_task_categories() -> plt.Figure:
    """Karpathy's input/output categories as boxes: inputs (bottom), hidden states, outputs (top)."""
    layouts = {
        "one-to-one": ([0], [0]),
        "one-to-many": ([0], [0, 1, 2, 3]),
        "many-to-one": ([0, 1, 2, 3], [3]),
        "many-to-many": ([0, 1, 2, 3], [0, 1, 2, 3]),
    }
    fig, axes = plt.subplots(1, 4, figsize=(10, 3.2))
    for ax, (title, (ins, outs)) in zip(axes, layouts.items(), strict=True):
        steps = max(ins + outs) + 1
        for t in range(steps):
            _box(ax, t, 1, "#9ecae1")  # hidden state
            if t > 0:
                ax.annotate("", (t - 0.3, 1), (t - 0.7, 1), arrowprops={"arrowstyle": "->"})
            if t in ins:
                _box(ax, t, 0, "#fdae6b")
                ax.annotate("", (t, 0.7), (t, 0.3), arrowprops={"arrowstyle": "->"})
            if t in outs:
                _box(ax, t, 2, "#a1d99b")
                ax.annotate("", (t, 1.7), (t, 1.3), arrowprops={"arrowstyle": "->"})
        ax.set_xlim(-0.6, 3.6)
        ax.set_ylim(-0.5, 2.5)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title, fontsize=10)
    axes[0].text(-0.55, 0, "input", fontsize=8, ha="right", va="center")
    axes[0].text(-0.55, 1, "hidden", fontsize=8, ha="right", va="center")
    axes[0].text(-0.55, 2, "output", fontsize=8, ha="right", va="center")
    fig.tight_layout()
    return fig


def _box(ax, x: float, y: float, color: str) -> None:
    ax.add_patch(plt.Rectangle((x - 0.3, y - 0.3), 0.6, 0.6, color=color, ec="black", lw=0.8))


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


def plot_history(histories: dict, metric: str = "valid_acc", ax=None) -> plt.Figure:
    """Curves of one History field (e.g. "valid_acc", "train_loss") for several named runs."""
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.5))
    for name, h in histories.items():
        values = getattr(h, metric) if not isinstance(h, dict) else h[metric]
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", ms=3, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric.replace("_", " "))
    ax.legend(fontsize=8)
    return fig if fig is not None else ax.figure


# --- back-propagation through time and gated cells (chapters bptt and gated_cells) ---------------


def _node(ax, xy, label, color="#dbe9f6", radius=0.34):
    from matplotlib.patches import Circle

    ax.add_patch(Circle(xy, radius, facecolor=color, edgecolor="black", lw=1.2, zorder=3))
    ax.text(*xy, label, ha="center", va="center", fontsize=12, zorder=4)


def _edge(ax, a, b, label=None, color="black", radius=0.34, rad=0.0, side=(0.0, 0.0), **kw):
    """An arrow from node centre ``a`` to node centre ``b`` (circle edge to circle edge)."""
    from matplotlib.patches import FancyArrowPatch

    (x0, y0), (x1, y1) = a, b
    d = np.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    start = (x0 + radius * ux, y0 + radius * uy)
    end = (x1 - radius * ux, y1 - radius * uy)
    arrow = FancyArrowPatch(
        start, end, arrowstyle="-|>", mutation_scale=13, color=color, lw=1.3, zorder=2,
        connectionstyle=f"arc3,rad={rad}", **kw,
    )  # fmt: skip
    ax.add_patch(arrow)
    if label:
        mx, my = (start[0] + end[0]) / 2 + side[0], (start[1] + end[1]) / 2 + side[1]
        ax.text(mx, my, label, ha="center", va="center", fontsize=12, color=color, zorder=4)


def plot_unrolled_rnn(
    num_steps: int = 4, many_to_one: bool = False, backward: bool = False, folded: bool = True
) -> plt.Figure:
    """The computational graph of a recurrent network, folded and unrolled over ``num_steps``.

    As in Goodfellow et al. (2016), fig. 10.3, with PyTorch's names for the weights (theirs are
    U, W, V): inputs x_t feed the hidden states h_t through W_ih, each h_{t-1} feeds h_t through
    W_hh (the same at every step), and h_t feeds the output o_t through W_hy; the loss L_t
    compares o_t with the target y_t. ``many_to_one`` keeps only the last
    output and loss (the book's classifiers). ``backward`` adds the gradient's paths in red:
    down from each loss and leftwards from h_{t+1} to h_t -- back-propagation through time.
    """
    rows = {"x": 0.0, "h": 1.4, "o": 2.8, "L": 4.2, "y": 5.6}
    colors = {"x": "#e8f3e0", "h": "#dbe9f6", "o": "#fde9d4", "L": "#f6d6d6", "y": "#eeeeee"}
    dx = 1.9
    left = 3.4 if folded else 0.5  # where the unrolled graph starts (h_0)
    width = left + dx * num_steps + 0.8
    height = rows["y"] + 1.2
    scale = min(0.62, 11 / width)  # inches per unit, at most 11 inches wide
    fig, ax = plt.subplots(figsize=(scale * width, scale * height))
    red = "#c0392b"

    if folded:  # the folded graph: one set of nodes, a loop for the recurrence
        fx = 0.6
        for key in "xhoLy":
            _node(ax, (fx, rows[key]), f"${key}$", colors[key])
        _edge(ax, (fx, rows["x"]), (fx, rows["h"]), "$W_{ih}$", side=(-0.4, 0))
        _edge(ax, (fx, rows["h"]), (fx, rows["o"]), "$W_{hy}$", side=(-0.4, 0))
        _edge(ax, (fx, rows["o"]), (fx, rows["L"]))
        _edge(ax, (fx, rows["y"]), (fx, rows["L"]))
        # The recurrence: h feeds itself, through a one-step delay (the black square).
        from matplotlib.patches import FancyArrowPatch

        sq = (fx + 0.95, rows["h"])
        ax.add_patch(plt.Rectangle((sq[0] - 0.09, sq[1] - 0.09), 0.18, 0.18, color="black"))
        style = {"arrowstyle": "-|>", "mutation_scale": 13, "lw": 1.3, "color": "black"}
        ax.add_patch(
            FancyArrowPatch((fx + 0.24, rows["h"] + 0.24), (sq[0], sq[1] + 0.1),
                            connectionstyle="arc3,rad=-0.5", **style)
        )  # fmt: skip
        ax.add_patch(
            FancyArrowPatch((sq[0], sq[1] - 0.1), (fx + 0.24, rows["h"] - 0.24),
                            connectionstyle="arc3,rad=-0.5", **style)
        )  # fmt: skip
        loop = sq
        ax.text(loop[0] + 0.3, loop[1], "$W_{hh}$", fontsize=12, va="center")
        ax.annotate(
            "", xy=(left - 0.55, rows["h"] + 0.7), xytext=(fx + 1.6, rows["h"] + 0.7),
            arrowprops={"arrowstyle": "-|>", "lw": 2, "color": "0.4"},
        )  # fmt: skip
        ax.text((fx + 1.6 + left - 0.55) / 2, rows["h"] + 1.0, "unfold", ha="center", color="0.3")

    # The unrolled graph: h_0, then one column per step.
    _node(ax, (left, rows["h"]), "$h_0$", colors["h"])
    for t in range(1, num_steps + 1):
        cx = left + dx * t
        show_out = not many_to_one or t == num_steps
        _node(ax, (cx, rows["x"]), f"$x_{t}$", colors["x"])
        _node(ax, (cx, rows["h"]), f"$h_{t}$", colors["h"])
        _edge(ax, (cx, rows["x"]), (cx, rows["h"]), "$W_{ih}$", side=(-0.37, 0))
        _edge(ax, (cx - dx, rows["h"]), (cx, rows["h"]), "$W_{hh}$", side=(0, 0.22))
        if show_out:
            label = "" if many_to_one else f"_{t}"
            for key in "oLy":
                _node(ax, (cx, rows[key]), f"${key}{label}$", colors[key])
            _edge(ax, (cx, rows["h"]), (cx, rows["o"]), "$W_{hy}$", side=(-0.37, 0))
            _edge(ax, (cx, rows["o"]), (cx, rows["L"]))
            _edge(ax, (cx, rows["y"]), (cx, rows["L"]))
        if backward:
            off = 0.42
            if show_out:  # down from the loss, beside the forward arrows
                for a, b in (("L", "o"), ("o", "h")):
                    down = (cx + off, rows[a]), (cx + off, rows[b])
                    _edge(ax, *down, color=red, ls="--", radius=0.2)
            _edge(
                ax, (cx, rows["h"] - off), (cx - dx, rows["h"] - off), color=red, ls="--",
                radius=0.3, rad=-0.25,
            )  # fmt: skip
    if backward:
        from matplotlib.lines import Line2D

        handles = [
            Line2D([], [], color="black", lw=1.3, label="forward pass"),
            Line2D([], [], color=red, lw=1.3, ls="--", label="backward pass (gradients)"),
        ]
        ax.legend(handles=handles, loc="upper left", fontsize=9, frameon=False)
    ax.set_xlim(0, width)
    ax.set_ylim(-0.6, rows["y"] + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    return fig


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


# --- training the seizure models (chapter: training) --------------------------------------------


def plot_learning_curves(history, title: str = "") -> plt.Figure:
    """Training and validation loss (left) and accuracy (right) of one `History`, per epoch."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.3))
    epochs = np.arange(1, len(history.train_loss) + 1)
    left.plot(epochs, history.train_loss, marker="o", ms=3, label="training")
    left.plot(epochs, history.valid_loss, marker="o", ms=3, label="validation")
    left.set_ylabel("cross-entropy loss")
    right.plot(epochs, history.train_acc, marker="o", ms=3, label="training")
    right.plot(epochs, history.valid_acc, marker="o", ms=3, label="validation")
    right.set_ylabel("accuracy")
    for ax in (left, right):
        ax.set_xlabel("epoch")
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_confusion(confusion, classes, title: str = "") -> plt.Figure:
    """A confusion matrix (rows: true class, columns: predicted), each row as shares of its class."""
    cm = np.asarray(confusion, dtype=float)
    share = cm / cm.sum(axis=1, keepdims=True)
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(classes)):
        for j in range(len(classes)):
            color = "white" if share[i, j] > 0.6 else "black"
            ax.text(j, i, f"{int(cm[i, j])}", ha="center", va="center", fontsize=8, color=color)
    ax.set_xticks(range(len(classes)), classes, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(classes)), classes, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_roc(curves: dict) -> plt.Figure:
    """ROC curves: `{label: (fpr, tpr, auc)}`, with the diagonal of a coin toss."""
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    for label, (fpr, tpr, auc) in curves.items():
        ax.plot(fpr, tpr, label=f"{label} (AUC {auc:.4f})")
    ax.plot([0, 1], [0, 1], color="0.7", ls="--", lw=0.8)
    ax.set_xlabel("false positive rate (1 - specificity)")
    ax.set_ylabel("true positive rate (sensitivity)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_reliability(curves: dict, bins: int = 10) -> plt.Figure:
    """Reliability diagram: `{label: (y, p)}` -> the observed seizure rate against the mean
    predicted probability in each of `bins` equal-width bins (sklearn's `calibration_curve`),
    with the diagonal of perfect calibration, and a histogram of the probabilities below."""
    from sklearn.calibration import calibration_curve

    fig, (ax, hist) = plt.subplots(
        2, 1, figsize=(4.8, 5.2), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    ax.plot([0, 1], [0, 1], color="0.6", ls="--", lw=0.8, label="perfectly calibrated")
    for (label, (y, p)), marker in zip(curves.items(), "osD^v", strict=False):
        observed, predicted = calibration_curve(y, p, n_bins=bins, strategy="uniform")
        ax.plot(predicted, observed, marker=marker, ms=4, label=label)
        hist.hist(p, bins=bins, range=(0, 1), histtype="step", label=label)
    ax.set_ylabel("observed share of seizures")
    ax.legend(fontsize=7, loc="upper left")
    hist.set_yscale("log")
    hist.set_xlabel("predicted probability of a seizure")
    hist.set_ylabel("rows")
    fig.tight_layout()
    return fig


# --- chapter "Vanishing and exploding gradients" ------------------------------------------------


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


def plot_long_gap_accuracy(table: pd.DataFrame, chance: float = 0.5) -> plt.Figure:
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
    ax.set_xlabel("gap between the cue and the answer")
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
    fig, axes = plt.subplots(1, len(gates), figsize=(4 * len(gates), 3.4), sharey=True,
                             squeeze=False)  # fmt: skip
    for ax, (name, (before, after)) in zip(axes[0], gates.items(), strict=True):
        rank = np.arange(1, len(before) + 1)
        ax.plot(rank, np.sort(before), "o-", ms=3, color="0.6", label="at initialisation")
        ax.plot(rank, np.sort(after), "o-", ms=3, color="C2", label="after training")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("hidden unit (sorted)")
        ax.set_ylim(0, 1)
        ax.grid(True, alpha=0.3)
    axes[0, 0].set_ylabel("mean gate value over the gap")
    axes[0, 0].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_long_gap_examples(
    X: np.ndarray, y: np.ndarray, cue_steps: int, classes=("seizure-free cue", "seizure cue")
) -> plt.Figure:
    """One sequence of each label of the long-gap task, as EEG over time, the cue shaded.

    ``X``: ``(n, seq_len, samples_per_step)`` standardised sequences; ``y``: their labels. The
    first sequence of each label is drawn; the steps are unfolded back into samples.
    """
    fig, axes = plt.subplots(2, 1, figsize=(8, 4.2), sharex=True, sharey=True)
    samples_per_step = X.shape[2]
    for ax, label in zip(axes, (1, 0), strict=True):
        i = int(np.flatnonzero(np.asarray(y) == label)[0])
        signal = np.asarray(X[i]).reshape(-1)  # (seq_len * samples_per_step,)
        t = np.arange(len(signal)) / data.SAMPLING_RATE
        ax.axvspan(0, cue_steps * samples_per_step / data.SAMPLING_RATE, color="0.88", label="cue")
        ax.plot(t, signal, lw=0.7, color="C3" if label == 1 else "C0")
        ax.set_title(f"label {label}: {classes[label]}", fontsize=9)
        ax.set_ylabel("EEG (std.)")
    axes[0].legend(fontsize=8, loc="upper right")
    axes[-1].set_xlabel("time (s)")
    fig.tight_layout()
    return fig


# --- patient visit sequences (chapter: visit sequences) --------------------------------------------


def plot_visit_trajectories(table: pd.DataFrame, ids: list[int]) -> plt.Figure:
    """Log bilirubin at each visit of some patients, against years since registration; a cross
    marks death, a bar the end of follow-up alive (or a transplant)."""
    fig, ax = plt.subplots(figsize=(8, 4.6))
    for i, pid in enumerate(ids):
        p = table[table["id"] == pid]
        years = p["day"] / 365.25
        status = int(p["status"].iloc[0])
        color = f"C{i}"
        label = f"patient {pid} ({visits_outcome(status)})"
        ax.plot(years, p["bili"], marker="o", ms=3.5, lw=1.2, color=color, label=label)
        end = p["futime"].iloc[0] / 365.25
        ax.plot([years.iloc[-1], end], [p["bili"].iloc[-1]] * 2, ls=":", lw=1, color=color)
        ax.plot(end, p["bili"].iloc[-1], marker="x" if status == 2 else "|", ms=9, mew=2,
                color=color)  # fmt: skip
    ax.set_yscale("log")
    ax.set_xlabel("years since registration")
    ax.set_ylabel("serum bilirubin (mg/dl, log scale)")
    ax.legend(fontsize=8, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    fig.tight_layout()
    return fig


def visits_outcome(status: int) -> str:
    return {0: "alive at the end", 1: "transplanted", 2: "died"}[status]


def plot_auroc_intervals(auroc: pd.DataFrame) -> plt.Figure:
    """Each model's AUROC with its 95 % interval, one row per model (top row first)."""
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(auroc) + 1))
    y = np.arange(len(auroc))[::-1]
    ax.errorbar(auroc["auroc"], y, xerr=[auroc["auroc"] - auroc["lo"], auroc["hi"] - auroc["auroc"]],
                fmt="o", color="C0", capsize=4)  # fmt: skip
    ax.set_yticks(y, auroc.index)
    ax.set_xlabel("AUROC, death within two years of a visit (95 % interval)")
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


# --- beyond gates: remedies, parallel recurrences, attention (chapters: beyond_gates, attention) -


def plot_remedies(spread: pd.DataFrame, groups: dict[str, list[str]], chance: float = 0.5):
    """Test accuracy against the gap, one panel per group of models: the mean over the seeds
    (line) and the range from the worst to the best seed (bar).

    ``spread``: ``experiments.long_gap_spread`` (index (model, gap_seconds); columns mean, min,
    max). ``groups``: panel title -> the models it shows, the first being the baseline (black).
    """
    fig, axes = plt.subplots(1, len(groups), figsize=(3.4 * len(groups), 3.6), sharey=True)
    for ax, (title, names) in zip(np.atleast_1d(axes), groups.items(), strict=True):
        for k, name in enumerate(names):
            rows = spread.xs(name, level="model")
            gaps = rows.index.to_numpy(dtype=float) + 0.12 * (k - (len(names) - 1) / 2)
            err = [rows["mean"] - rows["min"], rows["max"] - rows["mean"]]
            ax.errorbar(gaps, rows["mean"], yerr=err, marker="os^D"[k % 4], capsize=3,
                        color="black" if k == 0 else f"C{k - 1}", label=name)  # fmt: skip
        ax.axhline(chance, color="0.5", lw=0.8, ls=":")
        ax.set_title(title, fontsize=10)
        ax.set_xticks(sorted(spread.index.get_level_values("gap_seconds").unique()))
        ax.set_xlabel("gap between cue and answer (s)")
        ax.set_ylim(0.4, 1.0)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="lower left")
    np.atleast_1d(axes)[0].set_ylabel("test accuracy")
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


# --- a first recurrent network -------------------------------------------------------------------


def plot_scalar_memory(curves: dict[float, np.ndarray]) -> plt.Figure:
    """h_t of the scalar recurrence h_t = w h_{t-1} + x_t after one input x_1 = 1, one line per w
    (log scale: fading is a falling straight line, growth a rising one)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    styles = ["-", "--", ":"]
    for (w, h), color, style in zip(curves.items(), ("C0", "C1", "C2"), styles * 3, strict=False):
        t = np.arange(1, len(h) + 1)
        ax.plot(t, h, style, color=color, lw=2, label=f"w = {w:g}")
    ax.set_yscale("log")
    ax.set_xlabel("time step t")
    ax.set_ylabel("h_t (log scale)")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
