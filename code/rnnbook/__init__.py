"""rnnbook: the tested package behind *Recurrent Neural Networks for Healthcare*.

Modules, in the order the book meets them:

- `data`: the Bonn EEG archives, the UCI table rebuilt from them, splits and tensors;
- `cells`: RNN, LSTM and GRU layers written from their equations; `recording`: what they do
  inside, step by step, for the plots;
- `bptt`: back-propagation through time by hand, and gradient-flow measurements;
- `models`: the seizure classifiers; `train`: the one training loop; `evaluate`: metrics;
- `visits`: the PBC patient visits as tensors; `visit_models`: every model that reads them;
  `survival`: the statistics of time to event;
- `experiments`, `plots`, `diagrams`: what each chapter runs and draws; `cli`: the command line;
- `check`: the checks a student calls on their answer to an implement-exercise.

`LAYERS` orders every module from the bottom up: a module imports only from layers below its
own (a test walks the imports and checks it), so there is no import circle.
"""

# The layering of the package, bottom first; the subpackages count as one module each.
LAYERS = (
    ("errors", "recipe", "scan", "figures", "attention", "course"),
    ("utils", "downloads"),
    ("data", "evaluate", "timing", "cells", "min_cells", "cohort"),
    (
        "visits",
        "tasks",
        "basics",
        "bptt",
        "baselines",
        "visit_models",
        "initialisation",
        "recording",
    ),
    ("survival", "healthcare", "records"),
    ("models",),
    ("gradients", "train"),
    ("checkpoints", "diagrams", "interactive", "check"),
    ("cli", "plots", "experiments"),
    ("__main__",),
)

__version__ = "0.1.0"  # the one version of the book and package (CHANGELOG.md)
