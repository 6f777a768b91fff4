"""The `rnnbook data` commands, run as a user runs them: one clear line and an exit code.

Most run in this process (`helpers.run`, fast); those about the real process (exit status,
what `--help` imports) start `python -m rnnbook`.
"""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from helpers import assert_one_line_error, run, run_process

from rnnbook import cohort, data


@pytest.fixture(scope="module")
def verify():
    return run("data", "verify")


@pytest.fixture(scope="module")
def info():
    return run("data", "info")


def test_verify_and_info(verify, info):
    assert verify.returncode == 0, verify.stderr
    assert "SHA-256 verified" in verify.stdout and "11500 rows" in verify.stdout
    assert info.returncode == 0, info.stderr
    assert "173.61 Hz" in info.stdout and "Seizure" in info.stdout and "2300" in info.stdout


def test_verify_and_info_cover_the_cohort(verify, info):
    """`data verify` checks the cohort's three files; `data info` prints its counts and the
    errors found inside its files (`cohort.summary`, `cohort.data_errors`)."""
    line = verify.stdout.strip().splitlines()[-1]
    assert line == (
        f"cohort in {cohort.cohort_dir()}: nafld1.parquet, nafld2.parquet, nafld3.parquet "
        "(SHA-256 verified): 17549 people, 400123 measurements, 34340 coded events "
        "(NAFLD, Olmsted County)"
    )
    out = info.stdout
    counts = {
        "people": 17549, "NAFLD cases": 3514, "deaths": 1364, "measurements": 400123,
        "coded events": 34340, "people with a measurement": 15666,
        "people with a coded event": 12454,
    }  # fmt: skip
    for name, count in counts.items():
        assert re.search(rf"^{name} +{count}$", out, re.MULTILINE), name
    checks = [
        ("chol copies hdl", "161258", "159,647 of the 159,647 days with both are equal", "chol dropped"),
        ("dbp copies sbp", "33430", "33,212 of the 33,212 days with both are equal", "dbp dropped"),
        ("blood pressure outside 50-300 mmHg", "16", "6 above, 10 below; the highest 13,682 mmHg", "removed"),
        ("event after the end of follow-up", "13", "13 people; up to 339 days late", "removed"),
    ]  # fmt: skip
    for parts in checks:
        assert re.search(r"^" + r" +".join(map(re.escape, parts)) + r"$", out, re.MULTILINE), parts


def test_export_uci_matches_the_public_rows(tmp_path):
    out = tmp_path / "out.csv"
    result = run("data", "export-uci", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, index_col="id")
    assert table.shape == (11500, 179)
    assert table.loc["X21.O080", ["X1", "X2", "X3", "y"]].tolist() == [135, 190, 229, 4]
    assert table.loc["X15.S093", ["X1", "X9", "y"]].tolist() == [386, 244, 1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_export_into_missing_folder(tmp_path):
    result = run("data", "export-uci", str(tmp_path / "no" / "out.csv"))
    assert_one_line_error(result, 1, "does not exist")
    assert not (tmp_path / "no").exists()


def test_tampered_archive(tmp_path):
    for path in data.fetch_archives().values():
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "S.zip").chmod(0o644)
    (tmp_path / "S.zip").write_bytes(b"PK" + (tmp_path / "S.zip").read_bytes()[2:-1])
    result = run("data", "verify", env={"RNNBOOK_DATA_DIR": str(tmp_path)})
    assert_one_line_error(result, 1, "S.zip: SHA-256 does not match")


def tampered_cohort(tmp_path):
    """A data folder with the real EEG and PBC folders and a copy of the cohort with one byte of
    nafld3.parquet flipped."""
    for name in ("bonn-eeg", "pbcseq"):
        (tmp_path / name).symlink_to(cohort.cohort_dir().parent / name)
    (tmp_path / "nafld").mkdir()
    for path in cohort.fetch_cohort().values():
        shutil.copy(path, tmp_path / "nafld" / path.name)
    target = tmp_path / "nafld" / "nafld3.parquet"
    target.chmod(0o644)
    raw = bytearray(target.read_bytes())
    raw[1000] ^= 0xFF
    target.write_bytes(bytes(raw))
    return {"RNNBOOK_DATA_DIR": str(tmp_path)}


@pytest.mark.parametrize("command", ["verify", "info"])
def test_tampered_cohort_file(tmp_path, command):
    result = run("data", command, env=tampered_cohort(tmp_path))
    assert_one_line_error(result, 1, "nafld3.parquet: SHA-256 does not match")
    assert str(tmp_path / "nafld" / "nafld3.parquet") in result.stderr


def test_missing_cohort_without_network(tmp_path):
    for name in ("bonn-eeg", "pbcseq"):
        (tmp_path / name).symlink_to(cohort.cohort_dir().parent / name)
    env = {"RNNBOOK_DATA_DIR": str(tmp_path), "RNNBOOK_NAFLD_URL": "http://127.0.0.1:9/"}
    result = run("data", "verify", env=env)
    assert_one_line_error(result, 1, "nafld1.parquet is not in")
    assert (
        "put nafld1.parquet, nafld2.parquet and nafld3.parquet in a folder nafld/" in result.stderr
    )


def test_missing_archives_without_network(tmp_path):
    env = {"RNNBOOK_DATA_DIR": str(tmp_path / "none"), "RNNBOOK_DATA_URL": "http://127.0.0.1:9/"}
    result = run("data", "verify", env=env)
    assert_one_line_error(result, 1, "RNNBOOK_DATA_DIR=")


@pytest.mark.parametrize(
    "content,fragment",
    [
        ("", "the file is empty"),
        (",X1,y\n1,2,3\n", "column X2 is missing"),
        ("," + ",".join(data.FEATURES) + ",y\nA," + ",".join(["1"] * 178) + ",9\n", "label '9'"),
        (
            "," + ",".join(data.FEATURES) + ",y\nA," + ",".join(["x"] * 178) + ",1\n",
            "column X1 is not a number",
        ),
    ],
    ids=["empty", "missing-column", "bad-label", "non-numeric"],
)
def test_broken_csv(tmp_path, content, fragment):
    path = tmp_path / "broken.csv"
    path.write_text(content)
    assert_one_line_error(run("data", "info", "--csv", str(path)), 1, fragment)


def test_good_csv_info(tmp_path):
    out = tmp_path / "uci.csv"
    assert run("data", "export-uci", str(out)).returncode == 0
    result = run("data", "info", "--csv", str(out))
    assert result.returncode == 0, result.stderr
    assert "11500 rows, 500 recordings" in result.stdout


@pytest.mark.parametrize(
    "args", [[], ["data"], ["data", "nope"], ["data", "export-uci"], ["--bogus"]]
)
def test_argument_errors_exit_2(args):
    result = run(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr and "Traceback" not in result.stderr


def test_a_real_process_exits_with_the_status():
    assert run_process("data", "nope").returncode == 2
    result = run_process("data", "export-uci", "/nonexistent/folder/out.csv")
    assert_one_line_error(result, 1, "does not exist")


@pytest.mark.parametrize(
    "args", [["--help"], ["train", "--help"], ["data", "info"], ["data", "verify"]]
)
def test_help_and_data_commands_never_import_torch(args):
    """`python -X importtime` lists every module a command imports: torch is not among them."""
    result = run_process(*args, flags=("-X", "importtime"))
    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "rnnbook.cli" in imported
    assert not {name for name in imported if name.split(".")[0] == "torch"}
