"""The diagrams (rnnbook.diagrams): each draws, and says what its caption and alt text say."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from rnnbook import diagrams

EXPECTED = {
    "rnn_cell": ["tanh", "$h_{t-1}$", "$x_t$"],
    "lstm_cell": ["$c_{t-1}$", "$c_t$", "$f_t$", "$i_t$", "$g_t$", "$o_t$", "+"],
    "gru_cell": ["$r_t$", "$z_t$", "$n_t$", "1−", "+"],
    "mingru_beside_gru": ["GRU", "minGRU", "$z_t$"],
    "stacked_layers": ["$h^{(2)}_4$", "layer 1"],
    "bidirectional_layer": ["forward", "backward"],
    "padding_and_packing": ["batch_sizes", "0", "length 5"],
    "tbptt_windows": ["update 1: back through steps 1–4", "update 3: back through steps 7–12"],
    "landmark_timeline": ["death", "censored"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_diagram_draws_its_labels(name):
    fig = getattr(diagrams, name)()
    texts = {t.get_text() for ax in fig.axes for t in ax.texts}
    texts |= {t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().texts}
    missing = [label for label in EXPECTED[name] if label not in texts]
    assert not missing, (name, missing, sorted(texts))
    plt.close(fig)


def test_packing_counts_the_running_sequences():
    fig = diagrams.padding_and_packing((4, 2, 1))
    right = fig.axes[1]
    sizes = [t.get_text() for t in right.texts if t.get_text().isdigit()]
    assert sizes == ["3", "2", "1", "1"]  # sequences still running at steps 1..4
    plt.close(fig)
