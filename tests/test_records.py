"""From the cohort's long tables to visit sequences, checked by hand on real people (ids 2, 4
and 14) and on tiny made-up cohorts: the visits, every channel, the labels of the next year's
codes, the order-free summary, and `CodeGRU`'s embedding of a visit's codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from rnnbook import records, visit_models
from rnnbook.cohort import CODES, Cohort
from rnnbook.errors import DataError

YEAR = 365.25
# A scale chosen for round numbers: (mean, sd) of each measurement, of age and of BMI.
SCALE = {
    "hdl": (50.0, 10.0), "sbp": (140.0, 20.0), "smoke": (0.5, 0.5), "fib4": (4.0, 2.0),
    "age": (50.0, 10.0), "bmi": (30.0, 5.0),
}  # fmt: skip
NEVER = np.log1p(records.NEVER_SEEN_YEARS)


def some_people(c: Cohort, ids) -> Cohort:
    return Cohort(
        c.people[c.people["id"].isin(ids)].reset_index(drop=True),
        c.measurements[c.measurements["id"].isin(ids)].reset_index(drop=True),
        c.events[c.events["id"].isin(ids)].reset_index(drop=True),
    )


@pytest.fixture(scope="module")
def three(nafld_clean):
    """Person 2 (hdl only, twice on day -265, no code), 4 (codes and three measurements) and 14
    (no history: the landmark visit alone, BMI missing), cleaned."""
    return some_people(nafld_clean, [2, 4, 14])


@pytest.fixture(scope="module")
def tensors(three):
    return records.visit_tensors(three, records.visit_table(three), SCALE)


def ch(name: str) -> int:
    return records.channel_names().index(name)


def gaps(days) -> list[float]:
    return [0.0] + [float(np.log1p(d / YEAR)) for d in np.diff(days)]


# --- the visits -----------------------------------------------------------------------------------


def test_visit_table_of_the_real_cohort(nafld_clean):
    visits = records.visit_table(nafld_clean)
    assert len(visits) == 147_366 and list(visits.columns) == ["id", "days", "step"]
    per = visits.groupby("id")
    assert per.ngroups == 17_549  # everyone, with at least the landmark visit
    assert (per["days"].last() == 0).all() and (visits["days"] <= 0).all()
    assert (per.size().max(), int((per.size() == 1).sum())) == (records.MAX_VISITS, 2_889)
    assert (per["step"].max() + 1).equals(per.size())
    assert not visits.duplicated(["id", "days"]).any()
    untruncated = records.visit_table(nafld_clean, max_visits=10**6).groupby("id").size()
    assert int((untruncated > records.MAX_VISITS).sum()) == 10 and untruncated.max() == 103


def test_visits_of_person_4(three):
    visits = records.visit_table(three)
    four = visits[visits["id"] == 4]
    # codes on -1287, -1226, -90; hdl on -1273 ... -96; sbp on -96, -89; fib4 on -85; day 0
    assert four["days"].tolist() == [-1287, -1273, -1226, -1108, -996, -798, -560, -96, -90, -89,
                                     -85, 0]  # fmt: skip
    assert four["step"].tolist() == list(range(12))
    assert visits[visits["id"] == 2]["days"].tolist() == [-5866, -4383, -3149, -1972, -265, 0]
    assert visits[visits["id"] == 14][["days", "step"]].values.tolist() == [[0, 0]]
    assert visits["id"].tolist() == [2] * 6 + [4] * 12 + [14]


def test_max_visits_keeps_the_last(three):
    visits = records.visit_table(three, max_visits=5)
    assert visits[visits["id"] == 4]["days"].tolist() == [-96, -90, -89, -85, 0]
    assert visits[visits["id"] == 2]["days"].tolist() == [-4383, -3149, -1972, -265, 0]
    assert visits.groupby("id")["step"].max().tolist() == [4, 4, 0]
    rt = records.visit_tensors(three, visits, SCALE)
    assert rt.X.shape == (3, 5, len(records.channel_names())) and rt.lengths.tolist() == [5, 5, 1]
    four = rt.X[1]
    # the hdl of -96 is the first seen now: nothing is carried from the dropped visits
    assert four[:, ch("hdl")] == pytest.approx([0.1] * 5)
    assert four[0, ch("ang/isc")] == 0 and four[1, ch("ang/isc")] == 1  # -1226's code is gone
    assert four[0, ch("gap_years")] == 0


# --- the channels, by hand ------------------------------------------------------------------------


def test_layout_of_the_batch(tensors):
    names = records.channel_names()
    assert len(names) == 1 + 10 + 1 + 4 * 3 + 4 == 28 and tensors.channels == names
    assert names[1:11] == list(CODES) and tensors.channel("gap_years") == 11
    assert tensors.ids.tolist() == [2, 4, 14]
    assert tensors.X.shape == (3, 12, 28) and tensors.X.dtype == np.float32
    assert tensors.lengths.tolist() == [6, 12, 1]
    assert tensors.X[:, :, 0].sum(axis=1).tolist() == [6, 12, 1]


def test_person_4_by_hand(three, tensors):
    X, days = tensors.X[1], tensors.days[1]
    visit_days = [-1287, -1273, -1226, -1108, -996, -798, -560, -96, -90, -89, -85, 0]
    assert days.tolist() == visit_days
    assert X[:, 0].tolist() == [1] * 12
    # codes: htn and dyslipidemia on -1287, ang/isc on -1226 and -90
    codes = X[:, 1:11]
    assert codes.sum() == 4
    assert codes[0, CODES.index("htn")] == codes[0, CODES.index("dyslipidemia")] == 1
    assert codes[2, CODES.index("ang/isc")] == codes[8, CODES.index("ang/isc")] == 1
    assert X[:, ch("gap_years")] == pytest.approx(gaps(visit_days), abs=1e-6)
    # hdl 47, 54, 51, 39, 43, 56, 51 on the first seven days with hdl, then carried forward
    hdl = [0, 47, 54, 51, 39, 43, 56, 51, 51, 51, 51, 51]
    assert X[:, ch("hdl")] == pytest.approx([0] + [(v - 50) / 10 for v in hdl[1:]], abs=1e-6)
    assert X[:, ch("hdl_measured")].tolist() == [0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    since = [NEVER, 0, 0, 0, 0, 0, 0, 0] + [np.log1p(d / YEAR) for d in (6, 7, 11, 96)]
    assert X[:, ch("hdl_years_since")] == pytest.approx(since, abs=1e-6)
    # sbp 142 on -96 and 148 on -89
    assert X[:, ch("sbp")] == pytest.approx([0] * 7 + [0.1, 0.1, 0.4, 0.4, 0.4], abs=1e-6)
    assert X[:, ch("sbp_measured")].tolist() == [0] * 7 + [1, 0, 1, 0, 0]
    since = [NEVER] * 7 + [0, np.log1p(6 / YEAR), 0, np.log1p(4 / YEAR), np.log1p(89 / YEAR)]
    assert X[:, ch("sbp_years_since")] == pytest.approx(since, abs=1e-6)
    # fib4 4.5542 on -85; smoke never
    fib4 = (4.5542 - 4) / 2
    assert X[:, ch("fib4")] == pytest.approx([0] * 10 + [fib4, fib4], abs=1e-6)
    assert X[:, ch("fib4_measured")].tolist() == [0] * 10 + [1, 0]
    assert X[-1, ch("fib4_years_since")] == pytest.approx(np.log1p(85 / YEAR))
    assert X[:, ch("smoke")].tolist() == [0] * 12 and X[:, ch("smoke_measured")].sum() == 0
    assert X[:, ch("smoke_years_since")] == pytest.approx([NEVER] * 12)
    # static: 56 years old, a man, BMI 37.83, on every visit
    bmi = float(three.people.set_index("id").loc[4, "bmi"])
    assert bmi == pytest.approx(37.8301, abs=1e-4)
    static = X[:, -4:]
    assert static == pytest.approx(np.tile([0.6, 1, (bmi - 30) / 5, 0], (12, 1)), abs=1e-6)


def test_person_2_measured_twice_on_one_day(three, tensors):
    """Day -265 has two hdl rows of 86 (a repeated row): their mean, not their sum."""
    m = three.measurements
    assert m[(m["id"] == 2) & (m["days"] == -265)]["value"].tolist() == [86.0, 86.0]
    X = tensors.X[0]
    visit_days = [-5866, -4383, -3149, -1972, -265, 0]
    assert tensors.days[0].tolist() == visit_days + [0] * 6  # padding: the last visit's day
    assert X[:6, ch("hdl")] == pytest.approx([1.1, 0.6, 3.7, 1.9, 3.6, 3.6], abs=1e-6)
    assert X[:6, ch("hdl_measured")].tolist() == [1, 1, 1, 1, 1, 0]
    assert X[5, ch("hdl_years_since")] == pytest.approx(np.log1p(265 / YEAR))
    assert X[:6, ch("gap_years")] == pytest.approx(gaps(visit_days), abs=1e-6)
    assert X[:6, 1:11].sum() == 0  # no code
    assert X[:6, ch("sbp_years_since")] == pytest.approx([NEVER] * 6)
    bmi = float(three.people.set_index("id").loc[2, "bmi"])
    assert X[0, -4:] == pytest.approx([1.7, 0, (bmi - 30) / 5, 0], abs=1e-6)
    assert (X[6:] == 0).all()  # padding all zeros
    # two different values on one day: the visit holds their mean
    m = m.copy()
    m.loc[(m["id"] == 2) & (m["days"] == -265), "value"] = [86.0, 76.0]
    other = Cohort(three.people, m, three.events)
    rt = records.visit_tensors(other, records.visit_table(other), SCALE)
    assert rt.X[0, 4:6, ch("hdl")] == pytest.approx([3.1, 3.1])


def test_person_14_has_only_the_landmark_visit(tensors):
    X = tensors.X[2]
    expected = np.zeros(28)
    expected[0] = 1  # a real visit
    expected[ch("hdl_years_since") : ch("fib4_years_since") + 1] = NEVER  # never seen
    expected[-4:] = [-0.9, 1, 0, 1]  # 41 years old, a man, BMI missing: 0 and its flag
    assert X[0] == pytest.approx(expected, abs=1e-6)
    assert (X[1:] == 0).all() and tensors.days[2].tolist() == [0] * 12


def test_the_scale_of_a_cohort(nafld_clean, three):
    some = some_people(nafld_clean, range(1, 201))  # the first 200 ids: every measurement
    scale = records.scale_of(some)
    assert set(scale) == {"hdl", "sbp", "smoke", "fib4", "age", "bmi"}
    hdl = some.measurements.query("test == 'hdl'")["value"]
    assert scale["hdl"] == pytest.approx((hdl.mean(), hdl.std()))
    bmi = some.people["bmi"].dropna()  # the missing ones left out
    assert scale["bmi"] == pytest.approx((bmi.mean(), bmi.std()))
    rt = records.visit_tensors(some, records.visit_table(some))  # None: its own scale
    four = np.searchsorted(rt.ids, 4)
    assert rt.X[four, 1, ch("hdl")] == pytest.approx((47 - scale["hdl"][0]) / scale["hdl"][1])
    # three people: no smoke at all, one value of fib4: one clear line, not a KeyError
    with pytest.raises(DataError, match=r"^cannot standardise smoke: 0 values in this cohort"):
        records.scale_of(three)


# --- labels and the order-free summary ------------------------------------------------------------


def tiny() -> Cohort:
    """Person 1 followed 1,000 days; person 2 only 300 (died), with an afib on day 250."""
    people = pd.DataFrame({
        "id": [1, 2], "age": [50, 60], "male": [0, 1], "weight": [70.0, 80.0],
        "height": [170.0, 180.0], "bmi": [24.0, np.nan], "case_id": [1.0, 1.0],
        "futime": [1_000, 300], "status": [0, 1],
    })  # fmt: skip
    measurements = pd.DataFrame({
        "id": [1, 1, 2], "days": [-400, 0, -100], "test": ["hdl", "hdl", "sbp"],
        "value": [40.0, 60.0, 150.0],
    })  # fmt: skip
    events = pd.DataFrame({
        "id": [1, 1, 1, 1, 2],
        "days": [-35, -10, 355, 366, 250],
        "event": ["stroke", "htn", "MI", "diabetes", "afib"],
    })  # fmt: skip
    return Cohort(people, measurements, events)


def test_next_codes_by_hand():
    c = tiny()
    visits = records.visit_table(c)
    assert visits[["id", "days"]].values.tolist() == [
        [1, -400], [1, -35], [1, -10], [1, 0], [2, -100], [2, 0],
    ]  # fmt: skip
    y = records.next_codes(c, visits)
    assert y.shape == (6, 10)

    def row(ones=(), unknown=False):
        out = np.full(10, np.nan) if unknown else np.zeros(10)
        out[[CODES.index(code) for code in ones]] = 1
        return out

    expected = np.stack([
        row(["stroke"]),  # -400: the stroke on -35 is 365 days later, inside (day, day + 365]
        row(["htn"]),  # -35: its own day's stroke is not "after"; MI on 355 is 390 days away
        row(["MI"]),  # -10: MI on 355, the horizon's last day; htn the same day is not counted
        row(["MI"]),  # 0: diabetes on 366 is a day too late
        row(["afib"]),  # person 2 at -100: followed to 300 >= 265, afib on 250
        row(["afib"], unknown=True),  # at 0: follow-up ends on 300 < 365; afib known, rest NaN
    ])  # fmt: skip
    np.testing.assert_array_equal(y, expected)
    longer = records.next_codes(c, visits, horizon=366)
    assert longer[3, CODES.index("diabetes")] == 1 and longer[2, CODES.index("diabetes")] == 0


def test_next_codes_of_the_real_cohort_are_well_formed(three):
    visits = records.visit_table(three)
    y = records.next_codes(three, visits)
    assert y.shape == (len(visits), 10)
    assert set(np.unique(y[~np.isnan(y)])) <= {0.0, 1.0}
    # person 4 (followed 3,143 days): ang/isc on -1226 is within a year after -1287 and -1273,
    # the one on -90 within a year after -96; never counted on its own day
    four = y[visits["id"].to_numpy() == 4, CODES.index("ang/isc")]
    assert four.tolist() == [1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]


def test_summary_features_by_hand(tensors):
    s = records.summary_features(tensors)
    assert s.shape == (3, 12, 1 + 10 + 4 * 3 + 4)
    last = s[1, 11]
    assert last[0] == 12  # visits so far
    counts = dict(zip(CODES, last[1:11], strict=True))
    assert counts == {
        code: {"dyslipidemia": 1, "htn": 1, "ang/isc": 2}.get(code, 0) for code in CODES
    }
    value, trend, seen = last[11:15], last[15:19], last[19:23]
    assert value == pytest.approx([0.1, 0.4, 0, (4.5542 - 4) / 2], abs=1e-6)  # last values
    # per year between the first and last values: hdl 47 on -1273 to 51 on -96; sbp 142 to 148
    hdl_trend = (0.1 - (-0.3)) / (1177 / YEAR)
    sbp_trend = (0.4 - 0.1) / (7 / YEAR)
    assert trend == pytest.approx([hdl_trend, sbp_trend, 0, 0], rel=1e-5)  # fib4 once: 0
    assert seen.tolist() == [1, 1, 0, 1]
    assert last[23:] == pytest.approx(tensors.X[1, 11, -4:])
    at_minus_90 = s[1, 8]  # sbp seen once so far: no trend yet; fib4 not seen
    assert at_minus_90[0] == 9 and at_minus_90[1 + CODES.index("ang/isc")] == 2
    assert at_minus_90[15:19] == pytest.approx([hdl_trend, 0, 0, 0], rel=1e-5)
    assert at_minus_90[19:23].tolist() == [1, 1, 0, 0]
    # person 2: hdl 61 on -5866 to 86 on -265
    assert s[0, 5, 15] == pytest.approx((3.6 - 1.1) / (5601 / YEAR), rel=1e-5)
    # person 14: nothing seen, nothing counted
    assert s[2, 0, :23].tolist() == [1] + [0] * 22


# --- CodeGRU's embedding of the codes -------------------------------------------------------------


def test_code_gru_embeds_like_an_embedding_bag(tensors):
    torch.manual_seed(0)
    num_codes, num_embed = len(CODES), 4
    model = visit_models.CodeGRU(3, tensors.X.shape[2], num_codes, num_embed, num_hiddens=5)
    assert model.rnn.input_size == 28 - num_codes + num_embed
    X = torch.from_numpy(tensors.X)
    multi_hot = X[:, :, 1 : 1 + num_codes].reshape(-1, num_codes)  # (every visit, codes)
    bag = nn.EmbeddingBag(num_codes, num_embed, mode="sum")
    with torch.no_grad():
        bag.weight.copy_(model.embed.weight.T)  # E: (codes, embed), one row per code
        visit, code = multi_hot.nonzero(as_tuple=True)  # each visit's codes, visit by visit
        offsets = torch.searchsorted(visit, torch.arange(len(multi_hot)))
        assert multi_hot.sum() == 4  # person 4's four codes (htn and dyslipidemia together)
        expected = bag(code, offsets)  # a visit with no code: the empty sum, zeros
        got = model.embed(X[:, :, 1 : 1 + num_codes]).reshape(-1, num_embed)
    torch.testing.assert_close(got, expected)
    four_first = 12  # person 4's first visit: the sum of the two codes' rows
    rows = model.embed.weight.T[[CODES.index("dyslipidemia"), CODES.index("htn")]].sum(0)
    torch.testing.assert_close(got[four_first], rows.detach())
    # the model reads [visit, embedded codes, the rest] with VisitGRU's packed GRU
    with torch.no_grad():
        inner = torch.cat([X[:, :, :1], got.reshape(3, 12, -1), X[:, :, 11:]], dim=-1)
        torch.testing.assert_close(model(X), visit_models.VisitGRU.forward(model, inner))
