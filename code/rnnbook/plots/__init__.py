"""The chapters' figures, one module per chapter (named as the chapter it serves first; `eeg` for
the EEG rows several chapters show); each function returns a matplotlib Figure and shows
nothing, so a chapter can display it, glue it into a numbered figure, or save it. How figures
look and display is `rnnbook.figures.use_book_style()`, which each chapter calls. The concept diagrams drawn without data are in `rnnbook.diagrams`; the
two that the chapters call from here, the task categories and the unrolled network, are
re-exported.

| module | chapters |
|---|---|
| `eeg` | the data (one second of each class), sequence tasks (the onset labeller), streaming (what a state and a window keep) |
| `first_rnn` | a first recurrent network (the scalar recurrence's memory) |
| `bptt` | back-propagation through time (truncation error, cost against length) |
| `vanishing_gradients` | vanishing gradients, gated cells (gradient flows, gates, the long-gap task) |
| `training` | training, clinical evaluation (learning curves, confusion, ROC, reliability) |
| `visit_sequences` | patient visits (trajectories, AUROC intervals, forecast errors) |
| `healthcare_rnns` | healthcare's recurrent models (RETAIN's contributions, GRU-D's comparison) |
| `health_records` | coded health records (one person's timeline, the learned code embedding) |
| `time_to_event` | time to event (follow-up, Kaplan-Meier, survival curves, calibration, incidence) |
| `beyond_gates` | beyond the gated cell, attention (remedies, cost against length, attention weights) |
"""

from __future__ import annotations

from ..diagrams.graphs import plot_task_categories, plot_unrolled_rnn
from ..figures import OKABE_ITO
from .beyond_gates import (
    plot_attention_weights,
    plot_cost_vs_length,
    plot_initial_flows,
    plot_remedies,
)
from .bptt import plot_bptt_cost, plot_truncation_errors
from .eeg import plot_class_segments, plot_onset, plot_stream_memory, plot_streaming_accuracy
from .first_rnn import plot_scalar_memory
from .health_records import plot_code_similarity, plot_person_timeline
from .healthcare_rnns import plot_grud_auroc, plot_patient_contributions
from .time_to_event import (
    plot_calibration,
    plot_follow_up,
    plot_incidence,
    plot_kaplan_meier,
    plot_visit_curves,
)
from .training import plot_confusion, plot_history, plot_learning_curves, plot_reliability, plot_roc
from .vanishing_gradients import (
    plot_gate_activations,
    plot_gradient_flows,
    plot_long_gap_accuracy,
    plot_long_gap_examples,
    plot_memory_gates,
    plot_step_gradients,
)
from .visit_sequences import (
    plot_auroc_intervals,
    plot_forecast_errors,
    plot_visit_trajectories,
    visits_outcome,
)

__all__ = [
    "OKABE_ITO",
    "plot_class_segments",
    "plot_onset",
    "plot_scalar_memory",
    "plot_truncation_errors",
    "plot_bptt_cost",
    "plot_gate_activations",
    "plot_gradient_flows",
    "plot_step_gradients",
    "plot_long_gap_accuracy",
    "plot_memory_gates",
    "plot_long_gap_examples",
    "plot_history",
    "plot_learning_curves",
    "plot_confusion",
    "plot_roc",
    "plot_reliability",
    "visits_outcome",
    "plot_visit_trajectories",
    "plot_auroc_intervals",
    "plot_forecast_errors",
    "plot_patient_contributions",
    "plot_grud_auroc",
    "plot_person_timeline",
    "plot_code_similarity",
    "plot_follow_up",
    "plot_kaplan_meier",
    "plot_visit_curves",
    "plot_calibration",
    "plot_incidence",
    "plot_remedies",
    "plot_stream_memory",
    "plot_streaming_accuracy",
    "plot_initial_flows",
    "plot_cost_vs_length",
    "plot_attention_weights",
    "plot_task_categories",
    "plot_unrolled_rnn",
]
