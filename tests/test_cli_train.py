"""`rnnbook models`, `train` and `evaluate` as a user runs them, including every error path."""

from __future__ import annotations

import json

import pytest
import torch
from helpers import Evil, assert_one_line_error, run

from rnnbook import data
from rnnbook.models import MODELS


def test_models_lists_every_name():
    result = run("models")
    assert result.returncode == 0
    for name in MODELS:
        assert name in result.stdout
    assert "(recommended for five-class)" in result.stdout
    assert "(recommended for binary, intracranial)" in result.stdout


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    result = run(
        "train", "--model", "mlp-features", "--task", "binary", "--epochs", "2",
        "--device", "cpu", "--threads", "1", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out, result


def test_train_writes_metrics_and_checkpoint(trained):
    out, result = trained
    metrics = json.loads((out / "metrics.json").read_text())
    for key in (
        "accuracy",
        "per_class_accuracy",
        "confusion_matrix",
        "roc_auc",
        "train_seconds",
        "epochs",
        "model",
        "task",
        "split",
        "seed",
        "n_train",
        "n_valid",
        "n_test",
    ):
        assert key in metrics
    assert (metrics["n_train"], metrics["n_valid"], metrics["n_test"]) == (7360, 1840, 2300)
    assert metrics["epochs"] == 2 and metrics["model"] == "mlp-features"
    assert metrics["device"] == "cpu"  # asked for with --device cpu
    assert metrics["threads"] == 1  # as asked for with --threads 1
    assert metrics["accuracy"] > 0.9  # seizure vs rest from summary features, 2 epochs
    assert (out / "model.pt").is_file()
    assert "test accuracy" in result.stdout


def test_evaluate_recomputes_the_metrics(trained):
    out, _ = trained
    result = run("evaluate", str(out / "model.pt"))
    assert result.returncode == 0, result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert f"test accuracy {metrics['accuracy']:.4f}" in result.stdout
    assert "ROC AUC" in result.stdout


def test_train_on_a_users_csv(tmp_path):
    csv = tmp_path / "uci.csv"
    data.export_uci_csv(csv)
    result = run(
        "train",
        "--model",
        "mlp-features",
        "--task",
        "binary",
        "--split",
        "recording",
        "--epochs",
        "1",
        "--csv",
        str(csv),
        "--out",
        str(tmp_path / "o"),
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert metrics["split"] == "recording" and metrics["n_test"] == 2300


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["--epochs", "0"], "--epochs: must be at least 1"),
        (["--epochs", "-3"], "--epochs: must be at least 1"),
        (["--batch-size", "0"], "--batch-size: must be at least 1"),
        (["--batch-size", "ten"], "--batch-size: not a whole number"),
        (["--lr", "nan"], "--lr: must be a finite number above 0"),
        (["--lr", "inf"], "--lr: must be a finite number above 0"),
        (["--lr", "-1"], "--lr: must be a finite number above 0"),
        (["--model", "mamba"], "--model: invalid choice"),
        (["--model", "gru-d"], "--model: 'gru-d' reads the PBC visits, not the EEG table"),
        (["--task", "three-class"], "--task: invalid choice"),
        ([], "the following arguments are required: --out"),
        (["--device", "tpu"], "--device: invalid choice"),
        (["--threads", "0"], "--threads: must be at least 1"),
    ],
)
def test_train_argument_errors_exit_2(tmp_path, args, fragment):
    out = [] if not args else ["--out", str(tmp_path / "o")]
    result = run("train", *args, *out)
    assert result.returncode == 2
    assert "usage:" in result.stderr and fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_a_missing_gpu_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    result = run("train", "--model", "mlp", "--device", "cuda", "--out", str(tmp_path / "o"))
    assert_one_line_error(result, 1, "PyTorch sees no CUDA GPU")
    assert not (tmp_path / "o").exists()


def test_train_into_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    result = run("train", "--model", "mlp", "--epochs", "1", "--out", str(tmp_path / "f"))
    assert_one_line_error(result, 1, "exists and is not a folder")


def test_train_with_a_broken_csv(tmp_path):
    (tmp_path / "b.csv").write_text(",X1,y\n1,2,3\n")
    result = run(
        "train",
        "--model",
        "mlp",
        "--epochs",
        "1",
        "--csv",
        str(tmp_path / "b.csv"),
        "--out",
        str(tmp_path / "o"),
    )
    assert_one_line_error(result, 1, "column X2 is missing")


@pytest.mark.parametrize("kind", ["missing", "corrupt", "hostile"])
def test_evaluate_bad_checkpoints(tmp_path, kind):
    path = tmp_path / "m.pt"
    if kind == "corrupt":
        path.write_bytes(b"\x80\x04garbage")
    elif kind == "hostile":
        torch.save({"config": "{}", "state_dict": Evil()}, path)
    result = run("evaluate", str(path), cwd=tmp_path)
    fragment = "no such checkpoint" if kind == "missing" else "not a safe rnnbook checkpoint"
    assert_one_line_error(result, 1, fragment)
    assert not (tmp_path / "pwned").exists()


def test_threads_default_to_one_and_help_says_why():
    """One thread unless asked: on a machine whose other core is busy, more OpenMP threads made an
    epoch several times slower; the default and its reason are in --help."""
    from rnnbook.cli import DEFAULT_THREADS, build_parser

    args = build_parser().parse_args(["train", "--out", "x"])
    assert args.threads == DEFAULT_THREADS == 1
    assert build_parser().parse_args(["train", "--out", "x", "--threads", "2"]).threads == 2
    result = run("train", "--help")
    assert "--threads" in result.stdout and "default 1" in result.stdout


def test_train_and_save_refuses_a_model_of_the_visits():
    from rnnbook.checkpoints import train_and_save
    from rnnbook.errors import RNNBookError

    with pytest.raises(RNNBookError, match="'hazard-gru' reads the PBC visits, not the EEG table"):
        train_and_save(model="hazard-gru", task="binary", split="random", epochs=1)


def test_every_task_has_a_recommended_model():
    """`rnnbook train --task T` without `--model` trains the recommended model of T: every task
    has one (the intracranial task once ended in a KeyError)."""
    from rnnbook.models import RECOMMENDED

    assert set(RECOMMENDED) == set(data.TASKS)
    assert all(MODELS[name].data == "eeg" for name in RECOMMENDED.values())


def test_train_the_intracranial_task_without_a_model(tmp_path):
    from rnnbook.checkpoints import train_and_save

    metrics = train_and_save(
        task="intracranial", split="recording", out=tmp_path / "run", epochs=1, max_batches=2
    )
    assert metrics["model"] == "conv-gru-binary" and metrics["task"] == "intracranial"
    assert (tmp_path / "run" / "metrics.json").exists()


def test_the_command_lines_choices_are_the_packages():
    from rnnbook import cli, utils

    assert cli.DEVICES == utils.DEVICES
    parser = cli.build_parser()
    assert parser.parse_args(["train", "--out", "x", "--split", "recording"]).split == "recording"
    assert set(data.SPLITS) == {"random", "recording"}
