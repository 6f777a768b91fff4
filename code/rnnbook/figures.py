"""How the book's figures look and display. `use_book_style()`, which every chapter calls after
its imports, makes IPython draw every matplotlib Figure as a PNG at twice the resolution it is
shown at (IPython's "retina" format), whatever matplotlib's backend is: with `MPLBACKEND=Agg` in
the environment (common on servers and CI) the inline backend is not active, and a displayed or
glued Figure would otherwise show only as text. It also has pandas show every table cell whole.

A figure wider than the page's column (`COLUMN_INCHES`) is shown shrunk to it, and its text with
it; before it is drawn, `readable` raises any text that would then be smaller than
`MIN_TEXT_PX` pixels to that size, so every figure is legible at its displayed size.

And it sets matplotlib's colour cycle ("C0", "C1", ...) to the Okabe-Ito palette, whose colours
stay distinct with the common colour-vision deficiencies; its order keeps the hues of
matplotlib's default cycle where the chapters name them: C0 blue, C1 orange, C2 green, C3
vermillion (red), C4 reddish purple. Figures keep a white background, so they stay legible in the
site's dark scheme.
"""

from __future__ import annotations

import matplotlib as mpl

COLUMN_INCHES = (
    6.7  # a figure's width in the site's column at a desktop width (673 CSS px, measured)
)
MIN_TEXT_PX = 9.0  # the smallest text a figure may show, in CSS pixels
PX_PER_POINT = 100 / 72  # figures are shown at 100 CSS px per inch


def readable(fig) -> None:
    """Raise every text of `fig` to at least `MIN_TEXT_PX` at the size the page shows it."""
    from matplotlib.text import Text

    for _ in range(2):  # larger text can widen the figure's tight box: measure again
        width = fig.get_tightbbox(fig.canvas.get_renderer()).width  # inches, as it is saved
        shown = min(1.0, COLUMN_INCHES / width)  # the column shrinks a wider figure
        smallest = MIN_TEXT_PX / (PX_PER_POINT * shown)  # points
        for text in fig.findobj(Text):
            if text.get_text() and text.get_fontsize() < smallest:
                text.set_fontsize(smallest)


def panel_grid(n: int, width: float, height: float, **kwargs):
    """A figure of `n` panels of `width` x `height` inches, at most two a row, so that it fits
    the column at full size; panels left over in the last row are hidden. Returns (fig, axes),
    `axes` a 2-D array (`axes.flat` in reading order)."""
    import matplotlib.pyplot as plt

    ncols = min(2, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False,
                             **kwargs)  # fmt: skip
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes


def _retina_png(fig, **kwargs):
    from IPython.core.pylabtools import retina_figure

    readable(fig)
    return retina_figure(fig, base64=True, **kwargs)


def _draw_figures_as_png() -> None:
    try:
        from IPython import get_ipython
        from matplotlib.figure import Figure
    except ImportError:  # no IPython: nothing displays figures
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "kernel"):
        formatters = shell.display_formatter.formatters
        formatters["image/png"].for_type(Figure, lambda fig: _retina_png(fig, bbox_inches="tight"))
        for other in ("image/jpeg", "image/svg+xml", "application/pdf"):
            formatters[other].pop(Figure, None)


OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def use_book_style() -> None:
    """The book's look, for a notebook: the Okabe-Ito colour cycle, figures displayed as PNG at
    twice their resolution (in a Jupyter kernel), and every pandas table cell shown whole (a cut
    cell would hide a number or a word). Nothing changes until it is called."""
    import pandas as pd

    mpl.rcParams["axes.prop_cycle"] = mpl.cycler(color=OKABE_ITO)
    _draw_figures_as_png()
    pd.set_option("display.max_colwidth", None)
