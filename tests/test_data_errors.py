"""Every way the data can be wrong gives a clear error naming the archive, member, row or column."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import zipfile
from pathlib import Path

import pytest

from rnnbook import data, downloads, visits
from rnnbook.errors import DataError

SHARED = None


def real_archive_dir() -> Path:
    return data.fetch_archives()["Z"].parent


def make_archive(path: Path, letter: str, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
    return path


def good_members(letter: str) -> dict[str, bytes]:
    value = b"\r\n".join(str(i % 50 - 25).encode() for i in range(4097)) + b"\r\n"
    return {name: value for name in data.member_names(letter)}


def test_synthetic_archive_reads(tmp_path):
    out = data.read_archive(make_archive(tmp_path / "N.zip", "N", good_members("N")), "N")
    assert len(out) == 100 and out["N001"].shape == (4097,)


def test_missing_member(tmp_path):
    members = good_members("Z")
    del members["Z042.txt"]
    with pytest.raises(DataError, match=r"Z.zip: member Z042.txt is missing"):
        data.read_archive(make_archive(tmp_path / "Z.zip", "Z", members), "Z")


def test_lower_case_suffix_in_N_is_a_missing_member(tmp_path):
    members = {k.replace(".TXT", ".txt"): v for k, v in good_members("N").items()}
    with pytest.raises(DataError, match=r"member N001.TXT is missing"):
        data.read_archive(make_archive(tmp_path / "N.zip", "N", members), "N")


def test_extra_member(tmp_path):
    members = good_members("S")
    members["S101.txt"] = members["S001.txt"]
    with pytest.raises(DataError, match=r"S.zip: unexpected member S101.txt"):
        data.read_archive(make_archive(tmp_path / "S.zip", "S", members), "S")


def test_short_member(tmp_path):
    members = good_members("F")
    members["F007.txt"] = b"1\r\n2\r\n3\r\n"
    with pytest.raises(DataError, match=r"F.zip: member F007.txt has 3 values, expected 4097"):
        data.read_archive(make_archive(tmp_path / "F.zip", "F", members), "F")


def test_non_numeric_line(tmp_path):
    members = good_members("O")
    lines = members["O013.txt"].split(b"\r\n")
    lines[99] = b"12a"
    members["O013.txt"] = b"\r\n".join(lines)
    with pytest.raises(DataError, match=r"member O013.txt, value 100 is not an integer: '12a'"):
        data.read_archive(make_archive(tmp_path / "O.zip", "O", members), "O")


def test_not_a_zip(tmp_path):
    (tmp_path / "Z.zip").write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"Z.zip: not a readable zip archive"):
        data.read_archive(tmp_path / "Z.zip", "Z")


def test_tampered_archive_is_refused(tmp_path):
    for path in real_archive_dir().glob("*.zip"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "O.zip").chmod(0o644)
    with open(tmp_path / "O.zip", "ab") as f:
        f.write(b"tampered")
    with pytest.raises(DataError, match=r"O.zip: SHA-256 does not match"):
        data.fetch_archives(tmp_path)
    assert (tmp_path / "O.zip").exists()  # the user's file is reported, never silently replaced


class _Server:
    """A real HTTP server on 127.0.0.1 serving a folder, for the download tests."""

    def __init__(self, folder: Path):
        handler = functools.partial(_QuietHandler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_download_good_archives(tmp_path, monkeypatch):
    mirror, target = tmp_path / "mirror", tmp_path / "cache"
    mirror.mkdir()
    for path in real_archive_dir().glob("*.zip"):
        shutil.copy(path, mirror / path.name)
    with _Server(mirror) as server:
        monkeypatch.setenv("RNNBOOK_DATA_URL", server.url)
        monkeypatch.setenv("RNNBOOK_DATA_DIR", str(target))
        paths = data.fetch_archives()
    assert sorted(p.name for p in target.iterdir()) == ["F.zip", "N.zip", "O.zip", "S.zip", "Z.zip"]
    assert all(downloads.sha256_of(p) == data.SHA256[k] for k, p in paths.items())
    assert len(data.load_recordings(target)) == 500


def test_download_corrupted_archive_is_refused_and_not_kept(tmp_path, monkeypatch):
    mirror, target = tmp_path / "mirror", tmp_path / "cache"
    mirror.mkdir()
    for path in real_archive_dir().glob("*.zip"):
        shutil.copy(path, mirror / path.name)
    (mirror / "N.zip").chmod(0o644)
    content = bytearray((mirror / "N.zip").read_bytes())
    content[1000] ^= 0xFF
    (mirror / "N.zip").write_bytes(bytes(content))
    with _Server(mirror) as server:
        monkeypatch.setenv("RNNBOOK_DATA_URL", server.url)
        with pytest.raises(DataError, match=r"N.zip downloaded from .*: SHA-256 does not match"):
            data.fetch_archives(target)
    # Z and O came first and are kept; the corrupted N left nothing behind, not even a temp file.
    assert sorted(p.name for p in target.iterdir()) == ["O.zip", "Z.zip"]


def test_no_network_says_how_to_use_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNBOOK_DATA_URL", "http://127.0.0.1:9/")  # nothing listens on port 9
    with pytest.raises(DataError, match=r"cannot be downloaded .*RNNBOOK_DATA_DIR"):
        data.fetch_archives(tmp_path / "empty")


# --- a user's UCI CSV ----------------------------------------------------------------------------

HEADER = "," + ",".join(data.FEATURES) + ",y\n"


def csv_row(uid: str, value: str = "1", y: str = "3") -> str:
    return ",".join([uid] + [value] * 178 + [y]) + "\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "uci.csv"
    path.write_text(text)
    return path


def test_csv_as_published(tmp_path):
    path = write(tmp_path, HEADER + csv_row("X21.V1.791") + csv_row("X3.V1.791", y="1"))
    table = data.read_uci_csv(path)
    assert table.shape == (2, 181)
    assert table["recording"].tolist() == ["V1.791", "V1.791"]
    assert table["chunk"].tolist() == [21, 3]
    assert table["y"].tolist() == [3, 1]


@pytest.mark.parametrize(
    "text,message",
    [
        ("", r"uci.csv: the file is empty"),
        (HEADER, r"uci.csv: the file has a header but no data rows"),
        (HEADER.replace(",X17,", ",X17b,") + csv_row("a"), r"uci.csv: column X17 is missing"),
        (HEADER.replace(",y", ",label") + csv_row("a"), r"uci.csv: column y is missing"),
        (
            HEADER + csv_row("a") + csv_row("b", value="abc"),
            r"row 2, column X1 is not a number: 'abc'",
        ),
        (HEADER + csv_row("a", value=""), r"row 1, column X1 is empty"),
        (HEADER + csv_row("a", y=""), r"row 1, column y is empty"),
        (
            HEADER + csv_row("a") + csv_row("b", y="7"),
            r"row 2, column y has label '7', expected 1 to 5",
        ),
        (HEADER + csv_row("a", y="2.5"), r"row 1, column y has label '2.5'"),
    ],
    ids=[
        "empty",
        "header-only",
        "missing-X17",
        "missing-y",
        "non-numeric",
        "missing-cell",
        "missing-label",
        "label-7",
        "label-2.5",
    ],
)
def test_csv_errors(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        data.read_uci_csv(write(tmp_path, text))


@pytest.mark.parametrize("read", [data.read_uci_csv, visits.read_pbcseq])
def test_missing_file(tmp_path, read):
    with pytest.raises(DataError, match=r"nope.csv: no such file"):
        read(tmp_path / "nope.csv")
