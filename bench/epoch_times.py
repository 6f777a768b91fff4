"""Benchmark: time per training epoch of four GRU variants and a Transformer, against length.

    python bench/epoch_times.py                   # CPU, one torch thread (--threads N for more)
    python bench/epoch_times.py --device cuda     # a GPU

Every model trains one epoch over the same data: all 500 Bonn recordings (2.05 M samples) cut
into windows of L samples (L = 178 gives the UCI table's 11,500 rows; L = 4,097 the 500 whole
recordings), in batches of 64 windows, each labelled with its recording's class (five classes).
So an epoch is the same samples at every length; only how they are cut changes. The models: the
same classifier (one recurrent layer of 32 hidden units, read at the last step) with `nn.GRU`, the
from-scratch GRU, and minGRU run as a loop and as a scan; and a Transformer with one token per
sample (2 layers, d_model 32, no dropout). Results go
to bench/epoch_times.json, keyed by device, and bench/epoch_times.md; the chapter "Beyond the
gated cell" shows them. A cell slower than --budget seconds is estimated from its first batches
instead (marked "est." in the table).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

import numpy as np
import torch

from rnnbook import data
from rnnbook.attention import TransformerClassifier
from rnnbook.cli import DEFAULT_THREADS
from rnnbook.evaluate import write_json
from rnnbook.models import SeqClassifier
from rnnbook.timing import full_epoch_seconds
from rnnbook.utils import choose_device, set_seed, set_threads

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_bench import machine  # noqa: E402

HERE = Path(__file__).resolve().parent
LENGTHS = (178, 512, 1024, 4097)
MODELS = {
    "nn.GRU": lambda: SeqClassifier("gru", 5, num_hiddens=32),
    "GRU from its equations": lambda: SeqClassifier("gru", 5, num_hiddens=32, scratch=True),
    "minGRU, loop": lambda: SeqClassifier("mingru", 5, num_hiddens=32, mode="sequential"),
    "minGRU, scan": lambda: SeqClassifier("mingru", 5, num_hiddens=32, mode="parallel"),
    # No dropout (as the recurrent models): PyTorch then uses its memory-saving attention kernel.
    "Transformer, 1 sample/token": lambda: TransformerClassifier(
        5, samples_per_token=1, dropout=0.0
    ),
}


def windows(length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """All recordings cut into windows of ``length`` samples: X (n, length, 1), y (n,)."""
    recordings = data.load_recordings()
    samples = torch.from_numpy(np.stack([r.samples for r in recordings])).float()  # (500, 4097)
    samples = (samples - samples.mean()) / samples.std()
    per = samples.shape[1] // length
    X = samples[:, : per * length].reshape(-1, length, 1)  # (500 * per, length, 1)
    y = torch.tensor([r.label - 1 for r in recordings]).repeat_interleave(per)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    return X[order], y[order]


def markdown(results: dict) -> str:
    lines = ["# Epoch time against sequence length", "", __doc__.split("\n\n")[2].strip(), ""]
    for device, entry in results.items():
        m = entry["machine"]
        lines += [
            f"## {device}: {entry.get('gpu') or m['cpu']}",
            "",
            f"{m['cores']} cores, {entry['threads']} torch threads, PyTorch {m['torch']}, "
            f"{entry['date']}, load average {entry['load_average']}. Seconds per epoch:",
            "",
            "| model | " + " | ".join(f"L = {L}" for L in entry["lengths"]) + " |",
            "|---|" + "---|" * len(entry["lengths"]),
        ]
        for name, cells in entry["seconds"].items():
            row = [f"{c['seconds']:.2f}{' est.' if c['estimated'] else ''}" for c in cells.values()]
            lines.append(f"| {name} | " + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, mps or auto")
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"torch threads (default {DEFAULT_THREADS}, as `rnnbook train`: more wait and spin "
        "on a busy machine); recorded in the results",
    )
    parser.add_argument("--lengths", type=int, nargs="+", default=list(LENGTHS))
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per cell at most")
    parser.add_argument("--out", default=str(HERE / "epoch_times.json"))
    args = parser.parse_args(argv)
    set_threads(args.threads)
    device = choose_device(args.device)
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    load_before = os.getloadavg()[0]
    seconds: dict[str, dict[str, dict]] = {name: {} for name in MODELS}
    for L in args.lengths:
        X, y = windows(L)
        for name, build in MODELS.items():
            set_seed(0)
            s, estimated = full_epoch_seconds(build(), X, y, args.batch_size, device, args.budget)
            seconds[name][str(L)] = {"seconds": round(s, 2), "estimated": estimated}
            print(f"L={L:>5} {name:>28}: {s:8.2f} s{' (est.)' if estimated else ''}", flush=True)
    results[device.type] = {
        "machine": machine(),
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "threads": torch.get_num_threads(),
        "date": datetime.date.today().isoformat(),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "lengths": args.lengths,
        "batch_size": args.batch_size,
        "seconds": seconds,
    }
    write_json(out, results)
    out.with_suffix(".md").write_text(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
