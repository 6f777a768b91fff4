"""rnnbook: the tested package behind *Recurrent Neural Networks for Healthcare*.

Modules, in the order the book meets them:

- `data`: the Bonn EEG archives, the UCI table rebuilt from them, splits and tensors;
- `cells`: RNN, LSTM and GRU layers written from their equations;
- `bptt`: back-propagation through time by hand, and gradient-flow measurements;
- `models`: the seizure classifiers; `train`: the one training loop; `evaluate`: metrics;
- `plots`: the chapters' figures; `cli`: the `rnnbook` command line.
"""

__version__ = "0.1.0"


def _show_table_cells_whole() -> None:
    """In a notebook kernel (a chapter), pandas shows every table cell whole: a cut cell would
    hide a number or a word. Outside a kernel nothing changes (and pandas is not imported)."""
    import sys

    if "ipykernel" in sys.modules:
        import pandas as pd

        pd.set_option("display.max_colwidth", None)


_show_table_cells_whole()
