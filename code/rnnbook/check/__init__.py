"""Checks a student calls on their answer to an implement-exercise: `check.<name>(their_function)`.

Each check runs the function on a few hidden cases that it makes itself (seeded, small, in well
under a second, no training and no download) and compares what comes back with the package's own
code (`nn.GRUCell`, `train.step_loss`, `survival.concordance_index`, ...). When every case
matches it prints one line saying so and returns None. Otherwise it raises `CheckFailed`, an
`AssertionError` (so nbgrader, otter-grader or pytest count the cell as failed), naming the first
thing that differs: the case, then an exception the function raised, an input it changed in place,
a type, a shape, a dtype, a value (where, by how much, against which tolerance), or a gradient
that does not flow. A message never shows the expected values, so it never gives the answer away.
For grading, `otter_tests` writes the checks as otter-grader test files (see `grading`).

One module per chapter, named as the chapter:

| check | chapter | exercise | the student's function |
|---|---|---|---|
| `mean_row_std` | the data | `ex-data-amplitude` | `mean_row_std(table)` |
| `rows_from_samples` | the data | `ex-data-chunks` | `rows_from_samples(samples)` |
| `concat_rnn` | a first recurrent network | `ex-first-concat` | `concat_rnn(X, rnn)` |
| `clip_by_global_norm` | vanishing gradients | `ex-vg-clip` | `clip_by_global_norm(params, max_norm)` |
| `gru_step` | gated cells | `ex-gated-grucell` | `gru_step(x, h, cell)` |
| `masked_mean` | recurrent layers | `ex-layers-masked-mean` | `masked_mean(output, mask)` |
| `masked_loss` | sequence tasks | `ex-tasks-masked` | `masked_loss(y_hat, y)` |
| `ece` | clinical evaluation | `ex-clin-ece` | `ece(y, p)` |
| `harrell_loop` | time to event | `ex-tte-loop` | `harrell_loop(time, event, risk)` |
| `windowed` | coded health records | `ex-hr-window` | `windowed(c, days)` |
| `mingru_step` | beyond the gated cell | `ex-bg-mingru-step` | `mingru_step(x, h, layer)` |
| `attention_by_hand` | attention | `ex-at-by-hand` | `attention_by_hand(model, X)` |
"""

from ._core import CheckFailed
from .attention import attention_by_hand
from .beyond_gates import mingru_step
from .clinical_evaluation import ece
from .data import mean_row_std, rows_from_samples
from .first_rnn import concat_rnn
from .gated_cells import gru_step
from .grading import otter_tests
from .health_records import windowed
from .recurrent_layers import masked_mean
from .sequence_tasks import masked_loss
from .time_to_event import harrell_loop
from .vanishing_gradients import clip_by_global_norm

# Each check's exercise: (chapter, label), in the order of the book.
EXERCISES = {
    "mean_row_std": ("data", "ex-data-amplitude"),
    "rows_from_samples": ("data", "ex-data-chunks"),
    "concat_rnn": ("first_rnn", "ex-first-concat"),
    "clip_by_global_norm": ("vanishing_gradients", "ex-vg-clip"),
    "gru_step": ("gated_cells", "ex-gated-grucell"),
    "masked_mean": ("recurrent_layers", "ex-layers-masked-mean"),
    "masked_loss": ("sequence_tasks", "ex-tasks-masked"),
    "ece": ("clinical_evaluation", "ex-clin-ece"),
    "harrell_loop": ("time_to_event", "ex-tte-loop"),
    "windowed": ("health_records", "ex-hr-window"),
    "mingru_step": ("beyond_gates", "ex-bg-mingru-step"),
    "attention_by_hand": ("attention", "ex-at-by-hand"),
}
CHECKS = tuple(EXERCISES)

__all__ = [
    "CHECKS",
    "EXERCISES",
    "CheckFailed",
    "otter_tests",
    "mean_row_std",
    "rows_from_samples",
    "concat_rnn",
    "clip_by_global_norm",
    "gru_step",
    "masked_mean",
    "masked_loss",
    "ece",
    "harrell_loop",
    "windowed",
    "mingru_step",
    "attention_by_hand",
]
