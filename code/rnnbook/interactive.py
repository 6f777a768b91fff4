"""Interactive figures for the website: Vega-Lite specifications with their data inline.

Each function returns a `VegaLite` figure. In the built book it is drawn by Vega-Lite in the
reader's browser, from JavaScript that the site serves itself (_ext/static/vega/, added by
_ext/site_fixes.py to the pages that hold such a figure; nothing comes from a CDN). In JupyterLab
(Binder) the output says where to see it: JupyterLab runs no script of an output, and an extra
Vega-Lite mime type in the output would be one that myst-nb does not know (a build warning);
`VegaLite.spec` is a plain Vega-Lite specification for any other renderer. The data are
computed when the chapter executes, rounded, and kept small (tens of kB per figure). Each chapter
keeps its static matplotlib figure beside the interactive one, with its alt text.

Colours are from the Okabe-Ito palette, told apart with the common colour-vision deficiencies,
and chosen to be legible on the light and on the dark background of the site.
"""

from __future__ import annotations

import copy
import html
import json
import uuid

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn

from rnnbook import gradients
from rnnbook.figures import OKABE_ITO

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # an identifier: never fetched
# Okabe-Ito colours that stay visible on both schemes (its black and its yellow do not).
ORANGE, SKY_BLUE, GREEN, VERMILLION, BLUE, PURPLE = (OKABE_ITO[i] for i in (1, 5, 2, 3, 0, 4))
GREY = "#888888"
# The EEG traces: the page's own text colour (SVG's currentColor: near-black on the light scheme,
# near-white on the dark one), so a trace never looks like the grid's grey on either.
TRACE = "currentColor"


class VegaLite:
    """A Vega-Lite figure that a notebook front end or the built site draws.

    `description` is the figure's text alternative: Vega puts it in the SVG's aria-label, and
    the page also keeps it as text for readers who do not see the figure.
    """

    def __init__(self, spec: dict, description: str):
        self.spec = {"$schema": SCHEMA, "description": description, **spec}
        self.description = description

    def to_json(self) -> str:
        return json.dumps(self.spec, separators=(",", ":"), allow_nan=False)

    def _repr_html_(self) -> str:
        # The site's script (rnnbook-vega.js) finds the container and draws the JSON inside it.
        # "</" is escaped so that no string in the data can close the script element.
        spec = self.to_json().replace("</", "<\\/")
        fig_id = f"rnnbook-vega-{uuid.uuid4().hex[:8]}"
        return (
            f'<div class="rnnbook-vega" id="{fig_id}" role="figure" '
            f'aria-label="{html.escape(self.description)}">'
            f'<script type="application/json" class="rnnbook-vega-spec">{spec}</script>'
            '<p class="rnnbook-vega-fallback">(An interactive figure, drawn on the book\'s website '
            "with JavaScript; the figure above shows the same data.)</p></div>"
        )

    def size(self) -> int:
        """Bytes of the specification, data included."""
        return len(self.to_json().encode())


def _round(values: np.ndarray, digits: int = 4) -> list[float]:
    """Significant digits only: the data travel inside the page."""
    return [float(f"{v:.{digits}g}") for v in np.asarray(values, dtype=np.float64)]


# --- (1) vanishing gradients: the gradient flow against the spectral radius --------------------


def spectral_radius_flows(
    base: nn.Module, X: Tensor, y: Tensor, radii: list[float] | np.ndarray
) -> pd.DataFrame:
    """``||dL/dx_t||`` relative to the last step, for copies of `base` (a `SeqClassifier` with a
    vanilla RNN) whose recurrent weight is rescaled to each spectral radius. Computed in float64
    (see `gradients.gradient_flow`). Columns: rho, step (1..T), relative."""
    frames = []
    for radius in radii:
        model = copy.deepcopy(base)
        model.rnn = gradients.scale_spectral_radius(model.rnn, float(radius))
        flow = gradients.gradient_flow(model, X, y, dtype=torch.float64)
        frames.append(
            pd.DataFrame(
                {
                    "rho": round(float(radius), 3),
                    "step": np.arange(1, len(flow) + 1),
                    "relative": flow / flow[-1],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def gradient_flow_slider(flows: pd.DataFrame, start: float = 1.0) -> VegaLite:
    """The gradient flow against the time step, one spectral radius at a time, picked with a
    slider. `flows` as from `spectral_radius_flows`."""
    radii = sorted(flows["rho"].unique())
    steps = np.diff(radii)
    step = float(np.round(steps.min(), 3)) if len(steps) else 0.1
    rows = [
        {"rho": rho, "relative": _round(group.sort_values("step")["relative"])}
        for rho, group in flows.groupby("rho")
    ]
    ratios = {rho: g.sort_values("step")["relative"].iloc[0] for rho, g in flows.groupby("rho")}
    low, high = min(ratios.values()), max(ratios.values())
    description = (
        "Interactive line chart: the gradient norm at each of the "
        f"{flows['step'].max()} time steps relative to the last step, on a log scale, for a "
        "vanilla RNN whose recurrent weight is rescaled to the spectral radius chosen with the "
        f"slider (from {radii[0]:g} to {radii[-1]:g}). Below 1 the gradient falls towards the "
        "first step (vanishing), above 1 it rises (exploding); the first step's ratio runs from "
        f"{low:.1e} to {high:.1e}."
    )
    spec = {
        "width": "container",
        "height": 300,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": rows},
        "params": [
            {
                "name": "rho",
                "value": start,
                "bind": {
                    "input": "range",
                    "min": radii[0],
                    "max": radii[-1],
                    "step": step,
                    "name": "spectral radius ρ of W_hh: ",
                },
            }
        ],
        "transform": [
            {"filter": f"abs(datum.rho - rho) < {step / 2}"},
            {"flatten": ["relative"]},
            {"window": [{"op": "row_number", "as": "step"}]},
            {"filter": "datum.relative > 0"},
        ],
        "layer": [
            {
                "mark": {"type": "line", "color": BLUE, "strokeWidth": 2.5},
                "encoding": {
                    "x": {"field": "step", "type": "quantitative", "title": "time step t"},
                    "y": {
                        "field": "relative",
                        "type": "quantitative",
                        "scale": {"type": "log"},
                        "axis": {"format": ".0e"},
                        "title": "‖∂L/∂x_t‖ / ‖∂L/∂x_T‖",
                    },
                    "tooltip": [
                        {"field": "step", "title": "step"},
                        {"field": "relative", "title": "relative norm", "format": ".2e"},
                        {"field": "rho", "title": "ρ"},
                    ],
                },
            },
            {
                "data": {"values": [{}]},  # one reference line, not one per row
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": GREY, "aria": False},
                "encoding": {"y": {"datum": 1}},
            },
        ],
    }
    return VegaLite(spec, description)


def spectral_radius_explorer(
    base: nn.Module, X: Tensor, y: Tensor, radii: list[float] | np.ndarray
) -> VegaLite:
    """`gradient_flow_slider` of `spectral_radius_flows`: the slider starts at 1."""
    return gradient_flow_slider(spectral_radius_flows(base, X, y, radii))


# --- (2) gated cells: the gates over one second of EEG ----------------------------------------


def gate_traces(
    eeg: np.ndarray,
    gates: dict[str, np.ndarray],
    labels: list[str],
    sampling_rate: float,
) -> VegaLite:
    """Each example's EEG (standardised) above the mean over hidden units of each gate, step by
    step, with every value at the hovered time shown.

    eeg: (n, T); gates: name -> (n, T, hidden); labels: one per example (e.g. "seizure: Z001").
    """
    eeg = np.asarray(eeg, dtype=np.float64)
    n, steps = eeg.shape
    t_ms = np.arange(steps) * 1000.0 / sampling_rate
    rows = []
    for i in range(n):
        row = {"example": labels[i], "t": _round(t_ms), "EEG": _round(eeg[i])}
        for name, gate in gates.items():
            row[name] = _round(np.asarray(gate[i], dtype=np.float64).mean(axis=-1), 3)
        rows.append(row)
    names = list(gates)
    colors = [ORANGE, SKY_BLUE, GREEN, PURPLE][: len(names)]
    fields = ["t", "EEG", *names]
    description = (
        f"Interactive chart of {n} one-second EEG segments ({', '.join(labels)}): for each, the "
        "standardised EEG and, below it, the mean over hidden units of "
        f"{' and of '.join(names)} at each of the {steps} time steps, between 0 and 1. Hovering "
        "shows the time, the EEG value and each gate's value at that step."
    )
    tooltip = [{"field": "t", "title": "time (ms)", "format": ".0f"}] + [
        {"field": f, "title": f, "format": ".3f"} for f in fields[1:]
    ]
    x = {
        "field": "t",
        "type": "quantitative",
        "title": "time (ms)",
        "scale": {"domain": [0, float(t_ms[-1])], "nice": False},
    }
    panels = []
    for i, label in enumerate(labels):
        only = [{"filter": {"field": "example", "equal": label}}, {"flatten": fields}]
        eeg_panel = {
            "title": {"text": label.split(": ", 1), "anchor": "start"},  # two lines
            "width": "container",
            "height": 100,
            "transform": only,
            "mark": {"type": "line", "color": TRACE, "strokeWidth": 1},
            "encoding": {
                "x": {**x, "title": None},
                "y": {"field": "EEG", "type": "quantitative", "title": "EEG (std.)"},
            },
        }
        hover = f"hover{i}"
        gate_panel = {
            "width": "container",
            "height": 120,
            "transform": only,
            "layer": [
                {
                    "transform": [{"fold": names, "as": ["gate", "value"]}],
                    "mark": {"type": "line", "strokeWidth": 2},
                    "encoding": {
                        "x": x,
                        "y": {
                            "field": "value",
                            "type": "quantitative",
                            "scale": {"domain": [0, 1]},
                            "title": "gate (mean)",
                        },
                        "color": {
                            "field": "gate",
                            "type": "nominal",
                            "scale": {"domain": names, "range": colors},
                            "legend": {"orient": "bottom", "title": None, "direction": "vertical"},
                        },
                    },
                },
                {
                    "params": [
                        {
                            "name": hover,
                            "select": {
                                "type": "point",
                                "encodings": ["x"],
                                "on": "pointermove",
                                "nearest": True,
                                "clear": "pointerout",
                            },
                        }
                    ],
                    "mark": {"type": "rule", "color": GREY, "strokeWidth": 6, "aria": False},
                    "encoding": {
                        "x": x,
                        "opacity": {
                            "condition": {"param": hover, "empty": False, "value": 0.6},
                            "value": 0,
                        },
                        "tooltip": tooltip,
                    },
                },
            ],
        }
        panels += [eeg_panel, gate_panel]
    spec = {
        "data": {"values": rows},
        "vconcat": panels,
        "resolve": {"scale": {"y": "independent", "color": "shared"}},
        "config": {"view": {"stroke": None}},
    }
    return VegaLite(spec, description)


# --- (3) sequence tasks: the onset labeller over a stitched recording -------------------------


def onset_probability(
    eeg: np.ndarray,
    labels: np.ndarray,
    p_seizure: np.ndarray,
    alarms: list[int],
    stride: int,
    sampling_rate: float,
) -> VegaLite:
    """One stitched test sequence: its EEG and the labeller's P(seizure) at every step, with the
    true onset and the monitor's alarms marked; drag to pan, scroll or pinch to zoom (the two
    panels move together), double-click to reset.

    eeg, labels: per sample (T,); p_seizure: per step (steps,); alarms: the steps at whose end
    the monitor raises an alarm (`tasks.alarm_steps`)."""
    eeg = np.asarray(eeg, dtype=np.float64)
    labels = np.asarray(labels)
    onset_s = float(np.argmax(labels)) / sampling_rate if labels.any() else None
    step_end = (np.arange(len(p_seizure)) + 1) * stride / sampling_rate
    alarm_s = [float((a + 1) * stride / sampling_rate) for a in alarms]
    marks = ([{"what": "true onset", "t": round(onset_s, 3)}] if onset_s is not None else []) + [
        {"what": "alarm", "t": round(a, 3)} for a in alarm_s
    ]
    first_alarm = next((a for a in alarm_s if onset_s is None or a >= onset_s), None)
    description = (
        f"Interactive chart of a {len(eeg) / sampling_rate:.0f}-second test sequence stitched "
        "from a seizure-free and a seizure recording: the EEG on top, the labeller's probability "
        f"of seizure at each of its {len(p_seizure)} steps below, the true onset"
        + (f" at {onset_s:.2f} s" if onset_s is not None else "")
        + (f" and the first alarm at or after it at {first_alarm:.2f} s" if first_alarm else "")
        + f" marked ({len(alarm_s)} alarm(s) in all). Drag to pan, scroll to zoom in time."
    )
    x = {"field": "t", "type": "quantitative", "title": "time (s)"}
    mark_layers = [
        {
            "data": {"values": marks},
            "mark": {"type": "rule", "strokeWidth": 2},
            "encoding": {
                "x": x,
                "color": {
                    "field": "what",
                    "type": "nominal",
                    "scale": {"domain": ["true onset", "alarm"], "range": [VERMILLION, GREEN]},
                    "legend": {"orient": "bottom", "title": None},
                },
                "strokeDash": {
                    "field": "what",
                    "type": "nominal",
                    "scale": {"domain": ["true onset", "alarm"], "range": [[6, 3], [1, 0]]},
                    "legend": {"orient": "bottom", "title": None},
                },
                "tooltip": [
                    {"field": "what", "title": "marker"},
                    {"field": "t", "title": "time (s)", "format": ".2f"},
                ],
            },
        }
    ]
    eeg_panel = {
        "width": "container",
        "height": 140,
        "layer": [
            {
                "data": {
                    "values": [
                        {"t": _round(np.arange(len(eeg)) / sampling_rate, 5), "EEG": _round(eeg, 3)}
                    ]
                },
                "transform": [{"flatten": ["t", "EEG"]}],
                "params": [
                    {
                        "name": "zoom",
                        "select": {"type": "interval", "encodings": ["x"]},
                        "bind": "scales",
                    }
                ],
                "mark": {"type": "line", "color": TRACE, "strokeWidth": 0.8, "clip": True},
                "encoding": {
                    "x": {**x, "title": None},
                    "y": {"field": "EEG", "type": "quantitative", "title": "EEG (std.)"},
                },
            },
            *mark_layers,
        ],
    }
    p_panel = {
        "width": "container",
        "height": 140,
        "layer": [
            {
                "data": {"values": [{"t": _round(step_end, 5), "p": _round(p_seizure, 3)}]},
                "transform": [{"flatten": ["t", "p"]}],
                "mark": {
                    "type": "line",
                    "interpolate": "step-before",
                    "color": BLUE,
                    "strokeWidth": 2,
                    "clip": True,
                    "point": False,
                },
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "p",
                        "type": "quantitative",
                        "scale": {"domain": [0, 1]},
                        "title": "P(seizure)",
                    },
                    "tooltip": [
                        {"field": "t", "title": "end of step (s)", "format": ".3f"},
                        {"field": "p", "title": "P(seizure)", "format": ".3f"},
                    ],
                },
            },
            {
                "data": {"values": [{}]},
                "mark": {"type": "rule", "color": GREY, "strokeDash": [2, 2], "aria": False},
                "encoding": {"y": {"datum": 0.5}},
            },
            *mark_layers,
        ],
    }
    spec = {
        "vconcat": [eeg_panel, p_panel],
        "resolve": {"scale": {"x": "shared"}},
        "config": {"view": {"stroke": None}},
    }
    return VegaLite(spec, description)
