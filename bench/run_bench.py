"""Benchmark: train every model on both tasks and both splits; write a results table.

    python bench/run_bench.py                      # everything (over an hour on 2 CPU cores)
    python bench/run_bench.py --models conv-gru --tasks binary

Each run is the same as `rnnbook train --model M --task T --split S --seed 0`. Results are
appended run by run to bench/results.json (a run already there is skipped unless --force), and
bench/results.md is rewritten from it, with the machine and date. The book's training chapter
shows this table: it is the one set of numbers the book does not compute during its own build.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

from rnnbook.checkpoints import train_and_save
from rnnbook.cli import DEFAULT_THREADS
from rnnbook.data import TASKS
from rnnbook.evaluate import write_json
from rnnbook.models import EEG_MODELS, MODELS, RECOMMENDED
from rnnbook.timing import cpu_name
from rnnbook.utils import set_threads

HERE = Path(__file__).resolve().parent
SPLITS = ("random", "recording")


def machine() -> dict:
    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
    }


def key(model: str, task: str, split: str) -> str:
    return f"{model}|{task}|{split}"


def load(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {"machine": machine(), "runs": {}}


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Measured on {m['cpu']} ({m['cores']} cores; torch threads per run in the table), "
        f"Python {m['python']}, PyTorch {m['torch']}; seed 0; test accuracy on each split's "
        "test part. `random` is the course lab's random split of the UCI rows (as in the "
        "literature); `recording` keeps every recording in one part (the honest estimate).",
        "",
        "| model | task | split | test acc. | per-class acc. | ROC AUC | epochs | train s | threads | params | date |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines[2] += (
        " Training seconds depend on the load of the machine: each run records the load average"
        " before and after it in results.json."
    )
    order = {name: i for i, name in enumerate(MODELS)}
    runs = sorted(
        results["runs"].values(),
        key=lambda r: (TASKS.index(r["task"]), SPLITS.index(r["split"]), order.get(r["model"], 99)),
    )
    for r in runs:
        per_class = " / ".join(f"{v:.2f}" for v in r["per_class_accuracy"].values())
        auc = f"{r['roc_auc']:.4f}" if "roc_auc" in r else "–"
        star = " ★" if RECOMMENDED.get(r["task"]) == r["model"] else ""
        lines.append(
            f"| {r['model']}{star} | {r['task']} | {r['split']} | {r['accuracy']:.4f} | {per_class} | "
            f"{auc} | {r['epochs']} | {r['train_seconds']:.0f} | {r.get('torch_threads', '?')} | "
            f"{r['parameters']:,} | {r['date']} |"
        )
    lines += ["", "★ the recommended model for the task. Per-class order: "]
    lines[-1] += "Seizure / TumorArea / HealthyArea / EyesClosed / EyesOpen (five-class); "
    lines[-1] += "non-seizure / seizure (binary)."
    return "\n".join(lines) + "\n"


def plan(model_names, tasks, splits) -> list[tuple[str, str, str]]:
    """The runs, most important first: the recommended models and the course recipe's reference
    run on the random split, then every other model, then the split by recording, and last the
    course recipe's other runs (ten minutes each). A task's recommended
    recipe runs on its own task only (conv-gru-binary is conv-gru with the binary epochs)."""
    own_task = {model: task for task, model in RECOMMENDED.items()}
    runs = [
        (m, t, s) for s in splits for t in tasks for m in model_names if own_task.get(m, t) == t
    ]

    def priority(run):
        model, task, split = run
        if model in own_task:
            rank = 0
        elif model == "course-gru":  # ten minutes a run: the reference run first, the rest last
            rank = 1 if (task, split) == ("five-class", "random") else 3
        else:
            rank = 2
        return (rank == 3, SPLITS.index(split), rank)

    return sorted(runs, key=priority)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(EEG_MODELS), choices=list(EEG_MODELS))
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    parser.add_argument("--splits", nargs="+", default=list(SPLITS), choices=SPLITS)
    parser.add_argument("--out", default=str(HERE / "results.json"))
    parser.add_argument("--force", action="store_true", help="re-run runs already in the results")
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"torch threads (default {DEFAULT_THREADS}, as `rnnbook train`: more wait and spin "
        "on a busy machine); recorded in the results",
    )
    parser.add_argument("--device", help="auto (default), cpu, cuda or mps")
    args = parser.parse_args(argv)
    set_threads(args.threads)

    out = Path(args.out)
    results = load(out)
    results["machine"] = machine()
    for model, task, split in plan(args.models, args.tasks, args.splits):
        k = key(model, task, split)
        if k in results["runs"] and not args.force:
            continue
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        r = train_and_save(model=model, task=task, split=split, seed=0, device=args.device)
        r.pop("history", None)
        r["wall_seconds"] = round(time.perf_counter() - start, 1)
        r["date"] = datetime.date.today().isoformat()
        r["torch_threads"] = torch.get_num_threads()
        # Other work on the machine slows training down: keep the load for the record.
        r["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        results["runs"][k] = r
        write_json(out, results)
        out.with_suffix(".md").write_text(markdown(results))
        print(
            f"{model:>12} {task:>10} {split:>9}: acc {r['accuracy']:.4f}, "
            f"{r['train_seconds']:.0f} s",
            flush=True,
        )
    out.with_suffix(".md").write_text(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
