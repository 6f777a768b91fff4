"""Checkpoints and the command line's runs: what `rnnbook train` and `rnnbook evaluate` do.

A checkpoint is `{"config": JSON string, "state_dict": tensors}`, written atomically and loaded
with `weights_only=True`, so a file carrying pickled code is refused, never run.
`train_and_save` trains a named model with `rnnbook.train.train` and writes `metrics.json` and
`model.pt` (weights plus a config that says how to rebuild the data); `evaluate_checkpoint`
rebuilds that data and recomputes the test metrics.
"""

from __future__ import annotations

import json
import os
import pickle
import warnings
from pathlib import Path

import torch
from torch import nn

from . import data
from .errors import RNNBookError
from .evaluate import metrics as compute_metrics
from .evaluate import write_json
from .models import MODELS, RECOMMENDED, build_model
from .train import Trainer, train
from .utils import atomic_path, choose_device


def save_checkpoint(path: str | os.PathLike, model: nn.Module, config: dict) -> Path:
    """Write `{"config": json-string, "state_dict": ...}` atomically with torch.save."""
    path = Path(path)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    with atomic_path(path, suffix=".pt") as tmp:
        torch.save({"config": json.dumps(config), "state_dict": state}, tmp)
    return path


def load_checkpoint(path: str | os.PathLike) -> tuple[nn.Module, dict]:
    """Rebuild the model of a checkpoint (on the CPU). Only tensors and plain data are accepted."""
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


def _output_dir(out: str | os.PathLike) -> Path:
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RNNBookError(f"--out {out}: exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RNNBookError(f"--out {out}: cannot create the folder ({err.strerror})") from None
    return out


def train_and_save(
    model: str | None = None,
    task: str = "five-class",
    split: str = "random",
    seed: int = 0,
    csv: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    device: str | None = None,
    **changes,
) -> dict:
    """Train a named model, score it on the test part and (with `out`) write metrics.json and
    model.pt. `changes` override fields of the model's recipe (epochs, batch_size, lr)."""
    data.check_task(task)
    name = model or RECOMMENDED[task]
    if name not in MODELS:
        raise RNNBookError(f"unknown model {name!r}; `rnnbook models` lists them")
    if MODELS[name].data != "eeg":
        raise RNNBookError(f"model {name!r} reads the PBC visits, not the EEG table")
    device = choose_device(device)  # fail on a missing GPU before training, not after
    out_dir = _output_dir(out) if out is not None else None
    recipe = MODELS[name].recipe.but(**changes)
    d = data.load_data(task, split, standardize=recipe.standardize, csv=csv)
    run = train(name, d, recipe, seed=seed, device=device)
    result = run.metrics()
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
        "recipe": recipe.as_dict(),
    }
    result.update(task=task, split=split, **run.summary(), history=run.history.as_dict())
    if out_dir is not None:
        save_checkpoint(out_dir / "model.pt", run.model, config)
        write_json(out_dir / "metrics.json", result)
    return result


def evaluate_checkpoint(
    path: str | os.PathLike, csv: str | os.PathLike | None = None, device: str | None = None
) -> dict:
    """Rebuild the checkpoint's model and test data, and recompute the test metrics."""
    device = choose_device(device)
    model, config = load_checkpoint(path)
    try:
        task, split, seed = config["task"], config["split"], int(config["seed"])
        split_seed = int(config.get("split_seed", data.SEED))
        csv = csv if csv is not None else config.get("csv")
        standardize = bool(config["standardize"])
    except (KeyError, TypeError, ValueError):
        raise RNNBookError(f"{path}: the checkpoint's config is incomplete") from None
    d = data.load_data(task, split, standardize=standardize, csv=csv, seed=split_seed)
    trainer = Trainer(model, seed=seed, device=device)
    result = compute_metrics(d.y_test, trainer.predict(d.X_test), d.classes)
    result.update(
        model=config["model"], task=task, split=split, seed=seed, n_test=len(d.y_test),
        device=str(device),
    )  # fmt: skip
    return result
