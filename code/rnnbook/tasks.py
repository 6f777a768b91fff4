"""Data for the sequence-task chapter: shuffled time order, and seizure onsets to label step by step.

- `permute_time` applies one fixed permutation of the time steps to every row: the values of a
  row stay, their order is lost. A model that ignores order (an MLP on the flat vector) cannot
  tell the difference; a sequence model can.
- `stitched_onsets` builds long sequences for a many-to-many task: seconds of seizure-free
  intracranial EEG (set F) followed, from a random onset on, by EEG recorded during a seizure
  (set S). The target is a label for every sample: 0 before the onset, 1 from it on. The two parts
  come from different recordings, so the switch is artificial, but each part is real EEG.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from . import data


def permute_time(X: torch.Tensor, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """`X[:, perm]` for one random permutation `perm` of the `seq_len` steps, and `perm`."""
    generator = torch.Generator().manual_seed(seed)
    perm = torch.randperm(X.shape[1], generator=generator)
    return X[:, perm], perm


def shuffle_time(d: data.SeqData, seed: int = 0) -> data.SeqData:
    """A copy of `d` with the same time permutation applied to every row of every part."""
    X_train, perm = permute_time(d.X_train, seed)
    return replace(d, X_train=X_train, X_valid=d.X_valid[:, perm], X_test=d.X_test[:, perm])


@dataclass
class OnsetData:
    """Sequences `X` `(n, seq_len, 1)`, per-sample labels `y` `(n, seq_len)`, onsets in samples."""

    X: torch.Tensor
    y: torch.Tensor
    onset: torch.Tensor  # (n,) index of the first seizure sample
    fs: float = data.SAMPLING_RATE

    def __len__(self) -> int:
        return len(self.X)


def stitched_onsets(
    recordings: list[data.Recording],
    n: int,
    seconds: float = 8.0,
    seed: int = 0,
    before: str = "F",
    during: str = "S",
    mean: float | None = None,
    std: float | None = None,
) -> OnsetData:
    """`n` sequences of `seconds` of EEG: set `before` up to a random onset, then set `during`.

    The onset falls uniformly in the middle half of the sequence. Pieces start at random places
    within their recordings. Values are standardised with `mean` and `std` (by default those of
    the pieces drawn here; pass the training set's to standardise validation and test data).
    """
    rng = np.random.default_rng(seed)
    pre = [r.samples for r in recordings if r.set == before]
    ictal = [r.samples for r in recordings if r.set == during]
    if not pre or not ictal:
        raise ValueError(f"need recordings of both sets {before!r} and {during!r}")
    seq_len = int(round(seconds * data.SAMPLING_RATE))
    if seq_len > data.SAMPLES_PER_RECORDING:
        raise ValueError(f"seconds={seconds} is longer than a recording")
    X = np.empty((n, seq_len), dtype=np.float64)
    onsets = rng.integers(seq_len // 4, 3 * seq_len // 4, size=n)
    for i, onset in enumerate(onsets):
        a = pre[rng.integers(len(pre))]
        b = ictal[rng.integers(len(ictal))]
        start_a = rng.integers(0, len(a) - onset + 1)
        start_b = rng.integers(0, len(b) - (seq_len - onset) + 1)
        X[i, :onset] = a[start_a : start_a + onset]
        X[i, onset:] = b[start_b : start_b + seq_len - onset]
    mean = float(X.mean()) if mean is None else mean
    std = float(X.std()) if std is None else std
    y = (np.arange(seq_len)[None, :] >= onsets[:, None]).astype(np.int64)  # (n, seq_len)
    return OnsetData(
        X=torch.tensor((X - mean) / std, dtype=torch.float32).unsqueeze(2),
        y=torch.tensor(y),
        onset=torch.tensor(onsets),
    )


def step_labels(y: torch.Tensor, stride: int) -> torch.Tensor:
    """Per-sample labels `(n, seq_len)` -> one per step of `stride` samples: the step's last one."""
    steps = y.shape[1] // stride
    return y[:, stride - 1 : steps * stride : stride]


def detected_onsets(y_hat: torch.Tensor, persist: int = 3) -> torch.Tensor:
    """First step from which the model says "seizure" for `persist` steps running (-1: never).

    `y_hat` are per-step logits `(n, steps, 2)`; requiring a few steps in a row ignores blips.
    """
    said = (y_hat.argmax(-1) == 1).int()  # (n, steps)
    kernel = torch.ones(1, 1, persist)
    runs = torch.nn.functional.conv1d(said.unsqueeze(1).float(), kernel).squeeze(
        1
    )  # (n, steps-p+1)
    hit = runs >= persist
    first = torch.where(hit.any(1), hit.float().argmax(1), torch.full((len(said),), -1))
    return first


def onset_task(
    table_split: data.Split,
    recordings: list[data.Recording],
    n_train: int = 512,
    n_test: int = 128,
    seconds: float = 8.0,
    stride: int = 8,
    seed: int = 0,
) -> tuple[data.SeqData, OnsetData]:
    """The many-to-many onset task on a split by recording: training sequences are stitched from
    the training recordings, validation and test sequences from their own recordings.

    Returns a `SeqData` whose labels are one per step of `stride` samples (for `Trainer`) and the
    test part's `OnsetData` (for measuring how far detected onsets are from the true ones).
    """
    by_name = {r.name: r for r in recordings}

    def part(frame, n, offset, mean=0.0, std=1.0):
        names = sorted(set(frame["recording"]))
        return stitched_onsets(
            [by_name[k] for k in names], n, seconds, seed + offset, mean=mean, std=std
        )

    train = part(table_split.train, n_train, 0)  # raw values
    # Every part is standardised with the training part's statistics.
    mean, std = float(train.X.double().mean()), float(train.X.double().std())
    train.X = (train.X - mean) / std
    valid = part(table_split.valid, max(n_test // 2, 1), 1, mean, std)
    test = part(table_split.test, n_test, 2, mean, std)
    seq = data.SeqData(
        train.X, step_labels(train.y, stride),
        valid.X, step_labels(valid.y, stride),
        test.X, step_labels(test.y, stride),
        task="onset", split=table_split.name, classes=("no seizure", "seizure"),
        mean=mean, std=std,
    )  # fmt: skip
    return seq, test
