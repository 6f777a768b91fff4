"""The gated-cells chapter: RNN, LSTM and GRU classifiers after the same brief training
(`BRIEF`, `brief_runs`), for comparing their gates and gradients.
"""

from __future__ import annotations

from .. import data
from ..models import (
    SeqClassifier,
)
from ..recipe import Recipe
from ..train import Run, train

# The brief training: 4 epochs of 50 batches of 64 rows (a random 3,200 of the training rows per
# epoch), AdamW with a one-cycle schedule peaking at lr = 0.01, gradients clipped at norm 1.
BRIEF = Recipe(epochs=4, batch_size=64, lr=1e-2, max_batches=50)


def brief_runs(
    d: data.SeqData,
    cells: tuple[str, ...] = ("rnn", "lstm", "gru"),
    num_hiddens: int = 16,
    memory_bias: float | None = None,
    seed: int = 0,
    recipe: Recipe = BRIEF,
) -> dict[str, Run]:
    """One `SeqClassifier` per cell, each trained with the same recipe, seed and batches, so that
    differences come from the cell alone. `run.initial` keeps each model before training."""
    return {
        cell: train(
            lambda k, cell=cell: SeqClassifier(
                cell, k, num_hiddens=num_hiddens, memory_bias=memory_bias
            ),
            d,
            recipe,
            seed=seed,
        )  # fmt: skip
        for cell in cells
    }
