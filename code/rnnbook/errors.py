"""Errors a user can cause (a bad file, a missing archive, a wrong argument).

The command line prints these as one line and exits non-zero; everything else is a bug and
keeps its traceback.
"""


class RNNBookError(Exception):
    """A mistake in the user's input or environment, explained in one line."""


class DataError(RNNBookError):
    """The EEG archives or a UCI CSV file cannot be found, verified or read."""
