"""Train-and-report in one call: what `rnnbook train` and `rnnbook evaluate` do.

`train_and_report` trains a named model on a task and split, evaluates it on the test part, and
writes `metrics.json` and `model.pt` (weights plus a JSON config that says how to rebuild the
data). `evaluate_checkpoint` rebuilds that data and recomputes the metrics.
"""

from __future__ import annotations

import os
from dataclasses import asdict, replace
from pathlib import Path

from . import data
from .errors import RNNBookError
from .evaluate import metrics as compute_metrics
from .evaluate import write_json
from .models import MODELS, RECOMMENDED, build_model, count_parameters
from .train import Trainer, load_checkpoint, save_checkpoint
from .utils import set_seed


def _output_dir(out: str | os.PathLike) -> Path:
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RNNBookError(f"--out {out}: exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RNNBookError(f"--out {out}: cannot create the folder ({err.strerror})") from None
    return out


def train_and_report(
    model: str | None = None,
    task: str = "five-class",
    split: str = "random",
    epochs: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    seed: int = 0,
    csv: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
) -> dict:
    """Train, evaluate on the test part, and (with `out`) write metrics.json and model.pt."""
    data.check_task(task)
    name = model or RECOMMENDED[task]
    if name not in MODELS:
        raise RNNBookError(f"unknown model {name!r}; `rnnbook models` lists them")
    out_dir = _output_dir(out) if out is not None else None  # fail before training, not after
    recipe = MODELS[name].recipe
    changes = {"epochs": epochs, "batch_size": batch_size, "lr": lr}
    recipe = replace(recipe, **{k: v for k, v in changes.items() if v is not None})
    d = data.load_data(task, split, standardize=recipe.standardize, csv=csv)

    set_seed(seed)
    net = build_model(name, d.num_classes)
    trainer = Trainer(net, recipe, seed=seed)
    history = trainer.fit(d)
    result = compute_metrics(d.y_test, trainer.predict(d.X_test), d.classes)
    config = {
        "model": name,
        "num_classes": d.num_classes,
        "task": task,
        "split": split,
        "seed": seed,
        "split_seed": data.SEED,
        "csv": str(Path(csv).resolve()) if csv is not None else None,
        "standardize": recipe.standardize,
        "mean": d.mean,
        "std": d.std,
        "recipe": asdict(recipe),
    }
    result.update(
        model=name,
        task=task,
        split=split,
        seed=seed,
        epochs=len(history.train_loss),
        best_epoch=history.best_epoch,
        train_seconds=round(trainer.train_seconds, 2),
        seconds_per_epoch=round(trainer.train_seconds / len(history.train_loss), 3),
        parameters=count_parameters(net),
        n_train=len(d.y_train),
        n_valid=len(d.y_valid),
        n_test=len(d.y_test),
        valid_accuracy=history.valid_acc[history.best_epoch - 1],
        recipe=asdict(recipe),
        history=history.as_dict(),
    )
    if out_dir is not None:
        save_checkpoint(out_dir / "model.pt", net, config)
        write_json(out_dir / "metrics.json", result)
    return result


def evaluate_checkpoint(path: str | os.PathLike, csv: str | os.PathLike | None = None) -> dict:
    """Rebuild the checkpoint's model and test data, and recompute the test metrics."""
    model, config = load_checkpoint(path)
    try:
        task, split, seed = config["task"], config["split"], int(config["seed"])
        split_seed = int(config.get("split_seed", data.SEED))
        csv = csv if csv is not None else config.get("csv")
        standardize = bool(config["standardize"])
    except (KeyError, TypeError, ValueError):
        raise RNNBookError(f"{path}: the checkpoint's config is incomplete") from None
    d = data.load_data(task, split, standardize=standardize, csv=csv, seed=split_seed)
    trainer = Trainer(model, seed=seed)
    result = compute_metrics(d.y_test, trainer.predict(d.X_test), d.classes)
    result.update(model=config["model"], task=task, split=split, seed=seed, n_test=len(d.y_test))
    return result
