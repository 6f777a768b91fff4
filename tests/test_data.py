"""The data layer on the real archives: checksums, recordings, the UCI table and the splits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnbook import data, downloads

# Rows of the public UCI file (first 9 values), from the data folder's README.
REFERENCE_ROWS = {
    ("O080", 21, 4): [135, 190, 229, 223, 192, 125, 55, -9, -33],
    ("S093", 15, 1): [386, 382, 356, 331, 320, 315, 307, 272, 244],
    ("Z002", 8, 5): [-32, -39, -47, -37, -32, -36, -57, -73, -85],
    ("Z061", 16, 5): [-105, -101, -96, -92, -89, -95, -102, -100, -87],
}


def test_archives_verify():
    paths = data.fetch_archives()
    assert sorted(paths) == sorted(data.SETS)
    for letter, path in paths.items():
        assert downloads.sha256_of(path) == data.SHA256[letter]


def test_recordings(recordings):
    assert len(recordings) == 500
    assert {r.set for r in recordings} == set(data.SETS)
    for r in recordings:
        assert r.samples.shape == (4097,)
        assert r.label == data.UCI_LABEL[r.set]
        assert r.name[0] == r.set and len(r.name) == 4
        assert r.fs == 173.61
    names = [r.name for r in recordings]
    assert len(set(names)) == 500
    assert abs(recordings[0].duration - 23.6) < 0.01
    values = np.concatenate([r.samples for r in recordings])
    assert -2048 <= values.min() and values.max() <= 2047  # a 12-bit converter


def test_uci_table_shape_and_classes(table):
    assert table.shape == (11500, 178 + 3)
    assert list(table.columns[:178]) == [f"X{i}" for i in range(1, 179)]
    assert table["y"].value_counts().to_dict() == {1: 2300, 2: 2300, 3: 2300, 4: 2300, 5: 2300}
    assert table["chunk"].min() == 1 and table["chunk"].max() == 23
    assert table.groupby("recording").size().eq(23).all()
    assert table.index.is_unique


@pytest.mark.parametrize("key", list(REFERENCE_ROWS))
def test_reference_rows_of_the_public_file(table, key):
    recording, chunk, y = key
    row = table.loc[f"X{chunk}.{recording}"]
    assert row["y"] == y
    assert row[[f"X{i}" for i in range(1, 10)]].tolist() == REFERENCE_ROWS[key]


def test_chunk_k_is_samples_of_its_recording(recordings, table):
    rec = recordings[137]
    for k in (1, 12, 23):
        row = table.loc[f"X{k}.{rec.name}", data.FEATURES].to_numpy()
        np.testing.assert_array_equal(row, rec.samples[(k - 1) * 178 : k * 178])


def test_random_split_is_the_course_protocol(table):
    split = data.split_random(table)
    assert split.sizes() == (7360, 1840, 2300)
    again = data.split_random(table)
    assert split.test.index.equals(again.test.index)  # deterministic
    ids = set(split.train.index) | set(split.valid.index) | set(split.test.index)
    assert len(ids) == 11500
    # Chunks of one recording end up on both sides: nearly every test row has a sibling in training.
    assert split.leaked_test_rows() > 2000


def test_split_by_recording_keeps_recordings_whole(table):
    split = data.split_by_recording(table)
    assert split.sizes() == (7360, 1840, 2300)
    parts = [set(p["recording"]) for p in (split.train, split.valid, split.test)]
    assert not parts[0] & parts[1] and not parts[0] & parts[2] and not parts[1] & parts[2]
    assert split.leaked_test_rows() == 0
    for part, n in ((split.train, 64), (split.valid, 16), (split.test, 20)):
        assert part.groupby("y")["recording"].nunique().eq(n).all()  # stratified by class
    assert split.test.index.equals(data.split_by_recording(table).test.index)


@pytest.mark.parametrize("task,classes", [("five-class", 5), ("binary", 2)])
def test_tensors_for_recurrent_layers(table, task, classes):
    split = data.split_random(table)
    d = data.make_tensors(split, task)
    assert d.X_train.shape == (7360, 178, 1) and d.X_train.dtype == torch.float32
    assert d.X_test.shape == (2300, 178, 1)
    assert d.y_train.dtype == torch.long
    assert set(d.y_train.unique().tolist()) == set(range(classes))
    assert d.num_classes == classes
    # Standardisation fitted on the training part only.
    assert abs(d.X_train.mean().item()) < 1e-4 and abs(d.X_train.std().item() - 1) < 1e-3
    train = split.train[data.FEATURES].to_numpy(np.float64)
    assert d.mean == pytest.approx(train.mean()) and d.std == pytest.approx(train.std())
    if task == "binary":
        assert d.y_test.sum().item() == (split.test["y"] == 1).sum()
    else:
        np.testing.assert_array_equal(d.y_test.numpy(), split.test["y"].to_numpy() - 1)


def test_raw_tensors_keep_the_values(table):
    d = data.make_tensors(data.split_random(table), standardize=False)
    assert (d.mean, d.std) == (0.0, 1.0)
    assert d.X_train.abs().max().item() > 1000


def test_export_and_read_back(tmp_path, table):
    path = tmp_path / "uci.csv"
    data.export_uci_csv(path, table)
    header = path.read_text().splitlines()[0].split(",")
    assert header == ["id"] + data.FEATURES + ["y"]
    back = data.read_uci_csv(path)
    assert back.shape == table.shape
    np.testing.assert_array_equal(back[data.FEATURES].to_numpy(), table[data.FEATURES].to_numpy())
    assert (back["y"] == table["y"]).all()
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_summary(recordings):
    s = data.summary(recordings)
    assert s["rows"].tolist() == [2300] * 5
    assert s["class"].tolist() == list(data.CLASS_NAMES)
