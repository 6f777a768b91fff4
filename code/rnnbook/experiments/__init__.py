"""The chapters' experiments, one module per subject, each experiment one function that the
chapter and its tests both call. Nothing here trains in a way of its own: every run goes through
`rnnbook.train.train`. A chapter computes its numbers by calling these; it asserts the exact
facts among them where they are computed, and words its comparisons from computed intervals
(`rnnbook.evaluate.verdict`).

| module | chapter | what it runs |
|---|---|---|
| `sequence_tasks` | sequence tasks | `shuffled_time` (the same models on time in order and shuffled), `onset_labeller` (the many-to-many seizure-onset labeller) |
| `gated_cells` | gated cells | `brief_runs`: RNN, LSTM and GRU classifiers after the same brief training, for their gates and gradients |
| `long_gap` | vanishing gradients, gated cells | `run_long_gap` (every cell at every gap of the temporal-order or long-gap task), `run_long_gap_seeds`, `long_gap_spread` |
| `remedies` | beyond the gated cell | `REMEDY_CONFIGS`, `remedy_classifier`: orthogonal and identity initialisation, layer norm, chrono, minGRU on the long-gap task |
| `patient_visits` | patient visits | `visit_risk`, `visit_input_ablation`, `visit_forecast`, `forecast_differences`, `auroc_table` |
| `healthcare` | healthcare's recurrent models | `retain_risk` (RETAIN against the GRU and the Mayo score), `weights_against_mayo`, `patient_contributions`, `grud_comparison` (GRU-D and the paper's baselines under removed values) |
| `survival` | time to event | `survival_comparison` (Mayo, time-varying Cox, recurrent hazard model), `competing_risks`, `naive_survival`, `km_by_group`, `fit_cox` |
| `clinical` | clinical evaluation | `clinical_evaluation`: detectors over seeds and splits, scored as a clinician would; `nearest_neighbour_leak`: the random split's leak, exploited |
| `readouts` | attention | `readout_comparison` (GRU readouts and a small Transformer over seeds), `seed_spread` |

Every name is also importable from `rnnbook.experiments` itself, as the chapters do.
"""

from .clinical import (
    ClinicalResults,
    Scored,
    clinical_evaluation,
    nearest_neighbour_leak,
)
from .gated_cells import (
    BRIEF,
    brief_runs,
    gated_cells_sentences,
    gating_rule,
)
from .healthcare import (
    GRUD_COMPARISONS,
    GRUD_MODELS,
    GRUD_RECIPE,
    GRUD_SETTINGS,
    INPUT_GROUPS,
    MAYO_WEIGHTS,
    RETAIN_NAME,
    GRUDResult,
    RetainResult,
    grud_builders,
    grud_comparison,
    mayo_per_sd,
    patient_contributions,
    retain_risk,
    retain_weights,
    weights_against_mayo,
)
from .long_gap import (
    LONG_GAP_CONFIGS,
    LONG_GAP_HIDDENS,
    LONG_GAP_RECIPE,
    ORDER_HIDDENS,
    ORDER_RECIPE,
    TASKS,
    LongGapResults,
    LongGapRun,
    LongGapSeeds,
    long_gap_classifier,
    long_gap_spread,
    run_long_gap,
    run_long_gap_seeds,
)
from .patient_visits import (
    ALL_INPUTS,
    FORECAST_COMPARISONS,
    FORECASTS,
    LOGISTIC,
    MAYO,
    VISIT_FORECAST_RECIPE,
    VISIT_INPUT_VARIANTS,
    VISIT_RISK_RECIPE,
    ForecastResult,
    VisitRiskResult,
    auroc_table,
    current_visit,
    forecast_differences,
    forecast_items,
    visit_forecast,
    visit_input_ablation,
    visit_risk,
    visit_risk_models,
)
from .readouts import (
    READOUT_MODELS,
    ReadoutComparison,
    readout_comparison,
    seed_spread,
)
from .remedies import (
    REMEDIES,
    REMEDY_CONFIGS,
    remedy_classifier,
)
from .sequence_tasks import (
    ONSET_RECIPE,
    SHUFFLED_TIME_EPOCHS,
    SHUFFLED_TIME_MODELS,
    OnsetResult,
    ShuffledTime,
    onset_labeller,
    shuffled_time,
)
from .survival import (
    SURVIVAL_HORIZONS,
    SURVIVAL_MODELS,
    CompetingRisks,
    CoxFits,
    SurvivalComparison,
    competing_risks,
    cox_survival,
    fit_cox,
    follow_up,
    km_by_group,
    km_difference,
    landmark_visits,
    naive_survival,
    start_stop,
    survival_comparison,
)

__all__ = [
    "ShuffledTime",
    "shuffled_time",
    "OnsetResult",
    "onset_labeller",
    "SHUFFLED_TIME_EPOCHS",
    "SHUFFLED_TIME_MODELS",
    "ONSET_RECIPE",
    "brief_runs",
    "BRIEF",
    "gated_cells_sentences",
    "gating_rule",
    "long_gap_classifier",
    "LongGapRun",
    "LongGapResults",
    "run_long_gap",
    "LongGapSeeds",
    "run_long_gap_seeds",
    "long_gap_spread",
    "LONG_GAP_RECIPE",
    "LONG_GAP_HIDDENS",
    "LONG_GAP_CONFIGS",
    "ORDER_RECIPE",
    "ORDER_HIDDENS",
    "TASKS",
    "remedy_classifier",
    "REMEDIES",
    "REMEDY_CONFIGS",
    "visit_risk_models",
    "current_visit",
    "VisitRiskResult",
    "visit_risk",
    "visit_input_ablation",
    "auroc_table",
    "ForecastResult",
    "forecast_items",
    "forecast_differences",
    "visit_forecast",
    "VISIT_RISK_RECIPE",
    "VISIT_FORECAST_RECIPE",
    "MAYO",
    "LOGISTIC",
    "ALL_INPUTS",
    "VISIT_INPUT_VARIANTS",
    "FORECASTS",
    "FORECAST_COMPARISONS",
    "Scored",
    "ClinicalResults",
    "clinical_evaluation",
    "nearest_neighbour_leak",
    "SURVIVAL_MODELS",
    "SURVIVAL_HORIZONS",
    "follow_up",
    "naive_survival",
    "km_by_group",
    "km_difference",
    "start_stop",
    "CoxFits",
    "fit_cox",
    "cox_survival",
    "landmark_visits",
    "SurvivalComparison",
    "survival_comparison",
    "CompetingRisks",
    "competing_risks",
    "ReadoutComparison",
    "readout_comparison",
    "seed_spread",
    "READOUT_MODELS",
    "RetainResult",
    "retain_risk",
    "RETAIN_NAME",
    "MAYO_WEIGHTS",
    "INPUT_GROUPS",
    "mayo_per_sd",
    "retain_weights",
    "weights_against_mayo",
    "patient_contributions",
    "GRUD_MODELS",
    "GRUD_SETTINGS",
    "GRUD_RECIPE",
    "GRUD_COMPARISONS",
    "grud_builders",
    "GRUDResult",
    "grud_comparison",
]
