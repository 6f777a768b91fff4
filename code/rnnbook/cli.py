"""The `rnnbook` command line (also `python -m rnnbook`).

    rnnbook data verify             find or download the EEG archives, the PBC visits and the
                                    NAFLD cohort's three tables, verify them
    rnnbook data info               classes, counts, sampling rate, durations; the cohort's
                                    counts and the errors found inside its files
    rnnbook data export-uci PATH    write the UCI-layout CSV
    rnnbook models                  list the models with a one-line description
    rnnbook train [...] --out DIR   train a model, write DIR/metrics.json and DIR/model.pt
    rnnbook evaluate CHECKPOINT     recompute a checkpoint's test metrics

`--help` and the `data` commands never import torch, so they start fast; train and evaluate
take `--device auto|cpu|cuda|mps` (default `RNNBOOK_DEVICE`, else auto) and `--threads N`
(default 1: the book's models are small, and OpenMP threads that wait for a busy core spin, so
two threads gain little on a quiet machine and can be several times slower on a busy one).

A user mistake prints one line, `rnnbook: error: ...`, and exits non-zero (2 for a wrong
argument, as argparse does; 1 otherwise). Only bugs show a traceback.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from . import data
from .errors import RNNBookError


def cmd_data_verify(args: argparse.Namespace) -> None:
    from . import cohort, visits

    paths = data.fetch_archives()
    recordings = data.load_recordings()
    folder = next(iter(paths.values())).parent
    print(f"archives in {folder}: {', '.join(p.name for p in paths.values())} (SHA-256 verified)")
    print(
        f"{len(recordings)} recordings x {data.SAMPLES_PER_RECORDING} samples at "
        f"{data.SAMPLING_RATE} Hz; UCI table {len(recordings) * data.CHUNKS_PER_RECORDING} rows"
    )
    path = visits.fetch_pbcseq()
    table = visits.read_pbcseq(path)
    print(
        f"{path} (SHA-256 verified): {len(table)} visits of {table['id'].nunique()} patients "
        "(PBC, Mayo Clinic)"
    )
    c = cohort.read_cohort()  # found or downloaded, verified by SHA-256, then validated
    print(
        f"cohort in {cohort.cohort_dir()}: {', '.join(cohort.FILES.values())} "
        f"(SHA-256 verified): {len(c.people)} people, {len(c.measurements)} measurements, "
        f"{len(c.events)} coded events (NAFLD, Olmsted County)"
    )


def cmd_data_info(args: argparse.Namespace) -> None:
    from . import cohort

    if args.csv:
        table = data.read_uci_csv(args.csv)
        counts = table["y"].value_counts().sort_index()
        print(f"{args.csv}: {len(table)} rows, {table['recording'].nunique()} recordings")
        for y, n in counts.items():
            print(f"  y={y} {data.CLASS_NAMES[y - 1]:<12} {n} rows")
        return
    table = data.summary()
    print(
        f"sampling rate {data.SAMPLING_RATE} Hz; recording {data.SAMPLES_PER_RECORDING} samples "
        f"({data.SAMPLES_PER_RECORDING / data.SAMPLING_RATE:.1f} s); UCI row {data.SEQ_LEN} samples "
        f"({data.SEQ_LEN / data.SAMPLING_RATE:.2f} s), {data.CHUNKS_PER_RECORDING} per recording"
    )
    print(table.to_string(index=False))
    print(
        f"total: {table['recordings'].sum()} recordings, {table['rows'].sum()} rows, "
        f"{table['seconds'].sum() / 60:.1f} minutes of EEG"
    )
    c = cohort.read_cohort()
    print(f"\nNAFLD cohort ({cohort.cohort_dir()}), as read:")
    print(cohort.summary(c).to_string())
    print("errors inside its files (rows each finds; what cohort.clean does):")
    print(cohort.data_errors(c).to_string())


def cmd_data_export(args: argparse.Namespace) -> None:
    path = data.export_uci_csv(args.path)
    print(f"wrote {path} ({len(data.uci_table())} rows, header id,X1,...,X{data.SEQ_LEN},y)")


def cmd_models(args: argparse.Namespace) -> None:
    from .models import MODELS, RECOMMENDED

    width = max(len(n) for n in MODELS)
    for name, spec in MODELS.items():
        tasks = [task for task, model in RECOMMENDED.items() if model == name]
        mark = f" (recommended for {', '.join(tasks)})" if tasks else ""
        print(f"{name:<{width}}  {spec.description}{mark}")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def finite_positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, got {text}")
    return value


def _check_model(parser: argparse.ArgumentParser, name: str | None) -> None:
    """An unknown --model is an argument error (exit 2), found without importing torch first."""
    from .models import EEG_MODELS, MODELS

    choices = ", ".join(EEG_MODELS)
    if name is not None and name in MODELS and name not in EEG_MODELS:
        parser.error(
            f"argument --model: {name!r} reads the PBC visits, not the EEG table "
            f"(choose from {choices})"
        )
    if name is not None and name not in MODELS:
        parser.error(f"argument --model: invalid choice: {name!r} (choose from {choices})")


def cmd_train(args: argparse.Namespace) -> None:
    _check_model(args.parser, args.model)
    from .checkpoints import train_and_save
    from .utils import set_threads

    set_threads(args.threads)
    metrics = train_and_save(
        model=args.model,
        task=args.task,
        split=args.split,
        seed=args.seed,
        csv=args.csv,
        out=args.out,
        device=args.device,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
    )
    print(
        f"{metrics['model']} on {metrics['task']} ({metrics['split']} split, {metrics['device']}): "
        f"test accuracy {metrics['accuracy']:.4f} after {metrics['epochs']} epochs, "
        f"{metrics['train_seconds']:.0f} s; "
        f"wrote {Path(args.out) / 'metrics.json'} and {Path(args.out) / 'model.pt'}"
    )


def cmd_evaluate(args: argparse.Namespace) -> None:
    from .checkpoints import evaluate_checkpoint
    from .utils import set_threads

    set_threads(args.threads)
    metrics = evaluate_checkpoint(args.checkpoint, csv=args.csv, device=args.device)
    print(
        f"{metrics['model']} on {metrics['task']} ({metrics['split']} split): test accuracy "
        f"{metrics['accuracy']:.4f}"
    )
    for name, acc in metrics["per_class_accuracy"].items():
        print(f"  {name:<12} {acc:.3f}")
    if "roc_auc" in metrics:
        print(f"  ROC AUC      {metrics['roc_auc']:.4f}")


DEFAULT_THREADS = 1
# utils.DEVICES, written again because utils imports torch, which `--help` must not wait for
# (tests/test_cli_train.py checks that the two agree).
DEVICES = ("auto", "cpu", "cuda", "mps")
DEVICE_HELP = "auto (default: a CUDA GPU if there is one, else the CPU), cpu, cuda or mps"


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """--device and --threads, shared by train and evaluate."""
    parser.add_argument(
        "--device",
        choices=DEVICES,
        default=None,
        help=f"{DEVICE_HELP}; RNNBOOK_DEVICE sets the default",
    )
    parser.add_argument(
        "--threads",
        type=positive_int,
        default=DEFAULT_THREADS,
        help=(
            f"CPU threads for PyTorch (default {DEFAULT_THREADS}: models this small gain little "
            "from more, and on a machine whose cores are busy extra threads wait and spin, "
            "which can make training several times slower); recorded in metrics.json"
        ),
    )


def register_model_commands(commands) -> None:
    """models, train and evaluate. Parsing them imports no torch: models are checked on use."""
    from .data import TASKS

    commands.add_parser("models", help="list the models").set_defaults(func=cmd_models)
    train = commands.add_parser("train", help="train a model and write its metrics and weights")
    train.add_argument(
        "--model", metavar="NAME", help="a name from `rnnbook models` (default: the recommended)"
    )
    train.add_argument("--task", choices=TASKS, default="five-class")
    train.add_argument("--split", choices=tuple(data.SPLITS), default="random")
    train.add_argument("--epochs", type=positive_int, help="default: the model's recipe")
    train.add_argument("--batch-size", type=positive_int, help="default: the model's recipe")
    train.add_argument("--lr", type=finite_positive_float, help="default: the model's recipe")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--csv", metavar="PATH", help="train on a copy of the UCI CSV instead")
    train.add_argument("--out", metavar="DIR", required=True, help="folder for the results")
    add_run_options(train)
    train.set_defaults(func=cmd_train, parser=train)
    evaluate = commands.add_parser("evaluate", help="recompute the test metrics of a checkpoint")
    evaluate.add_argument("checkpoint", metavar="CHECKPOINT")
    evaluate.add_argument("--csv", metavar="PATH", help="evaluate on a copy of the UCI CSV")
    add_run_options(evaluate)
    evaluate.set_defaults(func=cmd_evaluate)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnnbook",
        description="Recurrent Neural Networks for Healthcare: data, models and training.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    data_parser = commands.add_parser(
        "data", help="the data: Bonn EEG archives, UCI table, PBC visits, NAFLD cohort"
    )
    data_commands = data_parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    data_commands.add_parser(
        "verify",
        help="find or download the EEG archives, the PBC visits and the NAFLD cohort; verify them",
    ).set_defaults(func=cmd_data_verify)
    info = data_commands.add_parser(
        "info", help="classes, counts, sampling rate, durations; the cohort's counts and errors"
    )
    info.add_argument("--csv", metavar="PATH", help="describe a copy of the UCI CSV instead")
    info.set_defaults(func=cmd_data_info)
    export = data_commands.add_parser("export-uci", help="write the UCI-layout CSV to PATH")
    export.add_argument("path", metavar="PATH")
    export.set_defaults(func=cmd_data_export)

    register_model_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except RNNBookError as err:
        print(f"rnnbook: error: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `rnnbook evaluate ... | head -1`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("rnnbook: interrupted", file=sys.stderr)
        return 130
    return 0
