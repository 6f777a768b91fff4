"""The one way the book trains a model: `train` (build, seed, fit, score) and its `Trainer`.

`train(model, d, recipe)` is what every chapter, test, the command line and the benchmark call:
it seeds, builds the model (a name from `rnnbook.models.MODELS` or a builder), fits it with a
`Trainer` on the chosen device and scores it on the test part, returning a `Run`. The `Trainer`
(in the spirit of minGPT's) follows a `Recipe`: AdamW (or the course lab's Adam), a one-cycle or
constant learning rate, optional gradient clipping and early stopping on validation accuracy
(validation loss for numbers) that restores the best weights, and a per-epoch history. The loss
is the recipe's: cross-entropy over labelled steps (-100 marks padding or no label) or mean
squared error over steps with a target (NaN marks none), so padded many-to-many batches of
patients train on the same loop. Runs are deterministic on the CPU and,
with the settings of `utils.make_deterministic`, on a CUDA GPU.
"""

from __future__ import annotations

import copy
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm

from .data import IGNORE_INDEX, SeqData
from .errors import RNNBookError
from .models import MODELS, count_parameters
from .recipe import Recipe
from .survival import hazard_loss
from .utils import choose_device, make_deterministic, set_seed


@dataclass
class History:
    """Per-epoch loss and accuracy on the training and validation parts."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    valid_loss: list[float] = field(default_factory=list)
    valid_acc: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # wall time of each epoch
    best_epoch: int = 0  # 1-based epoch whose weights were kept

    def as_dict(self) -> dict:
        return asdict(self)


def quiet() -> bool:
    """True when nobody watches: no terminal, CI, or TQDM_DISABLE set (book builds have no tty)."""
    if os.environ.get("TQDM_DISABLE") or os.environ.get("CI"):
        return True
    try:
        import sys

        return not sys.stderr.isatty()
    except (AttributeError, ValueError):
        return True


class Trainer:
    """Train `model` on a `SeqData` with a `Recipe`; `fit` returns the `History`.

    Most code calls `train`, which builds and seeds the model first; the `Trainer` is for a
    model already in hand:

    >>> trainer = Trainer(model, Recipe(epochs=5), seed=0)
    >>> history = trainer.fit(d)          # d = data.load_data(...)
    >>> y_hat = trainer.predict(d.X_test)  # (n, num_classes) logits, on the CPU

    The model moves to `device` (see `utils.choose_device`); inputs move to it batch by batch.
    """

    def __init__(
        self,
        model: nn.Module,
        recipe: Recipe | None = None,
        seed: int = 0,
        device: str | torch.device | None = None,
    ):
        self.recipe = recipe or Recipe()
        self.seed = seed
        self.device = choose_device(device)
        self.model = model.to(self.device)
        self.history = History()
        self.train_seconds = 0.0

    def _optimizer(self) -> torch.optim.Optimizer:
        r = self.recipe
        params = self.model.parameters()
        kind = torch.optim.Adam if r.optimizer == "adam" else torch.optim.AdamW
        return kind(params, lr=r.lr, weight_decay=r.weight_decay)

    def fit(self, d: SeqData, epochs: int | None = None) -> History:
        r = self.recipe
        epochs = epochs or r.epochs
        make_deterministic(self.device)
        set_seed(self.seed)
        generator = torch.Generator().manual_seed(self.seed)
        if r.bucket:  # people of similar length together, each batch cut to its longest
            loader = LengthBuckets(d.X_train, d.y_train, r.batch_size, generator)
        else:
            loader = DataLoader(
                TensorDataset(d.X_train, d.y_train),
                batch_size=r.batch_size,
                shuffle=True,
                generator=generator,
            )
        steps = len(loader) if r.max_batches is None else min(len(loader), r.max_batches)
        optimizer = self._optimizer()
        scheduler = None
        if r.schedule == "onecycle":
            scheduler = torch.optim.lr_scheduler.OneCycleLR(
                optimizer, max_lr=r.lr, total_steps=epochs * steps, pct_start=0.25
            )
        best_score, best_state, waited = -math.inf, None, 0
        bar = tqdm(range(1, epochs + 1), desc="epoch", disable=quiet(), leave=False)
        for epoch in bar:
            start = time.perf_counter()
            self.model.train()
            total, correct, loss_sum = 0, 0, 0.0
            for i, (X, y) in enumerate(loader):
                if i >= steps:
                    break
                X, y = X.to(self.device), y.to(self.device)
                if r.augment:
                    X = augment(X, generator)
                y_hat = self.model(X)  # (batch, num_classes), or (batch, steps, num_classes)
                loss, batch_correct, counted = step_loss(y_hat, y, r.loss, r.class_weights)
                if counted == 0:  # every step of the batch is padding or unlabelled
                    continue
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if r.clip is not None:
                    nn.utils.clip_grad_norm_(self.model.parameters(), r.clip)
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                loss_sum += loss.item() * counted
                correct += batch_correct
                total += counted
            valid_loss, valid_acc = self.evaluate(d.X_valid, d.y_valid)
            seconds = time.perf_counter() - start  # the epoch's training and validation
            self.train_seconds += seconds
            h = self.history
            h.train_loss.append(loss_sum / total)
            h.train_acc.append(correct / total if r.loss == "cross_entropy" else math.nan)
            h.valid_loss.append(valid_loss)
            h.valid_acc.append(valid_acc)
            h.lr.append(optimizer.param_groups[0]["lr"])
            h.seconds.append(seconds)
            bar.set_postfix(loss=f"{loss_sum / total:.3f}", valid_acc=f"{valid_acc:.3f}")
            if not math.isfinite(loss_sum):
                raise RNNBookError(f"training diverged at epoch {epoch} (loss is {loss_sum})")
            # Early stopping watches validation accuracy (classes) or validation loss (numbers).
            score = valid_acc if r.loss == "cross_entropy" else -valid_loss
            if score > best_score:
                best_score, waited, h.best_epoch = score, 0, epoch
                best_state = copy.deepcopy(self.model.state_dict())
            else:
                waited += 1
                if r.patience is not None and waited >= r.patience:
                    break
        if r.patience is not None and best_state is not None:
            self.model.load_state_dict(best_state)
        else:
            self.history.best_epoch = len(self.history.train_loss)
        return self.history

    @torch.no_grad()
    def predict(self, X: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
        """Logits for X, computed in eval mode, in batches."""
        self.model.eval()
        outs = [
            self.model(X[i : i + batch_size].to(self.device)).cpu()
            for i in range(0, len(X), batch_size)
        ]
        return torch.cat(outs)

    def evaluate(self, X: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        """(mean loss, accuracy) on X, y over the labelled steps; accuracy is NaN for "mse"."""
        y_hat = self.predict(X)
        loss, _, _ = step_loss(y_hat, y, self.recipe.loss, self.recipe.class_weights)
        return loss.item(), accuracy(y_hat, y, self.recipe.loss)


class LengthBuckets:
    """Batches of sequences of similar length, for padded visit data (channel 0 of X is 1 at a
    real visit): each epoch, the rows sorted by length (ties in random order) are cut into
    batches, the batches come in random order, and each is trimmed to its longest sequence. A
    model that packs its batch (`VisitGRU`) computes the same outputs; far less padding is read."""

    def __init__(self, X: torch.Tensor, y: torch.Tensor, batch_size: int, generator):
        self.X, self.y, self.batch_size, self.generator = X, y, batch_size, generator
        self.lengths = (X[:, :, 0] > 0).sum(dim=1)  # (rows,) visits per person

    def __len__(self) -> int:
        return math.ceil(len(self.X) / self.batch_size)

    def __iter__(self):
        noise = torch.rand(len(self.X), generator=self.generator)  # shuffles equal lengths
        batches = torch.argsort(self.lengths + noise).split(self.batch_size)
        for k in torch.randperm(len(batches), generator=self.generator).tolist():
            rows = batches[k]
            longest = int(self.lengths[rows].max())
            yield self.X[rows, :longest], self.y[rows, :longest]


def step_loss(
    y_hat: torch.Tensor,
    y: torch.Tensor,
    loss: str = "cross_entropy",
    class_weights: tuple[float, ...] | None = None,
):
    """(mean loss, correct, counted) over the steps that carry a target.

    "cross_entropy": labels `IGNORE_INDEX` (-100) are skipped, and `correct` counts the right
    argmax among the others; `class_weights` weighs each class's steps (the mean is then the
    weighted mean, as in `torch.nn.functional.cross_entropy`). "mse": `y_hat` `(batch, [steps,] 1)`
    against float targets `(batch, [steps])`; NaN targets are skipped and `correct` is 0.
    "hazard": logits `(batch, steps, intervals, 1 + causes)` against `(batch, steps, 2)` targets
    (interval, cause; -100 at padding), `rnnbook.survival.hazard_loss`; `correct` is 0.
    "multilabel": one logit per output `(batch, [steps,] outputs)` against 0/1 targets of the
    same shape, binary cross-entropy over the targets that are not NaN; `correct` is 0.
    """
    if loss == "hazard":  # discrete-time survival: the censored likelihood (rnnbook.survival)
        return hazard_loss(y_hat, y)
    if loss == "multilabel":
        keep = ~torch.isnan(y)
        counted = int(keep.sum())
        value = nn.functional.binary_cross_entropy_with_logits(y_hat[keep], y[keep])
        return value, 0, counted
    if loss == "mse":
        y_hat, y = y_hat.reshape(-1), y.reshape(-1)
        keep = ~torch.isnan(y)
        counted = int(keep.sum())
        return nn.functional.mse_loss(y_hat[keep], y[keep]), 0, counted
    y_hat, y = flat(y_hat, y)
    keep = y != IGNORE_INDEX
    counted = int(keep.sum())
    weight = None if class_weights is None else y_hat.new_tensor(class_weights)
    value = nn.functional.cross_entropy(y_hat, y, weight=weight, ignore_index=IGNORE_INDEX)
    return value, int((y_hat.argmax(1)[keep] == y[keep]).sum()), counted


def accuracy(y_hat: torch.Tensor, y: torch.Tensor, loss: str = "cross_entropy") -> float:
    """Share of labelled rows or steps whose argmax is the label; NaN for "mse" or no labels."""
    if loss != "cross_entropy":
        return math.nan
    y_hat, y = flat(y_hat, y)
    keep = y != IGNORE_INDEX
    if not keep.any():
        return math.nan
    return (y_hat[keep].argmax(1) == y[keep]).float().mean().item()


def flat(y_hat: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Many-to-many outputs `(batch, steps, classes)` and labels `(batch, steps)` become one long
    batch of steps, so one loss and one accuracy serve every task category."""
    if y_hat.dim() == 3:
        return y_hat.reshape(-1, y_hat.shape[-1]), y.reshape(-1)
    return y_hat, y


def augment(X: torch.Tensor, generator: torch.Generator, crop: int = 160) -> torch.Tensor:
    """Label-preserving noise for one-second EEG rows: a random `crop`-sample window of each row
    (where a one-second cut starts is arbitrary) with its amplitude scaled by about ±10 %.

    `(batch, seq_len, input) -> (batch, crop, input)`; the models that use it read any length.
    """
    n, seq_len, _ = X.shape
    offsets = torch.randint(0, seq_len - crop + 1, (n, 1), generator=generator)
    idx = (offsets + torch.arange(crop)).to(X.device)  # (batch, crop)
    X = X.gather(1, idx.unsqueeze(2).expand(-1, -1, X.shape[2]))
    scale = torch.exp(0.1 * torch.randn(n, 1, 1, generator=generator)).to(X.device, X.dtype)
    return X * scale


# --- the one way to train ---------------------------------------------------------------------


Builder = Callable[[int], nn.Module]  # num_classes -> a fresh model


@dataclass
class Run:
    """One training run: the trained model, its trainer, and its scores on the test part."""

    name: str  # the registry name, or the builder's name
    model: nn.Module  # trained, on `trainer.device`
    initial: nn.Module  # the same model before training (a copy, on the CPU)
    trainer: Trainer
    data: SeqData
    y_hat: torch.Tensor  # test logits (CPU): (n, num_classes) or (n, steps, num_classes)
    test_accuracy: float  # of every labelled test row or step; NaN for "mse"

    @property
    def history(self) -> History:
        return self.trainer.history

    @property
    def recipe(self) -> Recipe:
        return self.trainer.recipe

    def metrics(self) -> dict:
        """`rnnbook.evaluate.metrics` of the test logits (many-to-one tasks)."""
        from .evaluate import metrics

        return metrics(self.data.y_test, self.y_hat, self.data.classes)

    def summary(self) -> dict:
        """What a report needs about the run, as plain data (JSON-ready)."""
        h = self.history
        return {
            "model": self.name,
            "seed": self.trainer.seed,
            "device": str(self.trainer.device),
            "threads": torch.get_num_threads(),  # CPU threads of PyTorch's kernels
            "epochs": len(h.train_loss),
            "best_epoch": h.best_epoch,
            "train_seconds": round(self.trainer.train_seconds, 2),
            "seconds_per_epoch": round(self.trainer.train_seconds / max(len(h.train_loss), 1), 3),
            "parameters": count_parameters(self.model),
            "n_train": len(self.data.y_train),
            "n_valid": len(self.data.y_valid),
            "n_test": len(self.data.y_test),
            "valid_accuracy": h.valid_acc[h.best_epoch - 1] if h.best_epoch else None,
            "test_accuracy": self.test_accuracy,
            "recipe": self.recipe.as_dict(),
        }


def train(
    model: str | Builder,
    d: SeqData,
    recipe: Recipe | None = None,
    *,
    seed: int = 0,
    device: str | torch.device | None = None,
    **changes,
) -> Run:
    """Build, seed, train and score: the one training path of the book.

    `model` is a name of `rnnbook.models.MODELS` (its recipe is the default) or a builder,
    `num_classes -> nn.Module` (e.g. `lambda k: SeqClassifier("gru", k)`). The seed is set just
    before the model is built, so the same call gives the same initial weights, batches and
    numbers. `changes` override single fields of the recipe (`epochs=3`; None keeps the value).

    >>> run = train("gru", d, epochs=2)   # d = data.load_data("five-class")
    >>> run.test_accuracy, run.history.valid_acc
    """
    if isinstance(model, str):
        if model not in MODELS:
            raise RNNBookError(f"unknown model {model!r}; `rnnbook models` lists them")
        name, build = model, MODELS[model].build
        recipe = recipe or MODELS[model].recipe
    else:
        name, build = getattr(model, "__name__", type(model).__name__), model
    recipe = (recipe or Recipe()).but(**changes)
    set_seed(seed)
    net = build(d.num_classes)
    initial = copy.deepcopy(net).cpu()
    trainer = Trainer(net, recipe, seed=seed, device=device)
    trainer.fit(d)
    y_hat = trainer.predict(d.X_test)
    test_accuracy = accuracy(y_hat, d.y_test, recipe.loss)
    return Run(name, trainer.model, initial, trainer, d, y_hat, test_accuracy)
