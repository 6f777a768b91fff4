"""The remedies of "Beyond the gated cell": orthogonal and identity initialisation, layer
normalisation, chrono initialisation, minGRU (`REMEDY_CONFIGS`, `remedy_classifier`), each beside
the model it changes (`REMEDY_PAIRS`), on the temporal-order task at `REMEDY_GAP` seconds, run by
`run_long_gap_seeds`; each verdict worded by `remedy_sentence`.
"""

from __future__ import annotations

from torch import nn

from .. import cells, tasks
from ..models import (
    MinRNNClassifier,
    SeqClassifier,
)
from .long_gap import LONG_GAP_HIDDENS

# The gap (seconds) of the remedies' experiment: that at which nine of the ten runs of the LSTM
# with forget bias 1 in the gated-cells chapter stayed near chance.
REMEDY_GAP = 8.0

# What each remedy changes in the long-gap experiment's plain RNN, LSTM or GRU classifier.
REMEDIES = {
    "orthogonal": "tanh RNN, random orthogonal W_hh (Saxe et al. 2014)",
    "irnn": "ReLU RNN, W_hh = identity, zero biases (Le, Jaitly & Hinton 2015)",
    "layernorm": "tanh RNN, layer normalisation of the summed input at every step (Ba et al. 2016)",
    "chrono-lstm": "LSTM, forget-gate biases log U(1, T - 1), input gate the opposite "
    "(Tallec & Ollivier 2018)",
    "chrono-gru": "GRU, update-gate biases log U(1, T - 1) (Tallec & Ollivier 2018)",
    "mingru": "minGRU (Feng et al. 2024), 1 block: gates that read only the input",
    "chrono-mingru": "minGRU, update-gate biases as chrono (its 1 - z keeps the state)",
}

# The experiment of the beyond-gates chapter: each remedy beside the model it changes.
REMEDY_CONFIGS = {
    "RNN": ("rnn", None),
    "RNN, orthogonal": "orthogonal",
    "IRNN": "irnn",
    "RNN, layer norm": "layernorm",
    "LSTM, forget bias 1": ("lstm", 1.0),
    "LSTM, chrono": "chrono-lstm",
    "GRU, update bias 1": ("gru", 1.0),
    "GRU, chrono": "chrono-gru",
    "minGRU": "mingru",
    "minGRU, chrono": "chrono-mingru",
}

# Each remedy -> the model it changes, and how a sentence names that model.
REMEDY_PAIRS = {
    "RNN, orthogonal": ("RNN", "the plain RNN"),
    "IRNN": ("RNN", "the plain RNN"),
    "RNN, layer norm": ("RNN", "the plain RNN"),
    "LSTM, chrono": ("LSTM, forget bias 1", "the LSTM with forget bias 1"),
    "GRU, chrono": ("GRU, update bias 1", "the GRU with update bias 1"),
    "minGRU, chrono": ("minGRU", "the plain minGRU"),
}
# The verdict's three outcomes, worded for "<remedy> ...".
REMEDY_WORDS = ("helped", "made no measurable difference", "hurt")


def remedy_sentence(verdict: str, learnt: int, learnt_base: int, runs: int, base: str) -> str:
    """What a remedy did against the model it changes, for "the IRNN ...": its verdict (one of
    `REMEDY_WORDS`) and how many of each model's `runs` learned the task (test accuracy at least
    `NEAR_CHANCE`).

    >>> remedy_sentence("helped", 6, 0, 10, "the plain RNN")
    'helped: 6 of its 10 runs learned the order, against 0 of the plain RNN's'
    """
    if verdict not in REMEDY_WORDS:
        raise ValueError(f"unknown verdict {verdict!r}; choose one of {REMEDY_WORDS}")
    return f"{verdict}: {learnt} of its {runs} runs learned the order, against {learnt_base} of {base}'s"


def remedy_classifier(
    remedy: str,
    input_size: int = tasks.SAMPLES_PER_STEP,
    t_max: int | None = None,
    num_hiddens: int = LONG_GAP_HIDDENS,
):
    """The builder (``num_classes -> model``) of a long-gap classifier with one remedy applied.

    ``remedy`` is a key of ``REMEDIES``; ``t_max`` (the sequence length, in steps) is the
    longest timescale of the chrono initialisation. Everything else is as in
    ``long_gap_classifier``: 32 hidden units, the last state read by a linear layer.
    """
    if remedy not in REMEDIES:
        raise ValueError(f"unknown remedy {remedy!r}; choose one of {sorted(REMEDIES)}")
    if "chrono" in remedy and (t_max is None or t_max <= 2):
        raise ValueError("chrono initialisation needs t_max, the sequence length in steps (> 2)")

    def build(num_classes: int = 2) -> nn.Module:
        if remedy.endswith("mingru"):
            # One block; the loop over time: the same numbers as the scan, faster on a CPU
            # at this length (the chapter measures both).
            model = MinRNNClassifier(
                "mingru", num_classes, input_size, num_hiddens, 1, "sequential"
            )
            if remedy == "chrono-mingru":
                cells.chrono_bias(model.rnns[0], t_max)
            return model
        cell = {"chrono-lstm": "lstm", "chrono-gru": "gru"}.get(remedy, "rnn")
        model = SeqClassifier(cell, num_classes, input_size=input_size, num_hiddens=num_hiddens)
        if remedy == "orthogonal":
            cells.orthogonal_recurrent(model.rnn)
        elif remedy == "irnn":
            model.rnn = cells.identity_recurrent(
                nn.RNN(input_size, num_hiddens, nonlinearity="relu", batch_first=True)
            )
        elif remedy == "layernorm":
            model.rnn = cells.LayerNormRNN(input_size, num_hiddens)
        else:
            cells.chrono_bias(model.rnn, t_max)
        return model

    build.__name__ = remedy
    return build
