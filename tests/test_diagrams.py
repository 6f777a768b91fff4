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
    "code_embedding": ["m (multi-hot)", r"$v = E^\top m$", "$= e_1 + e_3 + e_4$", "code 3"],
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


def test_task_categories_draw_the_five_categories_with_their_outputs():
    fig = diagrams.plot_task_categories()
    titles = [ax.get_title().replace("\n", " ") for ax in fig.axes]
    assert titles == [
        "one-to-one", "one-to-many", "many-to-one",
        "many-to-many (unaligned)", "many-to-many (aligned)",
    ]  # fmt: skip
    # Boxes: one hidden state per step, plus an input or output box where the category has one.
    boxes = [len(ax.patches) for ax in fig.axes]
    assert boxes == [3, 4 + 1 + 4, 4 + 4 + 1, 6 + 3 + 3, 4 + 4 + 4]
    plt.close(fig)


@pytest.mark.parametrize("many_to_one", [False, True])
def test_unrolled_rnn_draws_a_node_per_step_and_the_outputs_it_keeps(many_to_one):
    fig = diagrams.plot_unrolled_rnn(num_steps=3, many_to_one=many_to_one, folded=False)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"$h_0$", "$x_1$", "$h_3$", "$W_{hh}$"} <= texts
    assert ("$L_1$" in texts) is not many_to_one  # many-to-one: one loss, at the last step
    assert ("$L$" in texts) is many_to_one
    plt.close(fig)


def test_every_figure_function_of_the_package_is_tested():
    # Each plots.plot_* and each diagram is called by name somewhere in the tests.
    from pathlib import Path

    from rnnbook import plots

    source = " ".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    names = [n for n in plots.__all__ if n.startswith("plot_")] + list(diagrams.__all__)
    untested = [n for n in names if f"{n}(" not in source and f'"{n}"' not in source]
    assert not untested, untested
