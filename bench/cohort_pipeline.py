"""Benchmark: the health-records pipeline from long tables to tensors, and an epoch with bucketing.

    python bench/cohort_pipeline.py                   # CPU, one torch thread (--threads N for more)
    python bench/cohort_pipeline.py --device cuda     # the epochs on a GPU (the pipeline is NumPy)

Two questions. (1) What does it cost to turn the NAFLD cohort's long tables (17,549 people) into
the recurrent model's tensors, stage by stage (`cohort.read_cohort`, `cohort.clean`,
`records.visit_table`, `records.visit_tensors`, `records.next_codes`, `records.summary_features`),
and how does that grow with the number of people? The four record stages are timed on the
cleaned cohort and on synthetic copies of it with 2, 5 and 10 times the people (each copy's ids
shifted by k * (largest id + 1), so the copies are distinct people); reading and cleaning only on
the real files. The growth is the slope of log time against log people (1 is linear).
(2) What does one training epoch of the death task's `CodeGRU` cost (AdamW, batches of 128, the
chapter's recipe: one-cycle rate, gradient clipping) with batches drawn at random, as the
`Trainer` does (every batch padded to 64 visits), against batches of people with similar numbers
of visits ("bucketing": sorted by visits, cut into batches, the batches' order shuffled, each
trimmed to its longest sequence)? CodeGRU packs each sequence by its visit flag (channel 0), so
the trimmed padding was never read. Each time is the fastest of 3 (`rnnbook.timing.fastest`);
an epoch is training only (no validation). Results go to bench/cohort_pipeline.json, keyed by
device, and bench/cohort_pipeline.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from rnnbook import cohort, records
from rnnbook.cli import DEFAULT_THREADS
from rnnbook.evaluate import write_json
from rnnbook.experiments import health_records
from rnnbook.timing import fastest
from rnnbook.train import step_loss
from rnnbook.utils import choose_device, set_seed, set_threads

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_bench import machine  # noqa: E402

HERE = Path(__file__).resolve().parent
SIZES = (1, 2, 5, 10)
RECORD_STAGES = ("visit_table", "visit_tensors", "next_codes", "summary_features")
EPOCH_KINDS = {
    "random": "batches drawn at random, padded to 64 visits (as the Trainer)",
    "random, trimmed": "batches drawn at random, each trimmed to its longest sequence",
    "bucketed": "batches of similar length, order shuffled, each trimmed to its longest",
}


def timed(fn: Callable, repeats: int):
    """(the fastest of `repeats` calls of `fn`, in seconds; the last call's result)."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return fastest(times), out


def copies(c: cohort.Cohort, k: int) -> cohort.Cohort:
    """`k` copies of the cohort as distinct people: copy j's ids (and matched-set ids) shifted by
    j * (largest id + 1); still sorted by id (and day), as the cleaned tables are."""
    shift = int(c.people["id"].max()) + 1

    def stack(table: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
        parts = [table.assign(**{col: table[col] + j * shift for col in columns}) for j in range(k)]
        return pd.concat(parts, ignore_index=True)

    out = cohort.Cohort(
        stack(c.people, ("id", "case_id")),
        stack(c.measurements, ("id",)),
        stack(c.events, ("id",)),
    )
    for table in (out.measurements, out.events):  # copies in order keep the (id, days) order
        key = table["id"].to_numpy(np.int64) * 100_000 + table["days"].to_numpy(np.int64)
        assert np.all(np.diff(key) >= 0), "a copied table lost its (id, days) order"
    assert out.people["id"].is_monotonic_increasing
    return out


def record_stages(c: cohort.Cohort, repeats: int) -> dict[str, float]:
    """Seconds of each record stage on the cleaned cohort `c` (the fastest of `repeats`)."""
    s = {}
    s["visit_table"], visits = timed(lambda: records.visit_table(c), repeats)
    s["visit_tensors"], rt = timed(lambda: records.visit_tensors(c, visits), repeats)
    s["next_codes"], _ = timed(lambda: records.next_codes(c, visits), repeats)
    s["summary_features"], _ = timed(lambda: records.summary_features(rt), repeats)
    return s


def slope(people: list[int], seconds: list[float]) -> float:
    """The least-squares slope of log seconds against log people (1: time grows linearly)."""
    return float(np.polyfit(np.log(people), np.log(seconds), 1)[0])


def pipeline(repeats: int, sizes: tuple[int, ...]) -> dict:
    """The stage times at 1x (reading and cleaning included) and the record stages at `sizes`."""
    read_s, raw = timed(cohort.read_cohort, repeats)
    clean_s, c = timed(lambda: cohort.clean(raw), repeats)
    out = {"read_cohort": read_s, "clean": clean_s, "sizes": {}}
    for k in sizes:
        big = c if k == 1 else copies(c, k)
        stages = record_stages(big, repeats)
        total = sum(stages.values())
        n = len(big.people)
        out["sizes"][str(k)] = {
            "people": n,
            "measurements": len(big.measurements),
            "events": len(big.events),
            "seconds": {name: round(v, 4) for name, v in stages.items()},
            "total": round(total, 4),
            "seconds_per_1000_people": round(1000 * total / n, 4),
        }
        print(f"{k:>3}x {n:>7,} people: "
              + ", ".join(f"{name} {v:.3f}" for name, v in stages.items())
              + f"; total {total:.3f} s", flush=True)  # fmt: skip
        del big
    rows = out["sizes"]
    people = [rows[str(k)]["people"] for k in sizes]
    if len(sizes) > 1:
        out["slope"] = {name: round(slope(people, [rows[str(k)]["seconds"][name] for k in sizes]), 3)
                        for name in RECORD_STAGES}  # fmt: skip
        out["slope"]["total"] = round(slope(people, [rows[str(k)]["total"] for k in sizes]), 3)
    out["read_cohort"], out["clean"] = round(read_s, 4), round(clean_s, 4)
    if "1" in rows:
        out["total_from_files_1x"] = round(read_s + clean_s + rows["1"]["total"], 4)
    return out


def batches(lengths: torch.Tensor, kind: str, size: int, g: torch.Generator):
    """One epoch's batches as (rows, steps kept): at random, or bucketed by length."""
    if kind == "bucketed":
        buckets = torch.argsort(lengths, stable=True).split(size)
        chosen = [buckets[i] for i in torch.randperm(len(buckets), generator=g)]
    else:
        chosen = list(torch.randperm(len(lengths), generator=g).split(size))
    for rows in chosen:
        yield rows, (None if kind == "random" else int(lengths[rows].max()))


def epoch_times(d, kind: str, device: torch.device, epochs: int, seed: int = 0) -> list[float]:
    """Seconds of each of `epochs` training epochs of a fresh CodeGRU on the death task: the
    `Trainer`'s step (step_loss, AdamW, one-cycle rate, clipping, the loss read per batch), with
    `kind`'s batches; inputs move to the device batch by batch, as in the Trainer."""
    r = health_records.RECORD_RECIPE
    set_seed(seed)
    model = health_records.code_gru()(d.num_classes).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=r.lr, weight_decay=r.weight_decay)
    steps = math.ceil(len(d.X_train) / r.batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=r.lr, total_steps=epochs * steps, pct_start=0.25
    )
    lengths = d.X_train[:, :, 0].sum(dim=1).round().long()
    g = torch.Generator().manual_seed(seed)
    times = []
    for _ in range(epochs):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        for rows, keep in batches(lengths, kind, r.batch_size, g):
            X, y = d.X_train[rows], d.y_train[rows]
            if keep is not None:
                X, y = X[:, :keep], y[:, :keep]
            X, y = X.to(device), y.to(device)
            loss, _, counted = step_loss(model(X), y, r.loss, r.class_weights)
            if counted == 0:
                continue
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), r.clip)
            optimizer.step()
            scheduler.step()
            loss.item()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return times


def epochs_entry(device: torch.device, epochs: int) -> dict:
    d = health_records.death_data(health_records.record_data(cohort.clean(cohort.read_cohort())))
    lengths = d.X_train[:, :, 0].sum(dim=1)
    out = {
        "training_people": len(d.X_train),
        "max_visits": int(d.X_train.shape[1]),
        "mean_visits": round(float(lengths.mean()), 2),
        "batch_size": health_records.RECORD_RECIPE.batch_size,
        "seconds": {},
    }
    for kind in EPOCH_KINDS:
        times = epoch_times(d, kind, device, epochs)
        out["seconds"][kind] = round(fastest(times), 4)
        print(f"epoch, {kind:>16}: {fastest(times):.3f} s (of {epochs}: "
              + ", ".join(f"{t:.3f}" for t in times) + ")", flush=True)  # fmt: skip
    s = out["seconds"]
    out["ratio_random_to_bucketed"] = round(s["random"] / s["bucketed"], 2)
    return out


def markdown(results: dict) -> str:
    lines = ["# The cohort pipeline and a bucketed epoch", "", __doc__.split("\n\n")[2].strip(), ""]
    for key, entry in results.items():
        m, p, e = entry["machine"], entry["pipeline"], entry["epochs"]
        sizes = list(p["sizes"])
        lines += [
            f"## {key}: {entry.get('gpu') or m['cpu']}",
            "",
            f"{m['cores']} cores, {entry['threads']} torch threads, PyTorch {m['torch']}, "
            f"{m['platform']}, {entry['date']}, load average {entry['load_average']}.",
            "",
            f"Reading the three files: {p['read_cohort']:.3f} s; cleaning: {p['clean']:.3f} s "
            f"(the real cohort only). From the files to every tensor at 1x: "
            f"{p.get('total_from_files_1x', float('nan')):.3f} s. Seconds per record stage:",
            "",
            "| stage | "
            + " | ".join(f"{k}x ({p['sizes'][k]['people']:,} people)" for k in sizes)
            + " | log-log slope |",
            "|---|" + "---|" * (len(sizes) + 1),
        ]
        slopes = p.get("slope", {})
        for name in (*RECORD_STAGES, "total"):
            cells = [p["sizes"][k]["seconds"][name] if name != "total" else p["sizes"][k]["total"]
                     for k in sizes]  # fmt: skip
            label = f"**{name}**" if name == "total" else f"`{name}`"
            lines.append(f"| {label} | " + " | ".join(f"{c:.3f}" for c in cells)
                         + f" | {slopes.get(name, float('nan')):.2f} |")  # fmt: skip
        per = " | ".join(f"{p['sizes'][k]['seconds_per_1000_people']:.3f}" for k in sizes)
        lines += [f"| s per 1,000 people | {per} | |", ""]
        lines += [
            f"One training epoch of CodeGRU on the death task ({e['training_people']:,} training "
            f"people, {e['mean_visits']} visits on average, at most {e['max_visits']}; batches of "
            f"{e['batch_size']}), fastest of 3, on {entry['device']}:",
            "",
            "| batches | seconds per epoch |",
            "|---|---|",
        ]
        for kind, text in EPOCH_KINDS.items():
            lines.append(f"| {kind}: {text} | {e['seconds'][kind]:.3f} |")
        lines += ["", f"Random over bucketed: {e['ratio_random_to_bucketed']:.2f} times.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, mps or auto")
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"torch threads (default {DEFAULT_THREADS}, as `rnnbook train`); recorded",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES),
                        help="copies of the cohort to time the record stages on (1 = the real)")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3, help="timings per stage (fastest kept)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per kind (fastest kept)")
    parser.add_argument("--out", default=str(HERE / "cohort_pipeline.json"))
    args = parser.parse_args(argv)
    set_threads(args.threads)
    device = choose_device(args.device)
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    p = pipeline(args.repeats, tuple(args.sizes))
    e = epochs_entry(device, args.epochs)
    threads = torch.get_num_threads()
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else None
    key = f"cpu, {threads} thread{'s' if threads > 1 else ''}" if gpu is None else f"cuda, {gpu}"
    results[key] = {
        "machine": machine(),
        "device": str(device),
        "gpu": gpu,
        "threads": threads,
        "date": datetime.date.today().isoformat(),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "wall_seconds": round(time.perf_counter() - started, 1),
        "pipeline": p,
        "epochs": e,
    }
    write_json(out, results)
    out.with_suffix(".md").write_text(markdown(results))
    print(f"wrote {out} and {out.with_suffix('.md')} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
