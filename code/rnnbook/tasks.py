"""Every task the book cuts from the recordings, beyond the UCI table's one-second rows.

- `permute_time` applies one fixed permutation of the time steps to every row: the values of a
  row stay, their order is lost. A model that ignores order (an MLP on the flat vector) cannot
  tell the difference; a sequence model can.
- `stitched_onsets` builds long sequences for a many-to-many task: seconds of seizure-free
  intracranial EEG (set F) followed, from a random onset on, by EEG recorded during a seizure
  (set S). The target is a label for every sample: 0 before the onset, 1 from it on. The two parts
  come from different recordings, so the switch is artificial, but each part is real EEG.
  `onset_task` cuts it from a split by recording; `detected_onsets` turns per-step outputs into
  alarms.
- `make_long_gap_data`, the long-range dependency task (the measured counterpart of the
  pictures in Graves 2012, ch. 4): every sequence opens with about one second of intracranial
  EEG, the *cue*, recorded during a seizure (set S, label 1) or away from one (sets N and F,
  label 0); a *gap* of seizure-free intracranial EEG (N and F) from another recording follows.
  The model answers at the last step: did the sequence open with a seizure? Only the cue
  carries the label, so the longer the gap, the further back the answer must be carried. The cue
  is loud, though: a model that sees every step at once finds a seizure second anywhere in the
  sequence, so this task tests whether a *recurrent* model can carry it, not whether the answer
  needs memory (`rnnbook.baselines` scores the order-free models that solve it).
- `make_order_data`, the temporal-order task (after Hochreiter & Schmidhuber 1997): every
  sequence opens with two *markers* of about a second each (`CUE_SECONDS`), of different kinds:
  EEG recorded during a seizure (set S) and scalp EEG with the eyes closed (set O), in random
  order; the gap of seizure-free intracranial EEG follows. The label is which came first (1: the
  seizure). Both classes hold the same two markers, so any summary that ignores the order of the
  steps scores chance: only a model that remembers the order, across the gap, can answer.

For the long-gap task, `samples_per_step` consecutive samples (32 by default) form one time step,
by reshaping: nothing is learned or averaged, so `input_size = 32` and one second of EEG (173.61
samples) is about 5.4 steps; the cue is `steps_for(CUE_SECONDS)` = 5 steps (160 samples, 0.92 s).
Its sequences come from the split by recording: training, validation and test sequences are built
from disjoint sets of recordings, cues and gaps alike. The random draws depend on the seed and
the part only, never on the gap, so the tasks are *nested*: the sequences with a 1-second gap are
those with a 4-second gap, cut after their first second of gap.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from . import data

CUE_SETS = {"S": 1, "N": 0, "F": 0}  # set of the cue's recording -> label (1 = seizure)
GAP_SETS = ("N", "F")  # the gap: seizure-free intracranial EEG, whatever the label
ORDER_MARKERS = ("S", "O")  # the temporal-order task's markers: label 1 when S comes first
SAMPLES_PER_STEP = 32
CUE_SECONDS = 1.0
MAX_GAP_SECONDS = 8.0  # gap offsets leave room for this much, so that all gaps are nested
GAPS_SECONDS = (0.0, 1.0, 2.0, 4.0, 8.0)  # the chapter's gaps
SIZES = (1000, 200, 400)  # train, validation and test sequences
PARTS = ("train", "valid", "test")


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
    # (n, 2) names of the recordings each sequence was cut from: (before the onset, from it on)
    sources: np.ndarray | None = None

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
    pre = [r for r in recordings if r.set == before]
    ictal = [r for r in recordings if r.set == during]
    if not pre or not ictal:
        raise ValueError(f"need recordings of both sets {before!r} and {during!r}")
    seq_len = int(round(seconds * data.SAMPLING_RATE))
    if seq_len > data.SAMPLES_PER_RECORDING:
        raise ValueError(f"seconds={seconds} is longer than a recording")
    X = np.empty((n, seq_len), dtype=np.float64)
    onsets = rng.integers(seq_len // 4, 3 * seq_len // 4, size=n)
    sources = np.empty((n, 2), dtype=object)
    for i, onset in enumerate(onsets):
        ra, rb = pre[rng.integers(len(pre))], ictal[rng.integers(len(ictal))]
        sources[i] = ra.name, rb.name
        a, b = ra.samples, rb.samples
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
        sources=sources,
    )


def step_labels(y: torch.Tensor, stride: int) -> torch.Tensor:
    """Per-sample labels `(n, seq_len)` -> one per step of `stride` samples: the step's last one."""
    steps = y.shape[1] // stride
    return y[:, stride - 1 : steps * stride : stride]


def detected_onsets(y_hat: torch.Tensor, persist: int = 3) -> torch.Tensor:
    """First step of the first run of `persist` steps the model labels "seizure" (-1: none).

    `y_hat` are per-step logits `(n, steps, 2)`; requiring a few steps in a row ignores blips.
    This is where the model *places* the onset, looking back; a monitor can raise its alarm only
    when the run is complete, `persist - 1` steps later (`alarm_steps`).
    """
    said = (y_hat.argmax(-1) == 1).float()  # (n, steps)
    kernel = torch.ones(1, 1, persist, device=y_hat.device)
    runs = torch.nn.functional.conv1d(said.unsqueeze(1), kernel).squeeze(1)  # (n, steps-p+1)
    hit = runs >= persist
    none = torch.full((len(hit),), -1, device=hit.device)
    first = torch.where(hit.any(1), hit.float().argmax(1), none)
    return first.cpu()


def alarm_steps(y_hat: torch.Tensor, persist: int = 3) -> list[list[int]]:
    """Every step at which an online monitor raises an alarm: the last step of each run of
    `persist` steps labelled "seizure" (a new alarm only after the label has dropped back)."""
    said = (y_hat.argmax(-1) == 1).cpu().numpy()  # (n, steps)
    alarms = []
    for row in said:
        run, fired, mine = 0, False, []
        for t, s in enumerate(row):
            run = run + 1 if s else 0
            if run < persist:
                fired = fired and run > 0
            elif not fired:
                mine.append(t)
                fired = True
        alarms.append(mine)
    return alarms


def onset_events(
    y_hat: torch.Tensor,
    onset: torch.Tensor,
    stride: int,
    persist: int = 3,
    fs: float = data.SAMPLING_RATE,
) -> dict:
    """Event-based evaluation of an onset detector, as a monitor would be judged.

    `onset`: the true onset of each sequence, in samples; the step holding it is `onset // stride`.
    An alarm (`alarm_steps`) before that step is a false alarm; the first alarm at or after it
    detects the seizure, with latency = alarm time - onset time. Returns the share of seizures
    detected, the latencies (s) of the detected ones, the false alarms, the hours of seizure-free
    EEG they were raised in, and false alarms per hour.
    """
    onset = torch.as_tensor(onset).cpu()
    latency, false_alarms, detected = [], 0, []
    for alarms, start in zip(alarm_steps(y_hat, persist), onset.tolist(), strict=True):
        step = start // stride
        false_alarms += sum(a < step for a in alarms)
        after = [a for a in alarms if a >= step]
        detected.append(bool(after))
        if after:  # the alarm fires at the end of step `after[0]`
            latency.append(((after[0] + 1) * stride - start) / fs)
    hours = float(onset.double().sum()) / fs / 3600
    return {
        "sensitivity": float(np.mean(detected)),
        "latency_s": np.array(latency),
        "false_alarms": int(false_alarms),
        "seizure_free_hours": hours,
        "false_alarms_per_hour": false_alarms / hours,
    }


def position_baseline(y_train: torch.Tensor) -> torch.Tensor:
    """The trivial labeller that ignores the EEG: at each step, the label most training
    sequences have there. `(n, steps)` labels -> `(steps,)` labels. Onsets fall in the middle half
    of every sequence, so "seizure from the middle on" is already right at most steps."""
    return (y_train.float().mean(dim=0) >= 0.5).long()


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
        train.X,
        step_labels(train.y, stride),
        valid.X,
        step_labels(valid.y, stride),
        test.X,
        step_labels(test.y, stride),
        task="onset",
        split=table_split.name,
        classes=("no seizure", "seizure"),
        mean=mean,
        std=std,
    )
    return seq, test


# --- the long-gap task ---------------------------------------------------------------------------


def steps_for(seconds: float, samples_per_step: int = SAMPLES_PER_STEP) -> int:
    """Time steps holding ``seconds`` of EEG, rounded: 1 s is 5 steps of 32 samples."""
    return round(seconds * data.SAMPLING_RATE / samples_per_step)


def recordings_by_part(
    recordings: list[data.Recording],
    seed: int = data.SEED,
    sets: tuple[str, ...] = tuple(CUE_SETS),
) -> dict[str, list[data.Recording]]:
    """The recordings of ``sets`` (by default S, N and F) in each part of the split by recording.

    ``{"train": [...], "valid": [...], "test": [...]}``; no recording is in two parts.
    """
    split = data.split_by_recording(data.uci_table(recordings), seed)
    wanted = set(sets)
    parts = {}
    for name in PARTS:
        names = set(getattr(split, name)["recording"])
        parts[name] = [r for r in recordings if r.name in names and r.set in wanted]
    return parts


def draw_sequences(
    recordings: list[data.Recording],
    n: int,
    gap_seconds: float,
    rng: np.random.Generator,
    samples_per_step: int = SAMPLES_PER_STEP,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences of the task from ``recordings``: raw samples (µV) and labels.

    Half the labels are 1. Each cue comes from a random recording of its label's sets, at a
    random offset; each gap from a random *other* recording of ``GAP_SETS``. All random numbers
    are drawn before the gap's length is used, so a shorter gap gives the longer gap's
    sequences, cut.

    Returns ``X`` ``(n, seq_len, samples_per_step)`` float64 and ``y`` ``(n,)`` int64, with
    ``seq_len = steps_for(CUE_SECONDS) + steps_for(gap_seconds)``.
    """
    cue_len = steps_for(CUE_SECONDS, samples_per_step) * samples_per_step  # in samples
    gap_len = steps_for(gap_seconds, samples_per_step) * samples_per_step
    room = steps_for(MAX_GAP_SECONDS, samples_per_step) * samples_per_step
    if not 0 <= gap_len <= room:
        raise ValueError(f"gap_seconds must be in [0, {MAX_GAP_SECONDS}], got {gap_seconds}")
    cues = {label: [r for r in recordings if CUE_SETS.get(r.set) == label] for label in (0, 1)}
    gaps = [r for r in recordings if r.set in GAP_SETS]

    y = rng.permutation(np.arange(n) % 2)  # balanced labels, in random order
    cue_pick, gap_pick = rng.random(n), rng.random(n)  # which recording, as a fraction of a pool
    cue_start = rng.integers(0, data.SAMPLES_PER_RECORDING - cue_len + 1, size=n)
    gap_start = rng.integers(0, data.SAMPLES_PER_RECORDING - room + 1, size=n)

    X = np.empty((n, cue_len + gap_len))
    for i in range(n):
        pool = cues[int(y[i])]
        cue = pool[int(cue_pick[i] * len(pool))]
        others = [r for r in gaps if r.name != cue.name]  # the gap never continues the cue
        gap = others[int(gap_pick[i] * len(others))]
        X[i, :cue_len] = cue.samples[cue_start[i] : cue_start[i] + cue_len]
        X[i, cue_len:] = gap.samples[gap_start[i] : gap_start[i] + gap_len]
    return X.reshape(n, -1, samples_per_step), y.astype(np.int64)


def make_long_gap_data(
    recordings: list[data.Recording],
    gap_seconds: float,
    sizes: tuple[int, int, int] = SIZES,
    samples_per_step: int = SAMPLES_PER_STEP,
    seed: int = 0,
) -> data.SeqData:
    """The task with a gap of ``gap_seconds``, as tensors ready for ``train.Trainer``.

    ``sizes``: numbers of training, validation and test sequences, each part drawn from its own
    recordings (``recordings_by_part``). X is ``(n, seq_len, samples_per_step)`` float32,
    standardised with the mean and standard deviation of all samples of the training part's
    recordings (so the same for every gap).
    """
    return _gap_task(
        recordings,
        tuple(CUE_SETS),
        draw_sequences,
        gap_seconds,
        sizes,
        samples_per_step,
        seed,
        classes=("seizure-free cue", "seizure cue"),
    )


def _gap_task(recordings, sets, draw, gap_seconds, sizes, samples_per_step, seed, classes):
    """A gap task's three parts, each drawn by ``draw`` from its own recordings of ``sets``, one
    random stream per part whatever the gap, standardised with the training part's recordings."""
    parts = recordings_by_part(recordings, sets=sets)
    train_samples = np.concatenate([r.samples for r in parts["train"]]).astype(np.float64)
    mean, std = float(train_samples.mean()), float(train_samples.std())
    tensors = []
    for k, (name, n) in enumerate(zip(PARTS, sizes, strict=True)):
        rng = np.random.default_rng([seed, k])  # one stream per part, whatever the gap
        X, y = draw(parts[name], n, gap_seconds, rng, samples_per_step)
        X = torch.tensor((X - mean) / std, dtype=torch.float32)  # (n, seq_len, samples_per_step)
        tensors += [X, torch.from_numpy(y)]
    return data.SeqData(
        *tensors, task="binary", split="recording", classes=classes, mean=mean, std=std
    )


# --- the temporal-order task ---------------------------------------------------------------------


def draw_order_sequences(
    recordings: list[data.Recording],
    n: int,
    gap_seconds: float,
    rng: np.random.Generator,
    samples_per_step: int = SAMPLES_PER_STEP,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences of the temporal-order task from ``recordings``: raw samples and labels.

    Each opens with two markers of ``CUE_SECONDS``, one from a random recording of each set of
    ``ORDER_MARKERS`` at a random offset, in random order (label 1: the first set's marker first);
    a gap from a random recording of ``GAP_SETS`` follows. As in ``draw_sequences``, every random
    number is drawn before the gap's length is used, so the gaps are nested.

    Returns ``X`` ``(n, seq_len, samples_per_step)`` float64 and ``y`` ``(n,)`` int64, with
    ``seq_len = 2 * steps_for(CUE_SECONDS) + steps_for(gap_seconds)``.
    """
    marker_len = steps_for(CUE_SECONDS, samples_per_step) * samples_per_step  # in samples
    gap_len = steps_for(gap_seconds, samples_per_step) * samples_per_step
    room = steps_for(MAX_GAP_SECONDS, samples_per_step) * samples_per_step
    if not 0 <= gap_len <= room:
        raise ValueError(f"gap_seconds must be in [0, {MAX_GAP_SECONDS}], got {gap_seconds}")
    pools = [[r for r in recordings if r.set == s] for s in (*ORDER_MARKERS, "gap")]
    pools[2] = [r for r in recordings if r.set in GAP_SETS]
    if not all(pools):
        raise ValueError(f"need recordings of sets {ORDER_MARKERS} and {GAP_SETS}")

    y = rng.permutation(np.arange(n) % 2)  # balanced labels, in random order
    pick = rng.random((n, 3))  # which recording of each pool, as a fraction of the pool
    starts = rng.integers(0, data.SAMPLES_PER_RECORDING - room + 1, size=(n, 3))
    X = np.empty((n, 2 * marker_len + gap_len))
    for i in range(n):
        first, second = (0, 1) if y[i] == 1 else (1, 0)
        for slot, k in enumerate((first, second, 2)):
            rec = pools[k][int(pick[i, k] * len(pools[k]))]
            length = gap_len if k == 2 else marker_len
            X[i, slot * marker_len : slot * marker_len + length] = rec.samples[
                starts[i, k] : starts[i, k] + length
            ]
    return X.reshape(n, -1, samples_per_step), y.astype(np.int64)


def make_order_data(
    recordings: list[data.Recording],
    gap_seconds: float,
    sizes: tuple[int, int, int] = SIZES,
    samples_per_step: int = SAMPLES_PER_STEP,
    seed: int = 0,
) -> data.SeqData:
    """The temporal-order task with a gap of ``gap_seconds``, as ``make_long_gap_data`` builds
    the long-gap task: parts from disjoint recordings, standardised with the training part's
    recordings (all of its sets), nested gaps."""
    return _gap_task(
        recordings,
        (*ORDER_MARKERS, *GAP_SETS),
        draw_order_sequences,
        gap_seconds,
        sizes,
        samples_per_step,
        seed,
        classes=("scalp EEG first", "seizure first"),
    )
