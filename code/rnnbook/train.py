"""One training loop for every model in the book: `Trainer` (in the spirit of minGPT's).

Seeded and deterministic on the CPU; AdamW (or the course lab's Adam) with a one-cycle learning
rate schedule; gradient clipping; early stopping on validation accuracy that restores the best
weights; a per-epoch history. Checkpoints are a state dict plus a JSON config, written atomically
and loaded with `weights_only=True`, so a file carrying pickled code is refused, never run.
"""

from __future__ import annotations

import copy
import json
import math
import os
import pickle
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm

from .data import SeqData
from .errors import RNNBookError
from .models import MODELS, Recipe, build_model
from .utils import atomic_path, choose_device, set_seed


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

    >>> trainer = Trainer(model, Recipe(epochs=5), seed=0)
    >>> history = trainer.fit(d)          # d = data.load_data(...)
    >>> y_hat = trainer.predict(d.X_test)  # (n, num_classes) logits
    """

    def __init__(
        self,
        model: nn.Module,
        recipe: Recipe | None = None,
        seed: int = 0,
        device: str | torch.device | None = None,
        max_train_batches: int | None = None,
    ):
        self.recipe = recipe or Recipe()
        self.seed = seed
        self.device = choose_device(device)
        self.model = model.to(self.device)
        self.max_train_batches = max_train_batches  # for quick demonstrations and tests
        self.history = History()
        self.train_seconds = 0.0

    def _optimizer(self) -> torch.optim.Optimizer:
        r = self.recipe
        params = self.model.parameters()
        if r.optimizer == "adam":
            return torch.optim.Adam(params, lr=r.lr, weight_decay=r.weight_decay)
        if r.optimizer == "adamw":
            return torch.optim.AdamW(params, lr=r.lr, weight_decay=r.weight_decay)
        raise ValueError(f"unknown optimizer {r.optimizer!r}")

    def fit(self, d: SeqData, epochs: int | None = None) -> History:
        r = self.recipe
        epochs = epochs or r.epochs
        set_seed(self.seed)
        generator = torch.Generator().manual_seed(self.seed)
        loader = DataLoader(
            TensorDataset(d.X_train, d.y_train),
            batch_size=r.batch_size,
            shuffle=True,
            generator=generator,
        )
        steps = (
            len(loader)
            if self.max_train_batches is None
            else min(len(loader), self.max_train_batches)
        )
        optimizer = self._optimizer()
        scheduler = None
        if r.schedule == "onecycle":
            scheduler = torch.optim.lr_scheduler.OneCycleLR(
                optimizer, max_lr=r.lr, total_steps=epochs * steps, pct_start=0.25
            )
        elif r.schedule != "constant":
            raise ValueError(f"unknown schedule {r.schedule!r}")
        loss_fn = nn.CrossEntropyLoss()
        best_acc, best_state, waited = -1.0, None, 0
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
                y_hat, y = flat(y_hat, y)
                loss = loss_fn(y_hat, y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if r.clip is not None:
                    nn.utils.clip_grad_norm_(self.model.parameters(), r.clip)
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                loss_sum += loss.item() * len(y)
                correct += (y_hat.argmax(1) == y).sum().item()
                total += len(y)
            valid_loss, valid_acc = self.evaluate(d.X_valid, d.y_valid)
            seconds = time.perf_counter() - start  # the epoch's training and validation
            self.train_seconds += seconds
            h = self.history
            h.train_loss.append(loss_sum / total)
            h.train_acc.append(correct / total)
            h.valid_loss.append(valid_loss)
            h.valid_acc.append(valid_acc)
            h.lr.append(optimizer.param_groups[0]["lr"])
            h.seconds.append(seconds)
            bar.set_postfix(loss=f"{loss_sum / total:.3f}", valid_acc=f"{valid_acc:.3f}")
            if not math.isfinite(loss_sum):
                raise RNNBookError(f"training diverged at epoch {epoch} (loss is {loss_sum})")
            if valid_acc > best_acc:
                best_acc, waited, h.best_epoch = valid_acc, 0, epoch
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
        """(mean cross-entropy, accuracy) on X, y."""
        y_hat, y = flat(self.predict(X), y)
        loss = nn.functional.cross_entropy(y_hat, y).item()
        return loss, (y_hat.argmax(1) == y).float().mean().item()


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


# --- checkpoints ---------------------------------------------------------------------------------


def save_checkpoint(path: str | os.PathLike, model: nn.Module, config: dict) -> Path:
    """Write `{"config": json-string, "state_dict": ...}` atomically with torch.save."""
    path = Path(path)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    with atomic_path(path, suffix=".pt") as tmp:
        torch.save({"config": json.dumps(config), "state_dict": state}, tmp)
    return path


def load_checkpoint(path: str | os.PathLike) -> tuple[nn.Module, dict]:
    """Rebuild the model of a checkpoint. Only tensors and plain data are accepted."""
    path = Path(path)
    if not path.is_file():
        raise RNNBookError(f"{path}: no such checkpoint")
    try:
        with warnings.catch_warnings():  # torch warns about odd pickle protocols; we refuse anyway
            warnings.simplefilter("ignore")
            blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # a hostile or broken file may raise anything while unpickling
        if isinstance(err, pickle.UnpicklingError):
            reason = "it holds more than tensors and plain data, so weights_only=True refused it"
        else:
            first = str(err).strip().splitlines()[0][:120] if str(err).strip() else ""
            reason = f"{type(err).__name__}: {first}"
        raise RNNBookError(f"{path}: not a safe rnnbook checkpoint ({reason})") from None
    if not isinstance(blob, dict) or "config" not in blob or "state_dict" not in blob:
        raise RNNBookError(f"{path}: not an rnnbook checkpoint (no config and state_dict)")
    try:
        config = json.loads(blob["config"])
        name, num_classes = config["model"], int(config["num_classes"])
    except (TypeError, ValueError, KeyError):
        raise RNNBookError(f"{path}: the checkpoint's config is unreadable") from None
    if name not in MODELS:
        raise RNNBookError(f"{path}: unknown model {name!r} in the checkpoint")
    model = build_model(name, num_classes)
    try:
        model.load_state_dict(blob["state_dict"])
    except (RuntimeError, TypeError, AttributeError) as err:
        first = str(err).strip().splitlines()[0][:160]
        raise RNNBookError(f"{path}: weights do not fit model {name!r} ({first})") from None
    model.eval()
    return model, config


def train_named(
    name: str, d: SeqData, seed: int = 0, epochs: int | None = None, **overrides
) -> Trainer:
    """Build the named model with its recipe (optionally overridden) and train it on `d`."""
    spec = MODELS[name]
    recipe = Recipe(
        **{**asdict(spec.recipe), **({"epochs": epochs} if epochs else {}), **overrides}
    )
    set_seed(seed)
    trainer = Trainer(build_model(name, d.num_classes), recipe, seed=seed)
    trainer.fit(d)
    return trainer


def as_floats(values) -> list[float]:
    return [float(v) for v in np.asarray(values).ravel()]


def fit_and_score(
    model: nn.Module, d: SeqData, epochs: int, seed: int = 0, **recipe
) -> tuple[Trainer, float]:
    """Train `model` on `d` for `epochs` with a `Recipe(**recipe)`; return it and its test accuracy.

    The chapters' and tests' short experiments use this, so both run exactly the same thing.
    """
    set_seed(seed)
    trainer = Trainer(model, Recipe(epochs=epochs, **recipe), seed=seed)
    trainer.fit(d)
    _, accuracy = trainer.evaluate(d.X_test, d.y_test)
    return trainer, accuracy
