"""rnnbook.interactive: the Vega-Lite figures of the site, without a browser (tests/site has the
browser test of the built pages)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rnnbook import interactive


def spec_of(figure: interactive.VegaLite) -> dict:
    html = figure._repr_html_()
    start = html.index('class="rnnbook-vega-spec">') + len('class="rnnbook-vega-spec">')
    return json.loads(html[start : html.index("</script>", start)].replace("<\\/", "</"))


def flows() -> pd.DataFrame:
    radii = [0.5, 1.0, 1.5]
    return pd.concat(
        pd.DataFrame({"rho": r, "step": np.arange(1, 11), "relative": r ** (10 - np.arange(1, 11))})
        for r in radii
    )


def test_slider_spans_the_radii_and_keeps_every_step():
    figure = interactive.gradient_flow_slider(flows())
    spec = spec_of(figure)
    bind = spec["params"][0]["bind"]
    assert (bind["input"], bind["min"], bind["max"], bind["step"]) == ("range", 0.5, 1.5, 0.5)
    assert [row["rho"] for row in spec["data"]["values"]] == [0.5, 1.0, 1.5]
    assert all(len(row["relative"]) == 10 for row in spec["data"]["values"])
    assert spec["description"] == figure.description


def test_html_cannot_be_closed_by_the_data():
    figure = interactive.gate_traces(
        np.zeros((1, 5)), {"gate </script><b>": np.full((1, 5, 3), 0.5)}, ["x</script>"], 100.0
    )
    html = figure._repr_html_()
    assert html.count("</script>") == 1
    assert spec_of(figure)["vconcat"][0]["title"]["text"] == ["x</script>"]


def test_onset_marks_in_the_description():
    figure = interactive.onset_probability(
        np.zeros(80), np.r_[np.zeros(40), np.ones(40)], np.linspace(0, 1, 10), [6], 8, 100.0
    )
    assert "onset at 0.40 s" in figure.description
    assert "first alarm at or after it at 0.56 s" in spec_of(figure)["description"]
    assert figure.size() < 10_000


@pytest.mark.parametrize("digits", [3, 4])
def test_values_are_rounded(digits):
    assert interactive._round(np.array([1 / 3]), digits) == [round(1 / 3, digits)]
