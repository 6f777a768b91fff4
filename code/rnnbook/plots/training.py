"""Training and evaluating the seizure models: learning curves, validation histories, confusion
matrices, ROC curves and reliability diagrams.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


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


def plot_reliability(
    curves: dict,
    bins: int = 10,
    labels: tuple[str, str, str] = (
        "observed share of seizures",
        "predicted probability of a seizure",
        "rows",
    ),
) -> plt.Figure:
    """Reliability diagram: `{label: (y, p)}` -> the observed rate against the mean predicted
    probability in each of `bins` equal-width bins (sklearn's `calibration_curve`), with the
    diagonal of perfect calibration, and a histogram of the probabilities below. `labels`: the
    y axis, the x axis and what the histogram counts."""
    from sklearn.calibration import calibration_curve

    fig, (ax, hist) = plt.subplots(
        2, 1, figsize=(4.8, 5.2), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    ax.plot([0, 1], [0, 1], color="0.6", ls="--", lw=0.8, label="perfectly calibrated")
    for (label, (y, p)), marker in zip(curves.items(), "osD^v", strict=False):
        observed, predicted = calibration_curve(y, p, n_bins=bins, strategy="uniform")
        ax.plot(predicted, observed, marker=marker, ms=4, label=label)
        hist.hist(p, bins=bins, range=(0, 1), histtype="step", label=label)
    ax.set_ylabel(labels[0])
    ax.legend(fontsize=7, loc="upper left")
    hist.set_yscale("log")
    hist.set_xlabel(labels[1])
    hist.set_ylabel(labels[2])
    fig.tight_layout()
    return fig
