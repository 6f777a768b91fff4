"""The check of "Recurrent layers": a padded run's outputs averaged over each patient's real
visits (exercise `ex-layers-masked-mean`)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._core import call, cases, close, passed, seeded

_LENGTHS = [[5, 3, 1, 4], [7, 7, 2], [1, 6, 4, 6, 3]]  # visits per patient; the rest is padding


def masked_mean(fn) -> None:
    """Check `fn(output, mask)`: the mean of a padded GRU run's `output` (batch, seq_len, hidden)
    over each patient's real visits, with `mask` (batch, seq_len, 1) 1 at a real visit and 0 at
    padding, as `(batch, hidden)`; against the mean of the packed run's outputs."""
    atol = 1e-5
    abouts = [f"{len(n)} patients of {', '.join(map(str, n))} visits" for n in _LENGTHS]
    for case, lengths in zip(cases("masked_mean", abouts), _LENGTHS, strict=True):
        lengths = torch.tensor(lengths)
        steps = range(int(lengths.max()))
        mask = torch.tensor([[[float(t < n)] for t in steps] for n in lengths.tolist()])
        with seeded(case.number):
            gru = nn.GRU(3, 5, batch_first=True)
            X = torch.cat([mask, torch.randn(len(lengths), len(steps), 2) * mask], dim=2)
        with torch.no_grad():
            output = gru(X)[0]  # the padded run
            packed = gru(pack_padded_sequence(X, lengths, batch_first=True, enforce_sorted=False))
            expected = pad_packed_sequence(packed[0], batch_first=True)[0].sum(1) / lengths[:, None]
        got = call(case, fn, {"output": output, "mask": mask})
        close(case, "your means", got, expected, atol)
    passed("masked_mean", len(_LENGTHS), f"atol {atol:g}, against the packed run")
