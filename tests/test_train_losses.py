"""The Trainer's losses for padded many-to-many batches: cross-entropy that skips steps labelled
-100, and mean squared error that skips NaN targets; a skipped step costs nothing and counts in
no accuracy."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from rnnbook.data import SeqData
from rnnbook.recipe import Recipe
from rnnbook.train import IGNORE_INDEX, Trainer, step_loss, train


def test_recipe_knows_its_losses():
    assert Recipe().loss == "cross_entropy"
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        Recipe(loss="l1")


def test_cross_entropy_skips_ignored_steps():
    torch.manual_seed(0)
    y_hat = torch.randn(3, 4, 2)  # (batch, steps, classes)
    y = torch.randint(0, 2, (3, 4))
    y[0, 2:] = IGNORE_INDEX
    y[2, 1:] = IGNORE_INDEX
    loss, correct, counted = step_loss(y_hat, y)
    keep = y != IGNORE_INDEX
    assert counted == int(keep.sum()) == 7
    assert torch.allclose(loss, nn.functional.cross_entropy(y_hat[keep], y[keep]))
    assert correct == int((y_hat[keep].argmax(1) == y[keep]).sum())


def test_mse_skips_nan_targets():
    torch.manual_seed(0)
    y_hat = torch.randn(3, 4, 1)
    y = torch.randn(3, 4)
    y[1, 3] = y[2, 0] = math.nan
    loss, correct, counted = step_loss(y_hat, y, "mse")
    keep = ~torch.isnan(y)
    assert (counted, correct) == (10, 0)
    assert torch.allclose(loss, ((y_hat[..., 0][keep] - y[keep]) ** 2).mean())


class StepRegressor(nn.Module):
    def __init__(self, num_classes: int = 1):
        super().__init__()
        self.rnn = nn.GRU(1, 8, batch_first=True)
        self.head = nn.Linear(8, num_classes)

    def forward(self, X):
        return self.head(self.rnn(X)[0])  # (batch, steps, num_classes)


def regression_data(n: int = 96, steps: int = 6) -> SeqData:
    """y is the running mean of X; the last two steps of every other row are padding (NaN)."""
    g = torch.Generator().manual_seed(0)
    parts = []
    for _ in range(3):
        X = torch.randn(n, steps, 1, generator=g)
        y = X[..., 0].cumsum(1) / torch.arange(1, steps + 1)
        y[::2, -2:] = math.nan
        parts += [X, y]
    return SeqData(*parts, task="running-mean", split="random", classes=("mean",), mean=0, std=1)


def test_training_with_mse_learns_and_ignores_padding():
    d = regression_data()
    run = train(StepRegressor, d, Recipe(epochs=15, batch_size=16, lr=1e-2, loss="mse"), seed=0)
    h = run.history
    assert h.valid_loss[-1] < 0.5 * h.valid_loss[0]
    assert math.isnan(run.test_accuracy) and all(math.isnan(a) for a in h.valid_acc)
    # One NaN target that counted would make every loss NaN.
    assert all(math.isfinite(v) for v in h.train_loss + h.valid_loss)


def test_early_stopping_on_the_validation_loss_for_numbers():
    d = regression_data()
    recipe = Recipe(epochs=30, batch_size=16, lr=5e-2, loss="mse", patience=2, schedule="constant")
    trainer = Trainer(StepRegressor(), recipe, seed=0)
    h = trainer.fit(d)
    assert h.best_epoch == 1 + min(range(len(h.valid_loss)), key=h.valid_loss.__getitem__)
    assert trainer.evaluate(d.X_valid, d.y_valid)[0] == pytest.approx(min(h.valid_loss), rel=1e-5)


def test_multilabel_skips_nan_targets():
    torch.manual_seed(0)
    y_hat = torch.randn(2, 3, 4)  # (batch, steps, outputs)
    y = torch.randint(0, 2, (2, 3, 4)).float()
    y[0, 2] = math.nan  # a padded step
    y[1, 0, 1] = math.nan  # one unknown target
    loss, correct, counted = step_loss(y_hat, y, "multilabel")
    keep = ~torch.isnan(y)
    assert (counted, correct) == (24 - 5, 0)
    expected = -(y[keep] * nn.functional.logsigmoid(y_hat[keep])
                 + (1 - y[keep]) * nn.functional.logsigmoid(-y_hat[keep])).mean()  # fmt: skip
    assert torch.allclose(loss, expected)


def test_class_weights_weigh_each_class():
    torch.manual_seed(0)
    y_hat = torch.randn(6, 2)
    y = torch.tensor([0, 0, 0, 1, IGNORE_INDEX, 1])
    loss, _, counted = step_loss(y_hat, y, class_weights=(1.0, 5.0))
    keep = y != IGNORE_INDEX
    each = nn.functional.cross_entropy(y_hat[keep], y[keep], reduction="none")
    w = torch.where(y[keep] == 1, 5.0, 1.0)
    assert counted == 5 and torch.allclose(loss, (w * each).sum() / w.sum())


def test_length_buckets_cover_every_row_once_trimmed_to_the_longest():
    from rnnbook.train import LengthBuckets

    lengths = torch.tensor([1, 7, 3, 3, 9, 2, 5, 8, 4, 6])
    X = torch.zeros(10, 12, 2)
    X[:, :, 1] = torch.arange(10.0)[:, None]  # each row's index, to find it again
    for i, n in enumerate(lengths.tolist()):
        X[i, :n, 0] = 1
    y = torch.zeros(10, 12)
    buckets = LengthBuckets(X, y, batch_size=3, generator=torch.Generator().manual_seed(0))
    batches = list(buckets)
    assert len(batches) == len(buckets) == 4
    rows = torch.cat([xb[:, 0, 1] for xb, _ in batches]).long()
    assert sorted(rows.tolist()) == list(range(10))  # every row once
    for xb, yb in batches:
        seen = lengths[xb[:, 0, 1].long()]
        assert xb.shape[1] == yb.shape[1] == int(seen.max())  # trimmed to its longest
    spans = sorted(int(lengths[xb[:, 0, 1].long()].max() - lengths[xb[:, 0, 1].long()].min())
                   for xb, _ in batches)  # fmt: skip
    assert spans[-1] <= 2  # similar lengths together (sorted: 1 2 3 | 3 4 5 | 6 7 8 | 9)
    again = [xb[:, 0, 1].tolist() for xb, _ in buckets]
    assert again != [xb[:, 0, 1].tolist() for xb, _ in batches]  # a new order each epoch
