"""The remedies' experiment of "Beyond the gated cell": orthogonal and identity initialisation,
layer normalisation, chrono initialisation and minGRU (built by `long_gap.remedy_classifier`),
each beside the model it changes (`REMEDY_CONFIGS`, `REMEDY_PAIRS`), on the temporal-order task
at `REMEDY_GAP` seconds, run by `run_long_gap_seeds`; each verdict worded by `remedy_sentence`.
"""

from __future__ import annotations

# The gap (seconds) of the remedies' experiment, fixed before its runs: the longest gap of the
# gated-cells chapter, the hardest test there of the LSTM with forget bias 1.
REMEDY_GAP = 8.0

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
