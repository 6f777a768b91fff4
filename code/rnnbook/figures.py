"""How the book's figures look and display: importing this module (the plots and diagrams do)
makes IPython draw every matplotlib Figure as a PNG at twice the resolution it is shown at
(IPython's "retina" format), whatever matplotlib's backend is: with `MPLBACKEND=Agg` in the
environment (common on servers and CI) the inline backend is not active, and a displayed or glued
Figure would otherwise show only as text. It also sets matplotlib's colour cycle ("C0", "C1", ...)
to the Okabe-Ito palette, whose colours stay distinct with the common colour-vision deficiencies;
its order keeps the hues of matplotlib's default cycle where the chapters name them: C0 blue, C1
orange, C2 green, C3 vermillion (red), C4 reddish purple. Figures keep a white background, so they
stay legible in the site's dark scheme.
"""

from __future__ import annotations

import matplotlib as mpl


def _draw_figures_as_png() -> None:
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:  # no IPython: nothing displays figures
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "kernel"):
        # "retina": PNGs at twice the pixels, shown at their usual size, so that they stay sharp
        # on high-resolution screens and when a phone's browser zooms in.
        select_figure_formats(shell, {"retina"}, bbox_inches="tight")


_draw_figures_as_png()

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
mpl.rcParams["axes.prop_cycle"] = mpl.cycler(color=OKABE_ITO)
