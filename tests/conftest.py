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
