"""Shared fixtures. The real-data tests read the archives from RNNBOOK_DATA_DIR (or download them)."""

from __future__ import annotations

import pytest

from rnnbook import data


@pytest.fixture(scope="session")
def recordings():
    return data.load_recordings()


@pytest.fixture(scope="session")
def table(recordings):
    return data.uci_table(recordings)


@pytest.fixture(scope="module")
def one_thread():
    """As in the chapters that use it: tiny models run faster (and identically) on one thread."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
