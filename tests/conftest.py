"""Shared fixtures. The real-data tests read the archives from RNNBOOK_DATA_DIR (or download them).

Helpers that tests import (running the command line, a hostile pickle, seeded models) are in
`helpers.py`.
"""

from __future__ import annotations

import pytest
import torch

from rnnbook import data


@pytest.fixture(scope="session", autouse=True)
def one_thread():
    """One CPU thread for the whole suite, as in the chapters that train tiny models: they run as
    fast on one thread, and on a shared 2-core machine two OpenMP threads can make them many
    times slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def recordings():
    return data.load_recordings()


@pytest.fixture(scope="session")
def table(recordings):
    return data.uci_table(recordings)
