"""The training chapter's claims: the recommended model beats the course lab's recipe, on the
page's lean budget and in the committed benchmark; the benchmark meets the floors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnbook import data, evaluate, models
from rnnbook.train import train_named

BENCH = Path(__file__).resolve().parents[1] / "bench" / "results.json"


def test_recommended_beats_the_course_recipe_in_less_time(table):
    split = data.split_random(table)
    raw = data.make_tensors(split, "five-class", standardize=False)
    course = train_named("course-gru", raw, epochs=1)
    course_acc = evaluate.metrics(raw.y_test, course.predict(raw.X_test), raw.classes)["accuracy"]
    d = data.make_tensors(split, "five-class")
    rec = train_named(models.RECOMMENDED["five-class"], d, epochs=3)
    rec_acc = evaluate.metrics(d.y_test, rec.predict(d.X_test), d.classes)["accuracy"]
    # Measured: the course recipe 0.560 after its one epoch (92 s), the recommended model 0.768
    # after three (52 s), both on one thread of a busy machine.
    assert rec_acc > course_acc + 0.05, (rec_acc, course_acc)
    assert rec.train_seconds < course.train_seconds


@pytest.fixture(scope="module")
def bench():
    return json.loads(BENCH.read_text())["runs"]


def test_benchmark_meets_the_floors(bench):
    five = bench[f"{models.RECOMMENDED['five-class']}|five-class|random"]
    binary = bench[f"{models.RECOMMENDED['binary']}|binary|random"]
    assert five["accuracy"] >= 0.82 and binary["accuracy"] >= 0.994
    assert five["accuracy"] > bench["course-gru|five-class|random"]["accuracy"] + 0.1
    for run in (five, binary):
        assert (run["n_train"], run["n_valid"], run["n_test"]) == (7360, 1840, 2300)
        assert run["seed"] == 0


def test_benchmark_runs_are_complete_records(bench):
    for key, run in bench.items():
        model, task, split = key.split("|")
        assert (run["model"], run["task"], run["split"]) == (model, task, split)
        assert 0 <= run["accuracy"] <= 1 and run["train_seconds"] > 0
        assert len(run["per_class_accuracy"]) == (5 if task == "five-class" else 2)
