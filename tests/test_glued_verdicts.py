"""Every verdict glued into a chapter's prose reads as English whichever way its interval falls.

A verdict is glued under a name with "verdict" or "_v_" in it. Either its sentence frames it as a verdict
("... the verdict is *{glue}* ..." or after a colon), where each of the three outcomes reads, or
its words were written for its sentence: those sentences (`PHRASED`) are rendered here with each
of their three outcomes and checked against the text they must read as. Sentences made whole by
a function are tested with that function (tests/test_verdict_sentences.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
CELL = re.compile(r"^```\{code-cell\}.*?^```\s*$", re.S | re.M)
GLUE = re.compile(r"\{glue:text\}`([^`]+)`")

# name -> (chapter, the three words of its verdict, what the sentence reads as for each).
PHRASED = {
    "at_v_gru-attention_gru-last": (
        "attention",
        ("better", "not measurably different", "worse"),
        "Against the last state, attention was {}; against the mean, <at_v_gru-attention_gru-mean>; against the maximum, <at_v_gru-attention_gru-max>.",
    ),
    "at_v_gru-attention_gru-mean": (
        "attention",
        ("better", "not measurably different", "worse"),
        "Against the last state, attention was <at_v_gru-attention_gru-last>; against the mean, {}; against the maximum, <at_v_gru-attention_gru-max>.",
    ),
    "at_v_gru-attention_gru-max": (
        "attention",
        ("better", "not measurably different", "worse"),
        "Against the last state, attention was <at_v_gru-attention_gru-last>; against the mean, <at_v_gru-attention_gru-mean>; against the maximum, {}.",
    ),
    "at_v_transformer_gru-attention": (
        "attention",
        ("better", "not measurably different", "worse"),
        "Against the attention readout, paired by seed, the Transformer was {} (the last row of "
        "the paired table).",
    ),
    "vs_mlp_binary_verdict": (
        "clinical_evaluation",
        ("measurably higher", "not measurably different", "measurably lower"),
        "Against the baseline on the same rows, the recommended model's AUROC is {} paired over "
        "the test recordings, and <vs_mlp_binary_seeds_verdict> paired by seed.",
    ),
    "split_verdict": (
        "clinical_evaluation",
        ("measurably higher", "not measurably different", "measurably lower"),
        "Against the split by recording, the random split's AUROC is {} and its accuracy "
        "<split_acc_verdict>.",
    ),
    "leak_verdict_5": (
        "clinical_evaluation",
        ("measurably higher than", "not measurably different from", "measurably lower than"),
        "Paired by seed, the five-class accuracy on the random split is {} that on the split by "
        "recording: <leak_diff_5> (interval <leak_ci_5>, 95 %).",
    ),
    "vs_mlp_binary_seeds_verdict": (
        "clinical_evaluation",
        ("measurably higher", "not measurably different", "measurably lower"),
        "Against the baseline on the same rows, the recommended model's AUROC is "
        "<vs_mlp_binary_verdict> paired over the test recordings, and {} paired by seed.",
    ),
    "split_acc_verdict": (
        "clinical_evaluation",
        ("measurably higher", "not measurably different", "measurably lower"),
        "Against the split by recording, the random split's AUROC is <split_verdict> and its "
        "accuracy {}.",
    ),
    "vs_mlp_intracranial_verdict": (
        "clinical_evaluation",
        ("measurably higher", "not measurably different", "measurably lower"),
        "On the intracranial rows (seizure against seizure-free intracranial EEG, prevalence "
        "<prev_intracranial_recording>), the same detector's AUROC is "
        "<rec_intracranial_recording_auroc>: against all rows, <intracranial_verdict> (paired by "
        "seed); against the baseline, {}.",
    ),
    "intracranial_verdict": (
        "clinical_evaluation",
        ("measurably higher", "not measurably different", "measurably lower"),
        "On the intracranial rows (seizure against seizure-free intracranial EEG, prevalence "
        "<prev_intracranial_recording>), the same detector's AUROC is "
        "<rec_intracranial_recording_auroc>: against all rows, {} (paired by seed); against the "
        "baseline, <vs_mlp_intracranial_verdict>.",
    ),
    "first_verdict": (
        "first_rnn",
        ("better than", "not measurably different from", "worse than"),
        "The middle 95 % of those differences, <first_diff_ci>, is the interval (a *bootstrap* "
        "over recordings, `evaluate.paired_difference`; {doc}`clinical_evaluation` returns to "
        "it): the network is {} the baseline.",
    ),
    "lean_lead_verdict": (
        "training",
        ("a measurable lead", "no measurable lead", "a deficit"),
        "The highest test accuracy on this budget is the <lean_best>'s, and against the "
        "<lean_second> it has {}.",
    ),
    "rec_vs_course_verdict": (
        "training",
        (
            "scores measurably higher than",
            "does not score measurably differently from",
            "scores measurably lower than",
        ),
        "On the same test rows, the recommended model after three epochs {} the course's recipe "
        "after one (95 % interval of the difference <rec_vs_course_ci> points, paired over test "
        "recordings; one seed each).",
    ),
}


def sentences_with(chapter: str, name: str) -> list[str]:
    """The prose sentences of `chapter` that glue `name`, the glue written as {} and every other
    glue as <its name>."""
    text = CELL.sub("\n\n", (BOOK / f"{chapter}.md").read_text())
    paragraphs = [re.sub(r"\s+", " ", p) for p in re.split(r"\n\s*\n|^```.*$", text, flags=re.M)]
    found = []
    for sentence in (s for p in paragraphs for s in re.split(r"(?<=[.!?])\s+(?=[A-Z{*])", p)):
        if f"`{name}`" in sentence:
            found.append(
                GLUE.sub(lambda m: "{}" if m.group(1) == name else f"<{m.group(1)}>", sentence)
            )
    return found


def verdict_glues():
    for path in sorted(BOOK.glob("*.md")):
        prose = CELL.sub(" ", path.read_text())
        for name in sorted({n for n in GLUE.findall(prose) if "verdict" in n or "_v_" in n}):
            yield pytest.param(path.stem, name, id=f"{path.stem}:{name}")


@pytest.mark.parametrize("chapter, name", list(verdict_glues()))
def test_a_glued_verdict_is_framed_or_phrased_for_its_sentence(chapter, name):
    sentences = sentences_with(chapter, name)
    assert sentences, "the verdict's sentence was not found"
    if name in PHRASED:
        assert PHRASED[name][0] == chapter
        return
    for sentence in sentences:
        before = re.sub(r"<[^>]*>", "", sentence[: sentence.index("{}")])  # other glues out
        assert "verdict" in before.lower() or before.rstrip(" *").endswith(":"), sentence


@pytest.mark.parametrize("name", list(PHRASED))
def test_a_phrased_verdict_reads_for_each_outcome(name):
    chapter, words, expected = PHRASED[name]
    assert sentences_with(chapter, name) == [expected]
    code = (BOOK / f"{chapter}.md").read_text()
    assert all(f'"{word}"' in code for word in words), "the chapter words its verdict otherwise"
    rendered = [expected.replace("{}", word) for word in words]
    assert len(set(rendered)) == 3 and all(
        word in r for word, r in zip(words, rendered, strict=True)
    )
    # Each rendering is a sentence: one capital start, one full stop, no glue left over.
    for r in rendered:
        assert r[0].isupper() and r.endswith(".") and "{}" not in r
