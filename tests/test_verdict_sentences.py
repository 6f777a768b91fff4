"""Every glued sentence of the gated-cells and beyond-gates chapters' temporal-order comparisons,
rendered with each of the three outcomes of its interval, against the text it must read as."""

from __future__ import annotations

import itertools

import pytest

from rnnbook import experiments

KEYS = ("gated_LSTM_2", "gated_GRU_2", "bias_LSTM_4", "bias_GRU_4", "longer_LSTM_b")
OUTCOMES = {
    "better": (0.25, 0.125, 0.375),
    "none": (0.02, -0.01, 0.05),
    "worse": (-0.25, -0.375, -0.125),
}


def results(**outcome_of):
    return {key: OUTCOMES[outcome_of.get(key, "better")] for key in KEYS}


@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_each_sentence_reads_for_each_outcome(outcome):
    said = experiments.gated_cells_sentences(results(**dict.fromkeys(KEYS, outcome)), 0, 10)
    expected = {
        "better": {
            "s_gate_2": "With the markers two seconds back, paired by seed, the LSTM at PyTorch's "
            "initialisation scored higher than the plain RNN, by 0.25 on average, and the GRU "
            "scored higher than it, by 0.25.",
            "s_bias_4": "With the markers four seconds back, a forget-gate bias of 1 helped the "
            "LSTM, raising its mean accuracy by 0.25, and an update-gate bias of 1 helped the "
            "GRU, raising its mean accuracy by 0.25.",
            "s_longer_8": "From four seconds to eight, the biased LSTM gained ground (mean change "
            "+0.25). None of its 10 runs was near chance at 8 s.",
        },
        "none": {
            "s_gate_2": "With the markers two seconds back, paired by seed, the LSTM at PyTorch's "
            "initialisation showed no measurable difference from the plain RNN (mean difference "
            "+0.02), and the GRU showed no measurable difference from it (mean difference "
            "+0.02).",
            "s_bias_4": "With the markers four seconds back, a forget-gate bias of 1 made no "
            "measurable difference to the LSTM (mean difference +0.02), and an update-gate bias "
            "of 1 made no measurable difference to the GRU (mean difference +0.02).",
            "s_longer_8": "From four seconds to eight, the biased LSTM showed no measurable change "
            "(mean change +0.02). None of its 10 runs was near chance at 8 s.",
        },
        "worse": {
            "s_gate_2": "With the markers two seconds back, paired by seed, the LSTM at PyTorch's "
            "initialisation scored lower than the plain RNN, by 0.25 on average, and the GRU "
            "scored lower than it, by 0.25.",
            "s_bias_4": "With the markers four seconds back, a forget-gate bias of 1 hurt the "
            "LSTM, lowering its mean accuracy by 0.25, and an update-gate bias of 1 hurt the GRU, "
            "lowering its mean accuracy by 0.25.",
            "s_longer_8": "From four seconds to eight, the biased LSTM lost ground, by 0.25 on "
            "average. None of its 10 runs was near chance at 8 s.",
        },
    }[outcome]
    assert said == expected


def test_mixed_outcomes_and_the_limit_clause():
    said = experiments.gated_cells_sentences(
        results(gated_GRU_2="none", bias_LSTM_4="worse", longer_LSTM_b="worse"), 7, 10
    )
    assert (
        "the GRU showed no measurable difference from it (mean difference +0.02)"
        in said["s_gate_2"]
    )
    assert said["s_bias_4"].startswith(
        "With the markers four seconds back, a forget-gate bias of 1 hurt the LSTM"
    )
    assert said["s_longer_8"].endswith(
        "At 8 s, 7 of its 10 runs were near chance: the bias lengthens the reach of the gradient, "
        "but does not make it unlimited."
    )


@pytest.mark.parametrize("gate,bias", list(itertools.product(OUTCOMES, repeat=2)))
def test_the_gating_rule_follows_the_verdicts(gate, bias):
    rule = experiments.gating_rule(
        results(gated_LSTM_2=gate, gated_GRU_2=gate, bias_LSTM_4=bias, bias_GRU_4=bias), 18, 20
    )
    assert ("both gated cells at PyTorch's initialisation measurably beat it" in rule) == (
        gate == "better"
    )
    assert (
        "At 4 s, 18 of the 20 runs of the cells at PyTorch's initialisation were near chance, "
        "and starting the memory gate open "
        + ("measurably helped both cells. " if bias == "better" else "did not measurably help "
           "both cells. ")
    ) in rule  # fmt: skip
    rules = {
        ("better", "better"): "use a gated cell and start its memory gate open;",
        ("better", "other"): "use a gated cell (whether to start its memory gate open, these "
        "runs do not settle);",
        ("other", "better"): "start a gated cell's memory gate open (the gate alone these runs "
        "do not support);",
        ("other", "other"): "measure on your own task: these runs support neither the gate nor "
        "its bias;",
    }  # fmt: skip
    key = tuple(o if o == "better" else "other" for o in (gate, bias))
    assert rules[key] in rule and rule.endswith("clip, and keep the recurrent steps few.")
    assert "{" not in rule and "}" not in rule


@pytest.mark.parametrize(
    "verdict, expected",
    [
        ("helped", "helped: 6 of its 10 runs learned the order, against 1 of the plain RNN's"),
        (
            "made no measurable difference",
            "made no measurable difference: 6 of its 10 runs learned the order, against 1 of the "
            "plain RNN's",
        ),
        ("hurt", "hurt: 6 of its 10 runs learned the order, against 1 of the plain RNN's"),
    ],
)
def test_the_remedy_sentence_reads_for_each_outcome(verdict, expected):
    # The chapter puts "the IRNN" before it.
    assert experiments.remedy_sentence(verdict, 6, 1, 10, "the plain RNN") == expected


def test_the_remedy_sentence_takes_only_the_remedy_words():
    with pytest.raises(ValueError, match="unknown verdict"):
        experiments.remedy_sentence("better", 6, 1, 10, "the plain RNN")
    assert set(experiments.REMEDY_WORDS) == {"helped", "made no measurable difference", "hurt"}


@pytest.mark.parametrize(
    "above, n, expected",
    [
        (4, 4, "All 4 of its bins between a tenth and nine tenths lie above the diagonal: there, "
         "it under-predicts seizure."),
        (0, 4, "All 4 of its bins between a tenth and nine tenths lie below the diagonal: there, "
         "it over-predicts seizure."),
        (1, 4, "Of its 4 bins between a tenth and nine tenths, 1 lies above the diagonal and 3 on "
         "or below it: no one direction of miscalibration."),
        (1, 1, "Its only bin between a tenth and nine tenths with rows lies above the diagonal."),
        (0, 0, "None of its bins between a tenth and nine tenths holds a test row."),
    ],
)  # fmt: skip
def test_the_calibration_sentence_reads_for_each_outcome(above, n, expected):
    assert experiments.middle_bins_sentence(above, n) == expected


def test_bins_above_diagonal_counts_the_middle_bins_only():
    from rnnbook import evaluate

    y = [1, 1, 0, 0, 1, 0]
    p = [0.05, 0.95, 0.25, 0.25, 0.45, 0.45]  # the outer bins do not count
    assert evaluate.bins_above_diagonal(y, p) == (1, 2)  # 0.5 > 0.45; 0 < 0.25


@pytest.mark.parametrize(
    "called, expected",
    [
        (0, "None of the 12 paired comparisons in the table gave a verdict other than no "
         "measurable difference."),
        (1, "Of the 12 paired comparisons in the table, 1 gave a verdict other than no measurable "
         "difference; were there no difference at all, chance alone would give about 0.6, so one "
         "such verdict is weak evidence on its own."),
        (2, "Of the 12 paired comparisons in the table, 2 gave a verdict other than no measurable "
         "difference; were there no difference at all, chance alone would give about 0.6, so "
         "these few verdicts are weak evidence on their own."),
        (5, "Of the 12 paired comparisons in the table, 5 gave a verdict other than no measurable "
         "difference; were there no difference at all, chance alone would give about 0.6: more "
         "than chance alone would give."),
    ],
)  # fmt: skip
def test_the_multiplicity_sentence_reads_for_each_count(called, expected):
    from rnnbook import evaluate

    assert evaluate.multiplicity_sentence(called, 12) == expected
