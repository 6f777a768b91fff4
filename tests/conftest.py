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


@pytest.fixture(scope="session")
def pbc_table():
    """The PBC visits (`visits.read_pbcseq`), read once for the suite."""
    from rnnbook import visits

    return visits.read_pbcseq()


@pytest.fixture(scope="session")
def pbc_split(pbc_table):
    from rnnbook import visits

    return visits.split_patients(pbc_table, seed=0)


@pytest.fixture(scope="session")
def pbc_visits(pbc_table, pbc_split):
    """The risk task's padded visits (death within two years), split by patient with seed 0."""
    from rnnbook import visits

    return visits.visit_data(pbc_table, pbc_split, "death-2y")


@pytest.fixture(scope="session")
def nafld():
    """The NAFLD cohort as read (`cohort.read_cohort`), before cleaning; read once for the suite."""
    from rnnbook import cohort

    return cohort.read_cohort()


@pytest.fixture(scope="session")
def nafld_clean(nafld):
    """The same cohort without what `cohort.data_errors` finds (`cohort.clean`)."""
    from rnnbook import cohort

    return cohort.clean(nafld)
