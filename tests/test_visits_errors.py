"""Every way the PBC file can be wrong, missing or corrupted gives one clear line; where the data
folder may put it; its verified download from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import assert_one_line_error, run
from test_data_errors import _Server

from rnnbook import data, downloads, visits
from rnnbook.errors import DataError


def real_file() -> Path:
    return visits.fetch_pbcseq()


HEADER = (
    '"","id","futime","status","trt","age","sex","day","ascites","hepato","spiders","edema",'
    '"bili","chol","albumin","alk.phos","ast","platelet","protime","stage"\n'
)
ROW1 = '"1",1,400,2,1,58.77,"f",0,1,1,1,1,14.5,261,2.6,1718,138,190,12.2,4\n'
ROW2 = '"2",1,400,2,1,58.77,"f",192,1,1,1,1,21.3,NA,2.94,1612,6.2,183,11.2,4\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pbcseq.csv"
    path.write_text(text)
    return path


def test_a_small_good_file(tmp_path):
    table = visits.read_pbcseq(write(tmp_path, HEADER + ROW2 + ROW1))
    assert table["day"].tolist() == [0, 192]  # sorted by day
    assert table["row"].tolist() == [2, 1]  # the rows of the file, for messages
    assert table["chol"].isna().tolist() == [False, True]


@pytest.mark.parametrize(
    "text,message",
    [
        ("", r"pbcseq.csv: the file is empty"),
        (HEADER, r"pbcseq.csv: the file has a header but no data rows"),
        (HEADER.replace('"bili"', '"bilirubin"') + ROW1, r"column bili is missing"),
        (HEADER + ROW1 + ROW2.replace(",21.3,", ",abc,"), r"row 2, column bili is not a number: 'abc'"),
        (HEADER + ROW1.replace(",14.5,", ",NA,"), r"row 1, column bili is empty \(it may not be missing\)"),
        (HEADER + ROW1.replace(",2.6,", ",0,"), r"row 1, column albumin is 0, expected a number above 0"),
        (HEADER + ROW1.replace(",400,2,", ",400,3,"), r"row 1, column status is 3, expected one of 0, 1, 2"),
        (HEADER + ROW1.replace(",1,14.5,", ",0.7,14.5,"), r"row 1, column edema is 0.7, expected one of 0, 0.5, 1"),
        (HEADER + ROW1.replace('"f"', '"x"'), r"row 1, column sex is 'x', expected 'f' or 'm'"),
        (HEADER + ROW1 + ROW2.replace(",192,", ",500,"), r"row 2, column day is 500, after the end of follow-up \(futime 400\)"),
        (HEADER + ROW1 + ROW2.replace(",192,", ",-3,"), r"row 2, column day is negative"),
        (HEADER + ROW1 + ROW2.replace('"f"', '"m"'), r"row 2, column sex differs from the first row of patient 1"),
        (HEADER + ROW1 + ROW2.replace(",400,2,", ",400,0,"), r"row 2, column status differs from the first row of patient 1"),
        (HEADER + ROW1 + ROW2.replace(",192,", ",0,"), r"row 2, column day repeats a visit of patient 1 on day 0"),
        (HEADER + ROW1.replace('"1",1,', '"1",1.5,'), r"row 1, column id is 1.5, expected a whole number"),
    ],
    ids=[
        "empty", "header-only", "missing-column", "non-numeric", "required-missing",
        "not-positive", "status", "edema", "sex", "after-futime", "negative-day",
        "sex-varies", "status-varies", "duplicate-visit", "fractional-id",
    ],
)  # fmt: skip
def test_malformed_file(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        visits.read_pbcseq(write(tmp_path, text))


# --- where the data folder puts it ------------------------------------------------------------------


def test_layouts_of_the_data_folder(tmp_path, monkeypatch):
    """One subfolder per data set; the EEG folder itself with pbcseq/ beside it; or the EEG
    folder alone, where the PBC file is downloaded into a pbcseq/ subfolder."""
    real = real_file()
    (tmp_path / "both" / "bonn-eeg").mkdir(parents=True)
    (tmp_path / "both" / "pbcseq").mkdir()
    monkeypatch.setenv("RNNBOOK_DATA_DIR", str(tmp_path / "both"))
    assert data.data_dir() == tmp_path / "both" / "bonn-eeg"
    assert visits.pbcseq_dir() == tmp_path / "both" / "pbcseq"
    monkeypatch.setenv("RNNBOOK_DATA_DIR", str(tmp_path / "both" / "bonn-eeg"))
    assert data.data_dir() == tmp_path / "both" / "bonn-eeg"
    assert visits.pbcseq_dir() == tmp_path / "both" / "pbcseq"  # the sibling
    (tmp_path / "eeg").mkdir()
    monkeypatch.setenv("RNNBOOK_DATA_DIR", str(tmp_path / "eeg"))
    assert data.data_dir() == tmp_path / "eeg"  # the flat layout, as before
    assert visits.pbcseq_dir() == tmp_path / "eeg" / "pbcseq"
    (tmp_path / "flat").mkdir()
    shutil.copy(real, tmp_path / "flat" / "pbcseq.csv")
    monkeypatch.setenv("RNNBOOK_DATA_DIR", str(tmp_path / "flat"))
    assert visits.pbcseq_dir() == tmp_path / "flat"  # a folder holding the file itself


def test_tampered_file_is_refused(tmp_path):
    shutil.copy(real_file(), tmp_path / "pbcseq.csv")
    (tmp_path / "pbcseq.csv").chmod(0o644)
    with open(tmp_path / "pbcseq.csv", "a") as f:
        f.write("tampered\n")
    with pytest.raises(DataError, match=r"pbcseq.csv: SHA-256 does not match"):
        visits.fetch_pbcseq(tmp_path)
    assert (tmp_path / "pbcseq.csv").exists()  # reported, never silently replaced


def test_download_good_file(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    shutil.copy(real_file(), mirror / "pbcseq.csv")
    with _Server(mirror) as server:
        monkeypatch.setenv("RNNBOOK_PBCSEQ_URL", server.url)
        monkeypatch.setenv("RNNBOOK_DATA_DIR", str(tmp_path / "cache"))
        path = visits.fetch_pbcseq()
    assert path == tmp_path / "cache" / "pbcseq" / "pbcseq.csv"
    assert downloads.sha256_of(path) == visits.SHA256
    assert len(visits.read_pbcseq(path)) == 1945


def test_download_corrupted_file_is_refused_and_not_kept(tmp_path, monkeypatch):
    mirror, target = tmp_path / "mirror", tmp_path / "cache"
    mirror.mkdir()
    text = real_file().read_text().replace(",14.5,", ",41.5,", 1)
    (mirror / "pbcseq.csv").write_text(text)
    with _Server(mirror) as server:
        monkeypatch.setenv("RNNBOOK_PBCSEQ_URL", server.url)
        with pytest.raises(
            DataError, match=r"pbcseq.csv downloaded from .*: SHA-256 does not match"
        ):
            visits.fetch_pbcseq(target)
    assert list(target.iterdir()) == []  # not even a temporary file


def test_no_network_says_how_to_use_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNBOOK_PBCSEQ_URL", "http://127.0.0.1:9/")
    with pytest.raises(DataError, match=r"cannot be downloaded .*pbcseq/ under RNNBOOK_DATA_DIR"):
        visits.fetch_pbcseq(tmp_path / "empty")


# --- the command line ---------------------------------------------------------------------------------


def test_verify_checks_both_data_sets():
    result = run("data", "verify")
    assert result.returncode == 0, result.stderr
    assert "SHA-256 verified" in result.stdout and "1945 visits of 312 patients" in result.stdout


def test_verify_names_a_tampered_pbc_file(tmp_path):
    eeg = tmp_path / "bonn-eeg"
    eeg.mkdir()
    for path in data.fetch_archives().values():
        shutil.copy(path, eeg / path.name)
    (tmp_path / "pbcseq").mkdir()
    shutil.copy(real_file(), tmp_path / "pbcseq" / "pbcseq.csv")
    (tmp_path / "pbcseq" / "pbcseq.csv").chmod(0o644)
    with open(tmp_path / "pbcseq" / "pbcseq.csv", "a") as f:
        f.write("x")
    result = run("data", "verify", env={"RNNBOOK_DATA_DIR": str(tmp_path)})
    assert_one_line_error(result, 1, "pbcseq.csv: SHA-256 does not match")
