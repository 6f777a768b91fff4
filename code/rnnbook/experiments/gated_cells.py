"""The gated-cells chapter: RNN, LSTM and GRU classifiers after the same brief training
(`BRIEF`, `brief_runs`), for comparing their gates and gradients; the sentences that word its
temporal-order comparisons (`gated_cells_sentences`, `gating_rule`).
"""

from __future__ import annotations

from .. import data
from ..evaluate import VERDICTS, verdict
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
        )
        for cell in cells
    }


# --- the sentences of the chapter's temporal-order comparisons -----------------------------------
# Each glued sentence has its own words for each of the three verdicts, so that it reads as English
# whatever the intervals say (tests/test_verdict_sentences.py renders every one with each outcome).


def _say(result: tuple[float, float, float], better: str, same: str, worse: str) -> str:
    """One of three phrasings, by the verdict of ``result`` = (mean a - b, low, high); each may
    hold ``{d}`` (the size of the mean difference) and ``{sd}`` (it, signed)."""
    diff, low, high = result
    words = verdict(diff, (low, high), words=(better, same, worse))
    return words.format(d=f"{abs(diff):.2f}", sd=f"{diff:+.2f}")


def gated_cells_sentences(
    results: dict[str, tuple[float, float, float]], near_chance_8: int, runs_8: int
) -> dict[str, str]:
    """The chapter's sentences from its paired results (keys of its ``COMPARISONS``) and the
    number of the biased LSTM's runs near chance at 8 s, out of ``runs_8``."""
    lstm_2 = _say(
        results["gated_LSTM_2"],
        "scored higher than the plain RNN, by {d} on average",
        "showed no measurable difference from the plain RNN (mean difference {sd})",
        "scored lower than the plain RNN, by {d} on average",
    )
    gru_2 = _say(
        results["gated_GRU_2"],
        "scored higher than it, by {d}",
        "showed no measurable difference from it (mean difference {sd})",
        "scored lower than it, by {d}",
    )
    bias = {
        cell: _say(
            results[f"bias_{cell}_4"],
            f"helped the {cell}, raising its mean accuracy by {{d}}",
            f"made no measurable difference to the {cell} (mean difference {{sd}})",
            f"hurt the {cell}, lowering its mean accuracy by {{d}}",
        )
        for cell in ("LSTM", "GRU")
    }
    longer = _say(
        results["longer_LSTM_b"],
        "gained ground (mean change {sd})",
        "showed no measurable change (mean change {sd})",
        "lost ground, by {d} on average",
    )
    limit = (
        f"At 8 s, {near_chance_8} of its {runs_8} runs were near chance: the bias lengthens the "
        "reach of the gradient, but does not make it unlimited."
        if near_chance_8
        else f"None of its {runs_8} runs was near chance at 8 s."
    )
    return {
        "s_gate_2": "With the markers two seconds back, paired by seed, the LSTM at PyTorch's "
        f"initialisation {lstm_2}, and the GRU {gru_2}.",
        "s_bias_4": "With the markers four seconds back, a forget-gate bias of 1 "
        f"{bias['LSTM']}, and an update-gate bias of 1 {bias['GRU']}.",
        "s_longer_8": f"From four seconds to eight, the biased LSTM {longer}. {limit}",
    }


def gating_rule(
    results: dict[str, tuple[float, float, float]], near_chance_4: int, runs_4: int
) -> str:
    """The chapter's closing answer to "when is a gate enough?", from the same verdicts and the
    number of runs of the unbiased cells near chance at 4 s, out of ``runs_4``."""
    gate = [verdict(*_split(results[f"gated_{c}_2"])) == VERDICTS[0] for c in ("LSTM", "GRU")]
    bias = [verdict(*_split(results[f"bias_{c}_4"])) == VERDICTS[0] for c in ("LSTM", "GRU")]
    first = (
        "A gate was enough where the plain RNN failed at 2 s: both gated cells at PyTorch's "
        "initialisation measurably beat it."
        if all(gate)
        else "The gate alone did not measurably beat the plain RNN for both cells at 2 s."
    )
    second = "measurably helped both cells." if all(bias) else "did not measurably help both cells."
    # The practical rule says only what the verdicts support.
    if all(gate) and all(bias):
        rule = "use a gated cell and start its memory gate open"
    elif all(gate):
        rule = "use a gated cell (whether to start its memory gate open, these runs do not settle)"
    elif all(bias):
        rule = "start a gated cell's memory gate open (the gate alone these runs do not support)"
    else:
        rule = "measure on your own task: these runs support neither the gate nor its bias"
    return (
        f"{first} At 4 s, {near_chance_4} of the {runs_4} runs of the cells at PyTorch's "
        f"initialisation were near chance, and starting the memory gate open {second} "
        f"So, where an answer needs an order or an event seconds back: {rule}; clip, and keep "
        "the recurrent steps few."
    )


def _split(result: tuple[float, float, float]) -> tuple[float, tuple[float, float]]:
    diff, low, high = result
    return diff, (low, high)
