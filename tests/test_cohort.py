"""The NAFLD population cohort on the real files: its facts, the errors inside it and their
cleaning, the split by matched set; and every way a file can be wrong gives one clear line."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnnbook import cohort, downloads
from rnnbook.errors import DataError

# --- the files -------------------------------------------------------------------------------------


def test_checksums_and_where_the_files_are():
    paths = cohort.fetch_cohort()
    assert list(paths) == ["people", "measurements", "events"]
    assert {p.name for p in paths.values()} == set(cohort.NAFLD.sha256)
    assert {p.parent for p in paths.values()} == {cohort.cohort_dir()}
    assert cohort.cohort_dir().name == "nafld"  # the sibling of RNNBOOK_DATA_DIR's bonn-eeg/
    for path in paths.values():
        assert downloads.sha256_of(path) == cohort.NAFLD.sha256[path.name]


def test_the_facts_of_the_shared_readme(nafld):
    """The counts of the data folder's README, measured again on the tables as read."""
    p, m, e = nafld.people, nafld.measurements, nafld.events
    assert len(p) == 17_549 and p["id"].is_unique
    assert (p["id"].min(), p["id"].max()) == (1, 17_566)
    assert int((p["id"] == p["case_id"]).sum()) == 3_514  # cases
    assert int(p["case_id"].isna().sum()) == 31  # no matched case
    assert int(((p["id"] != p["case_id"]) & p["case_id"].notna()).sum()) == 14_004  # controls
    assert int(p["status"].sum()) == 1_364
    assert (p["futime"].min(), p["futime"].max(), p["futime"].median()) == (7, 7_268, 2_148)
    assert (p["age"].min(), p["age"].max()) == (18, 98)
    assert p[["weight", "height", "bmi"]].isna().sum().tolist() == [4_786, 3_168, 4_961]
    sizes = p.groupby("case_id").size()
    assert (sizes.min(), sizes.max(), int((sizes == 5).sum())) == (2, 5, 2_383)

    assert len(m) == 400_123
    assert m["test"].value_counts().to_dict() == {
        "hdl": 161_259, "chol": 161_258, "sbp": 33_430, "dbp": 33_430, "smoke": 7_008,
        "fib4": 3_738,
    }  # fmt: skip
    assert (m["days"].min(), m["days"].max()) == (-7_651, 7_187)
    assert m["id"].nunique() == 15_666
    assert len(e) == 34_340
    assert e["event"].value_counts().to_dict() == {
        "dyslipidemia": 10_462, "htn": 7_097, "nafld": 3_864, "diabetes": 3_452, "ang/isc": 2_235,
        "stroke": 2_054, "afib": 1_935, "heart failure": 1_869, "MI": 1_199, "cardiac arrest": 173,
    }  # fmt: skip
    assert (e["days"].min(), e["days"].max()) == (-16_700, 6_652)
    assert e["id"].nunique() == 12_454
    # sorted by person, then day; the columns as documented on `Cohort`
    for table in (m, e):
        assert (table["id"].diff().dropna() >= 0).all()
        same = table["id"].diff() == 0
        assert (table["days"].diff()[same] >= 0).all()
    assert list(p.columns) == [c.replace("case.id", "case_id") for c in cohort.COLUMNS["people"]]
    assert (p["id"].dtype, m["days"].dtype, m["value"].dtype) == (np.int64, np.int64, np.float64)


def test_summary_counts(nafld, nafld_clean):
    assert cohort.summary(nafld)["count"].to_dict() == {
        "people": 17_549, "NAFLD cases": 3_514, "deaths": 1_364, "measurements": 400_123,
        "coded events": 34_340, "people with a measurement": 15_666,
        "people with a coded event": 12_454,
    }  # fmt: skip
    after = cohort.summary(nafld_clean)["count"]
    # 400,123 - 161,258 chol - 33,430 dbp - 8 sbp outside 50-300; 34,340 - 13 late events
    assert after["measurements"] == 205_427 and after["coded events"] == 34_327
    assert after["people with a coded event"] == 12_453  # one person had only a late event
    assert after["people"] == 17_549 and after["deaths"] == 1_364


# --- a tampered or malformed file ------------------------------------------------------------------


def test_a_tampered_file_is_refused(tmp_path, monkeypatch):
    (tmp_path / "nafld").mkdir()
    for path in cohort.fetch_cohort().values():
        shutil.copy(path, tmp_path / "nafld" / path.name)
        (tmp_path / "nafld" / path.name).chmod(0o644)
    target = tmp_path / "nafld" / "nafld2.parquet"
    raw = bytearray(target.read_bytes())
    raw[len(raw) // 2] ^= 0x01  # one bit of one byte
    target.write_bytes(bytes(raw))
    monkeypatch.setenv("RNNBOOK_DATA_DIR", str(tmp_path))
    assert cohort.cohort_dir() == tmp_path / "nafld"
    with pytest.raises(DataError) as caught:
        cohort.read_cohort()
    message = str(caught.value)
    assert len(message.splitlines()) == 1
    assert "nafld2.parquet" in message and "SHA-256 does not match" in message
    assert target.read_bytes() == bytes(raw)  # reported, never silently replaced


def table_file(tmp_path: Path, frame: pd.DataFrame, name: str = "table.parquet") -> Path:
    path = tmp_path / name
    frame.to_parquet(path)
    return path


GOOD = {
    "people": pd.DataFrame({
        "rownames": ["1", "2"], "id": [1, 2], "age": [50, 60], "male": [0, 1],
        "weight": [70.0, np.nan], "height": [170.0, 180.0], "bmi": [24.2, np.nan],
        "case.id": [1.0, 1.0], "futime": [400, 500], "status": [0, 1],
    }),
    "measurements": pd.DataFrame({
        "rownames": ["1", "2", "3"], "id": [1, 1, 2], "days": [-30, 0, 10],
        "test": ["hdl", "sbp", "fib4"], "value": [50.0, 130.0, 1.2],
    }),
    "events": pd.DataFrame(
        {"rownames": ["1", "2"], "id": [1, 2], "days": [-5, 20], "event": ["htn", "MI"]}
    ),
}  # fmt: skip


def test_good_small_files(tmp_path):
    people = cohort._read_table(table_file(tmp_path, GOOD["people"]), "people")
    assert list(people.columns) == [
        "id",
        "age",
        "male",
        "weight",
        "height",
        "bmi",
        "case_id",
        "futime",
        "status",
    ]  # fmt: skip; no rownames, case.id renamed
    assert people["bmi"].isna().tolist() == [False, True]
    events = cohort._read_table(table_file(tmp_path, GOOD["events"]), "events")
    assert events["event"].tolist() == ["htn", "MI"] and events["days"].dtype == np.int64


def broken(part: str, column: str, values) -> tuple[str, pd.DataFrame]:
    frame = GOOD[part].copy()
    frame[column] = values
    return part, frame


@pytest.mark.parametrize(
    "part,frame,message",
    [
        ("measurements", GOOD["measurements"].drop(columns="days"), "column days is missing"),
        ("people", GOOD["people"].drop(columns="case.id"), "column case.id is missing"),
        (*broken("measurements", "value", ["50", "high", "1.2"]), "column value should hold numbers"),
        (*broken("measurements", "days", [-30.0, np.nan, 10.0]), "column days has 1 missing values"),
        (*broken("people", "futime", [400.0, None]), "column futime has 1 missing values"),
        (*broken("people", "age", [50.5, 60.0]), "column age should hold whole numbers"),
        (*broken("events", "event", [1, 2]), "column event should hold text"),
        ("events", GOOD["events"].iloc[:0], "the file has no rows"),
    ],
    ids=[
        "missing-column", "missing-case.id", "text-in-numbers", "missing-int",
        "missing-futime", "fractional-int", "numbers-in-text", "no-rows",
    ],
)  # fmt: skip
def test_malformed_table(tmp_path, part, frame, message):
    path = table_file(tmp_path, frame)
    with pytest.raises(DataError) as caught:
        cohort._read_table(path, part)
    assert len(str(caught.value).splitlines()) == 1
    assert str(caught.value) == f"{path}: {message}"


def test_not_a_parquet_file(tmp_path):
    path = tmp_path / "nafld1.parquet"
    path.write_text("id,age\n1,50\n")
    with pytest.raises(DataError, match=r"nafld1.parquet: not a readable Parquet file") as caught:
        cohort._read_table(path, "people")
    assert len(str(caught.value).splitlines()) == 1


@pytest.mark.parametrize(
    "part,column,values,message",
    [
        ("people", "id", [1, 1], "nafld1.parquet: column id repeats a person"),
        ("people", "male", [0, 2], "nafld1.parquet: column male must be 0 or 1"),
        ("people", "futime", [400, 0], "nafld1.parquet: column futime must be positive"),
        ("measurements", "id", [1, 1, 9], "nafld2.parquet: column id names 1 rows of people not in nafld1.parquet"),
        ("measurements", "test", ["hdl", "ldl", "fib4"], "nafld2.parquet: column test has unknown tests ['ldl']"),
        ("events", "event", ["htn", "gout"], "nafld3.parquet: column event has unknown codes ['gout']"),
    ],
    ids=["repeated-id", "male", "futime", "stranger", "unknown-test", "unknown-code"],
)  # fmt: skip
def test_read_cohort_checks_keys_and_values(tmp_path, monkeypatch, part, column, values, message):
    """What the types allow but the data may not: read through `read_cohort` on made-up files
    (the real ones' SHA-256 rules out tampering, so `fetch_cohort` is replaced here)."""
    paths = {}
    for name, frame in GOOD.items():
        if name == part:
            frame = frame.copy()
            frame[column] = values
        paths[name] = table_file(tmp_path, frame, cohort.FILES[name])
    monkeypatch.setattr(cohort, "fetch_cohort", lambda directory=None: paths)
    with pytest.raises(DataError) as caught:
        cohort.read_cohort()
    assert str(caught.value) == f"{tmp_path}/{message}"


def test_read_cohort_of_good_small_files(tmp_path, monkeypatch):
    paths = {name: table_file(tmp_path, f, cohort.FILES[name]) for name, f in GOOD.items()}
    monkeypatch.setattr(cohort, "fetch_cohort", lambda directory=None: paths)
    c = cohort.read_cohort()
    assert c.measurements["test"].tolist() == ["hdl", "sbp", "fib4"]
    assert cohort.summary(c)["count"].tolist() == [2, 1, 1, 3, 2, 2, 2]


# --- errors inside the valid files -----------------------------------------------------------------


def test_data_errors_of_the_real_files(nafld):
    errors = cohort.data_errors(nafld)
    assert list(errors.index) == [
        "chol copies hdl", "dbp copies sbp", "blood pressure outside 50-300 mmHg",
        "event after the end of follow-up",
    ]  # fmt: skip
    assert errors["rows"].tolist() == [161_258, 33_430, 16, 13]
    assert errors["action"].tolist() == ["chol dropped", "dbp dropped", "removed", "removed"]
    assert errors["found"].tolist() == [
        "159,647 of the 159,647 days with both are equal",
        "33,212 of the 33,212 days with both are equal",
        "6 above, 10 below; the highest 13,682 mmHg",
        "13 people; up to 339 days late",
    ]
    # The README's 3 above and 5 below are per test: dbp repeats every sbp, so 8 sbp + 8 dbp.
    m = nafld.measurements
    bp = m[m["test"].isin(cohort.BLOOD_PRESSURE)]
    outside = bp[(bp["value"] < 50) | (bp["value"] > 300)]
    assert outside["test"].value_counts().to_dict() == {"sbp": 8, "dbp": 8}
    assert sorted(outside.loc[outside["test"] == "sbp", "value"]) == [
        0, 11, 14, 14, 40, 463, 1_342, 13_682,
    ]  # fmt: skip
    late = nafld.events.merge(nafld.people, on="id").query("days > futime")
    assert set(late["event"]) == {"nafld"}  # every late code is the diagnosis itself


def test_clean_removes_exactly_what_was_found(nafld, nafld_clean):
    m, e = nafld_clean.measurements, nafld_clean.events
    assert set(m["test"]) == {"hdl", "sbp", "smoke", "fib4"}  # no chol, no dbp
    raw = nafld.measurements
    for test in ("hdl", "smoke", "fib4"):  # untouched
        assert (m["test"] == test).sum() == (raw["test"] == test).sum()
    sbp = m.loc[m["test"] == "sbp", "value"]
    assert len(sbp) == 33_430 - 8 and sbp.between(50, 300).all()
    ends = e.merge(nafld_clean.people[["id", "futime"]], on="id")
    assert len(e) == 34_340 - 13 and (ends["days"] <= ends["futime"]).all()
    assert nafld_clean.people is nafld.people
    for table in (m, e):  # still sorted, with a fresh index
        assert table.index.equals(pd.RangeIndex(len(table)))
        assert table["id"].is_monotonic_increasing
    # Nothing is left to find, and cleaning again changes nothing.
    again = cohort.data_errors(nafld_clean)
    assert again["rows"].tolist() == [0, 0, 0, 0]
    assert again["action"].tolist()[:2] == ["kept", "kept"]  # no day with both: no evidence
    assert len(cohort.clean(nafld_clean).measurements) == len(m)


def small_cohort(chol_on_day_2: float) -> cohort.Cohort:
    """Two people: hdl and chol on days 1 and 2, sbp and dbp equal; one event after futime."""
    people = pd.DataFrame({
        "id": [1, 2], "age": [50, 60], "male": [0, 1], "weight": [70.0, 80.0],
        "height": [170.0, 180.0], "bmi": [24.2, 24.7], "case_id": [1.0, 1.0], "futime": [100, 200],
        "status": [0, 1],
    })  # fmt: skip
    measurements = pd.DataFrame({
        "id": [1, 1, 1, 1, 2, 2, 2, 2, 2],
        "days": [1, 1, 2, 2, 5, 5, 6, 6, 7],
        "test": ["hdl", "chol", "hdl", "chol", "sbp", "dbp", "sbp", "dbp", "chol"],
        "value": [40.0, 40.0, 60.0, chol_on_day_2, 120.0, 120.0, 400.0, 400.0, 55.0],
    })  # fmt: skip
    events = pd.DataFrame({"id": [1, 2, 2], "days": [-5, 150, 201], "event": ["htn", "MI", "MI"]})
    return cohort.Cohort(people, measurements, events)


def test_a_chol_that_differs_from_hdl_is_kept():
    c = small_cohort(chol_on_day_2=210.0)
    errors = cohort.data_errors(c)
    assert errors.loc["chol copies hdl", "found"] == "1 of the 2 days with both are equal"
    assert errors.loc["chol copies hdl", "action"] == "kept"
    assert errors.loc["dbp copies sbp", "action"] == "dbp dropped"
    assert errors.loc["blood pressure outside 50-300 mmHg", "rows"] == 2  # 400 mmHg, sbp and dbp
    assert errors.loc["event after the end of follow-up", "found"] == "1 people; up to 1 days late"
    cleaned = cohort.clean(c)
    assert cleaned.measurements["test"].tolist() == ["hdl", "chol", "hdl", "chol", "sbp", "chol"]
    assert cleaned.measurements["value"].tolist() == [40.0, 40.0, 60.0, 210.0, 120.0, 55.0]
    assert cleaned.events["days"].tolist() == [-5, 150]


def test_a_chol_that_copies_hdl_is_dropped():
    c = small_cohort(chol_on_day_2=60.0)
    assert cohort.data_errors(c).loc["chol copies hdl", "action"] == "chol dropped"
    # every chol goes, the one on a day without hdl too
    assert "chol" not in set(cohort.clean(c).measurements["test"])


# --- the split ---------------------------------------------------------------------------------------


def test_split_keeps_matched_sets_together(nafld):
    people = nafld.people
    parts = cohort.split_sets(people, seed=0)
    assert list(parts) == ["train", "valid", "test"]
    everyone = np.concatenate(list(parts.values()))
    assert len(everyone) == len(people) and set(everyone) == set(people["id"])  # disjoint, cover
    part_of = pd.Series({i: name for name, ids in parts.items() for i in ids})
    sets = people.assign(part=people["id"].map(part_of)).dropna(subset=["case_id"])
    assert (sets.groupby("case_id")["part"].nunique() == 1).all()  # a set never straddles parts
    for name, share in zip(parts, cohort.SPLIT, strict=True):
        assert abs(len(parts[name]) / len(people) - share) < 0.01
        assert (np.diff(parts[name]) > 0).all()  # sorted
    alone = people.loc[people["case_id"].isna(), "id"]
    assert alone.isin(everyone).all()  # the 31 without a matched case are placed too
    again = cohort.split_sets(people, seed=0)
    other = cohort.split_sets(people, seed=1)
    assert all(np.array_equal(parts[k], again[k]) for k in parts)  # the seed fixes it
    assert not np.array_equal(parts["test"], other["test"])
