"""How figures display (rnnbook.figures): no text smaller than MIN_TEXT_PX at the size the page
shows the figure, however wide it is."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text

from rnnbook import figures


def _shown_px(fig) -> float:
    """The smallest text of `fig`, in CSS pixels, once the column has shrunk the figure."""
    width = fig.get_tightbbox(fig.canvas.get_renderer()).width
    shown = min(1.0, figures.COLUMN_INCHES / width)
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text()]
    return min(sizes) * figures.PX_PER_POINT * shown


@pytest.mark.parametrize("width", [5.0, 10.0, 15.0])
def test_readable_raises_small_text_to_the_floor(width):
    fig, ax = plt.subplots(figsize=(width, 3))
    ax.plot([0, 1], [0, 1], label="a line")
    ax.legend(fontsize=6)
    ax.set_title("title", fontsize=7)
    ax.tick_params(labelsize=5)
    figures.readable(fig)
    assert _shown_px(fig) >= figures.MIN_TEXT_PX - 1e-6
    plt.close(fig)


def test_readable_leaves_large_text_alone():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_title("big", fontsize=20)
    figures.readable(fig)
    assert ax.title.get_fontsize() == 20
    plt.close(fig)
