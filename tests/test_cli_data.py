"""The `rnnbook data` commands, run as a user runs them: one clear line and an exit code.

Most run in this process (`helpers.run`, fast); those about the real process (exit status,
what `--help` imports) start `python -m rnnbook`.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from helpers import assert_one_line_error, run, run_process

from rnnbook import data


def test_verify_and_info():
    result = run("data", "verify")
    assert result.returncode == 0, result.stderr
    assert "SHA-256 verified" in result.stdout and "11500 rows" in result.stdout
    result = run("data", "info")
    assert result.returncode == 0
    assert "173.61 Hz" in result.stdout and "Seizure" in result.stdout and "2300" in result.stdout


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
