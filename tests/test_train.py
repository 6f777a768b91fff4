"""The one training path (`train`, `Trainer`): it learns on real data, is deterministic on the
device it runs on (CPU, or CUDA with `utils.make_deterministic`), and checkpoints round-trip
safely."""

from __future__ import annotations

import json

import pytest
import torch
from helpers import Evil

from rnnbook import data, evaluate
from rnnbook.checkpoints import load_checkpoint, save_checkpoint
from rnnbook.errors import RNNBookError
from rnnbook.models import MODELS, ConvGRU, build_model
from rnnbook.recipe import Recipe
from rnnbook.train import quiet, train
from rnnbook.utils import set_seed


@pytest.fixture(scope="module")
def binary(table):
    return data.make_tensors(data.split_random(table), "binary")


SMALL = Recipe(epochs=1, batch_size=64, lr=3e-3, max_batches=40)


def small_conv_gru(num_classes):
    return ConvGRU(num_classes, channels=(16, 32, 32), num_hiddens=16)


def test_one_epoch_on_a_subset_learns(binary):
    """One epoch of 40 batches of a small conv-GRU: a couple of seconds."""
    run = train(small_conv_gru, binary, SMALL)
    # Learning is checked on the training rows (test numbers are only reported): the epoch's mean
    # loss is below the untrained model's loss on the same rows.
    with torch.no_grad():
        logits = run.initial.eval()(binary.X_train[:2560])
    untrained = torch.nn.functional.cross_entropy(logits, binary.y_train[:2560])
    assert len(run.history.train_loss) == 1 and run.history.train_loss[0] < float(untrained)
    _, acc = run.trainer.evaluate(binary.X_test, binary.y_test)
    assert acc == run.test_accuracy
    assert run.name == "small_conv_gru" and run.summary()["device"] == str(run.trainer.device)


def test_training_is_deterministic(binary):
    """Same seed, same numbers, on whatever device `train` picks (RNNBOOK_DEVICE, else auto)."""
    a, b = (train(small_conv_gru, binary, SMALL, seed=3) for _ in range(2))
    assert a.history.train_loss == b.history.train_loss
    for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True):
        assert torch.equal(p, q)
    c = train(small_conv_gru, binary, SMALL, seed=4)
    assert c.history.train_loss != a.history.train_loss  # the seed matters


def test_train_by_name_uses_the_recipe_with_changes(binary):
    run = train("mlp-features", binary, epochs=1, max_batches=3, lr=None)
    assert run.recipe == MODELS["mlp-features"].recipe.but(epochs=1, max_batches=3)
    assert run.recipe.lr == MODELS["mlp-features"].recipe.lr
    assert len(run.history.train_loss) == 1
    with pytest.raises(RNNBookError, match="unknown model 'nope'"):
        train("nope", binary)
    with pytest.raises(TypeError, match="no field 'epoch'"):
        train("mlp", binary, epoch=1)


def test_recipe_checks_its_fields():
    with pytest.raises(ValueError, match="unknown optimizer 'sgd'"):
        Recipe(optimizer="sgd")
    with pytest.raises(ValueError, match="unknown schedule"):
        Recipe(schedule="cosine")
    with pytest.raises(ValueError, match="max_batches must be at least 1"):
        Recipe(max_batches=0)


def test_early_stopping_restores_the_best_epoch(binary):
    recipe = Recipe(epochs=6, batch_size=256, lr=1e-2, patience=2, max_batches=5)
    trainer = train("mlp-features", binary, recipe).trainer
    h = trainer.history
    assert 1 <= h.best_epoch <= len(h.valid_acc)
    _, acc = trainer.evaluate(binary.X_valid, binary.y_valid)
    assert acc == pytest.approx(max(h.valid_acc))


def test_metrics(binary):
    y = torch.tensor([0, 0, 1, 1, 1])
    logits = torch.tensor([[2.0, 0], [0, 1], [0, 3], [0, 2], [1, 0]])
    m = evaluate.metrics(y, logits, ("non-seizure", "seizure"))
    assert m["accuracy"] == pytest.approx(3 / 5)
    assert m["confusion_matrix"] == [[1, 1], [1, 2]]
    assert m["seizure_sensitivity"] == pytest.approx(2 / 3)
    assert m["seizure_specificity"] == pytest.approx(1 / 2)
    assert m["roc_auc"] == pytest.approx(5 / 6)  # 5 of the 6 (seizure, other) pairs ranked right
    five = evaluate.metrics(torch.tensor([0, 1, 2]), torch.eye(3, 5), data.CLASS_NAMES)
    assert five["accuracy"] == 1.0 and "roc_auc" not in five
    assert five["per_class_accuracy"]["Seizure"] == 1.0


def test_checkpoint_round_trip(tmp_path):
    set_seed(0)
    model = build_model("cnn", 5)
    path = save_checkpoint(tmp_path / "m.pt", model, {"model": "cnn", "num_classes": 5})
    again, config = load_checkpoint(path)
    X = torch.randn(3, 178, 1)
    model.eval()
    torch.testing.assert_close(again(X), model(X))
    assert config["model"] == "cnn"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt"]


def test_checkpoint_with_pickled_code_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    torch.save({"config": json.dumps({"model": "cnn"}), "state_dict": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(RNNBookError, match="not a safe rnnbook checkpoint"):
        load_checkpoint(tmp_path / "evil.pt")
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "not a safe rnnbook checkpoint"),
        (b"garbage", "not a safe rnnbook checkpoint"),
    ],
)
def test_corrupt_checkpoint(tmp_path, content, message):
    (tmp_path / "bad.pt").write_bytes(content)
    with pytest.raises(RNNBookError, match=message):
        load_checkpoint(tmp_path / "bad.pt")


def test_checkpoint_of_other_shapes_or_models(tmp_path):
    torch.save(
        {"config": json.dumps({"model": "nope", "num_classes": 5}), "state_dict": {}},
        tmp_path / "a.pt",
    )
    with pytest.raises(RNNBookError, match="unknown model 'nope'"):
        load_checkpoint(tmp_path / "a.pt")
    torch.save({"weights": 1}, tmp_path / "b.pt")
    with pytest.raises(RNNBookError, match="not an rnnbook checkpoint"):
        load_checkpoint(tmp_path / "b.pt")
    state = build_model("cnn", 2).state_dict()
    torch.save(
        {"config": json.dumps({"model": "cnn", "num_classes": 5}), "state_dict": state},
        tmp_path / "c.pt",
    )
    with pytest.raises(RNNBookError, match="weights do not fit model 'cnn'"):
        load_checkpoint(tmp_path / "c.pt")
    with pytest.raises(RNNBookError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")


def test_progress_bar_is_silent_in_ci(monkeypatch):
    import sys

    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert not quiet()  # someone watches a terminal: the bar shows
    monkeypatch.setenv("CI", "true")
    assert quiet()
    monkeypatch.delenv("CI")
    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert quiet()
