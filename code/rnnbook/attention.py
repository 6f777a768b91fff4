"""Attention, the successor of recurrence: attention readouts over a GRU, and a small Transformer.

Two ways of letting a seizure classifier look at every part of an EEG second instead of only at
the recurrent layer's last state:

* `ReadoutClassifier` -- a GRU encoder whose states are read out by the last state (as
  `models.SeqClassifier`), their mean, their maximum, or `AdditiveAttention` (Bahdanau, Cho &
  Bengio 2015): a learned weight for every step, softmax-normalised, so the weights say where
  the model looks. The GRU reads `samples_per_step` samples per step (`steps_of`): 178 samples
  are 22 steps of 8, about eight times fewer recurrent steps than one sample per step.
* `TransformerClassifier` -- no recurrence at all (Vaswani et al. 2017): tokens of
  `samples_per_token` samples, a linear embedding, sinusoidal `PositionalEncoding`, an
  `nn.TransformerEncoder` and mean pooling. Every token attends to every other, so its cost
  grows with the square of the number of tokens, where a recurrent layer's grows linearly.

Both read any sequence length: one-second chunks (178 samples) and whole recordings (4,097).
`rnnbook.models.MODELS` registers them ("gru-last", "gru-mean", "gru-max", "gru-attention",
"transformer"); `rnnbook.train.train` trains them like every other model.
"""

from __future__ import annotations

import contextlib
import math

import torch
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel

READOUTS = ("last", "mean", "max", "attention")


def steps_of(X: torch.Tensor, samples_per_step: int) -> torch.Tensor:
    """Group consecutive samples into steps: `(batch, seq_len, c) -> (batch, seq_len // k, k * c)`.

    `k = samples_per_step`; the last `seq_len % k` samples are dropped (178 samples are 22 steps
    of 8, the last 2 samples unread). A reshape: nothing is learned or averaged, and step t holds
    samples `t * k ... t * k + k - 1` in order.
    """
    batch, seq_len, channels = X.shape
    steps = seq_len // samples_per_step
    if samples_per_step < 1 or steps < 1:
        raise ValueError(
            f"cannot cut {seq_len} samples into steps of {samples_per_step}: need 1 <= k <= seq_len"
        )
    X = X[:, : steps * samples_per_step]  # (batch, steps * k, c)
    return X.reshape(batch, steps, samples_per_step * channels)  # (batch, steps, k * c)


class AdditiveAttention(nn.Module):
    """Additive attention pooling (Bahdanau et al. 2015) over a sequence of states.

    Each state `h_t` gets a score `e_t = v^T tanh(W h_t + b)`; the weights are the softmax of the
    scores over the steps, and the context is the weighted sum of the states. With no decoder
    state to ask the question, the query is learned once for the task (as in Raffel & Ellis's
    feed-forward attention, 2016): the scores depend on the state alone.

    `forward(H, mask=None)`: `H` `(batch, seq_len, num_hiddens)`; `mask` `(batch, seq_len)` bool,
    True at padded steps, which get weight 0 (every row needs at least one real step). Returns
    `(context (batch, num_hiddens), weights (batch, seq_len))`; each row of weights sums to 1.
    """

    def __init__(self, num_hiddens: int, attn_hiddens: int):
        super().__init__()
        self.W = nn.Linear(num_hiddens, attn_hiddens)  # W and b
        self.v = nn.Linear(attn_hiddens, 1, bias=False)

    def forward(
        self, H: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        scores = self.v(torch.tanh(self.W(H))).squeeze(-1)  # (batch, seq_len)
        if mask is not None:
            if mask.shape != scores.shape:
                raise ValueError(f"mask {tuple(mask.shape)} must be {tuple(scores.shape)}")
            if bool(mask.all(dim=1).any()):
                raise ValueError("every row needs at least one step that is not masked")
            scores = scores.masked_fill(mask, float("-inf"))
        weights = torch.softmax(scores, dim=1)  # (batch, seq_len)
        context = torch.bmm(weights.unsqueeze(1), H).squeeze(1)  # (batch, num_hiddens)
        return context, weights


class ReadoutClassifier(nn.Module):
    """Many-to-one: a GRU over steps of `samples_per_step` samples, then a readout of its states.

    `readout` is "last" (the last state, as `models.SeqClassifier`), "mean" or "max" (over the
    steps, per unit), or "attention" (`AdditiveAttention` with `attn_hiddens` units, default
    `num_hiddens`). A linear head maps the readout to `num_classes` logits.

    With the attention readout, `last_weights` keeps the weights of the last forward call
    (detached, `(batch, steps)`; None for the other readouts), and `attention_weights(X)` computes
    them for X in eval mode: weight t belongs to samples `t * k ... t * k + k - 1`.
    """

    def __init__(
        self,
        readout: str,
        num_classes: int = 5,
        samples_per_step: int = 8,
        num_hiddens: int = 32,
        input_size: int = 1,
        attn_hiddens: int | None = None,
    ):
        super().__init__()
        if readout not in READOUTS:
            raise ValueError(f"unknown readout {readout!r}; choose one of {', '.join(READOUTS)}")
        self.readout, self.samples_per_step = readout, samples_per_step
        self.rnn = nn.GRU(samples_per_step * input_size, num_hiddens, batch_first=True)
        self.attention = (
            AdditiveAttention(num_hiddens, attn_hiddens or num_hiddens)
            if readout == "attention"
            else None
        )
        self.head = nn.Linear(num_hiddens, num_classes)
        self.last_weights: torch.Tensor | None = None

    def encode(self, X: torch.Tensor) -> torch.Tensor:
        """The GRU's state at every step: `(batch, seq_len, c) -> (batch, steps, num_hiddens)`."""
        out, _ = self.rnn(steps_of(X, self.samples_per_step))
        return out

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        H = self.encode(X)  # (batch, steps, num_hiddens)
        if self.readout == "last":
            pooled = H[:, -1]
        elif self.readout == "mean":
            pooled = H.mean(dim=1)
        elif self.readout == "max":
            pooled = H.amax(dim=1)
        else:
            pooled, weights = self.attention(H)  # (batch, num_hiddens), (batch, steps)
            self.last_weights = weights.detach()
        return self.head(pooled)  # (batch, num_classes)

    @torch.no_grad()
    def attention_weights(self, X: torch.Tensor) -> torch.Tensor:
        """The attention weights for X, `(batch, steps)`, in eval mode (the mode is restored)."""
        if self.attention is None:
            raise ValueError(f"the {self.readout!r} readout has no attention weights")
        was_training = self.training
        self.eval()
        try:
            _, weights = self.attention(self.encode(X))
        finally:
            self.train(was_training)
        return weights


class PositionalEncoding(nn.Module):
    """Sinusoidal positions (Vaswani et al. 2017), added to the token embeddings.

    `P[pos, 2i] = sin(pos / 10000^(2i / d_model))`, `P[pos, 2i + 1] = cos(...)`: every position
    gets a distinct pattern, and a fixed offset is a linear map of it. Nothing is learned; up to
    `max_len` positions. `(batch, seq_len, d_model) -> (batch, seq_len, d_model)`.
    """

    def __init__(self, d_model: int, max_len: int = 8192):
        super().__init__()
        position = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)  # (max_len, 1)
        i2 = torch.arange(0, d_model, 2, dtype=torch.float32)  # (ceil(d_model / 2),): 2i
        div = torch.exp(-math.log(1e4) * i2 / d_model)  # 1 / 10000^(2i / d_model)
        P = torch.zeros(1, max_len, d_model)
        P[0, :, 0::2] = torch.sin(position * div)
        P[0, :, 1::2] = torch.cos(position * div)[:, : d_model // 2]
        self.register_buffer("P", P, persistent=False)  # rebuilt, not saved in checkpoints

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        seq_len = X.shape[1]
        if seq_len > self.P.shape[1]:
            raise ValueError(f"{seq_len} positions, but max_len is {self.P.shape[1]}")
        return X + self.P[:, :seq_len].to(X.dtype)


class TransformerClassifier(nn.Module):
    """Many-to-one without recurrence: a small Transformer encoder (Vaswani et al. 2017).

    Tokens are `samples_per_token` consecutive samples (`steps_of`), embedded by one linear layer
    (a patch embedding), plus sinusoidal positions; `num_layers` pre-norm encoder layers of
    `nhead` heads; the mean over tokens; a linear head. Any length: 178 samples are 22 tokens of
    8, a whole recording of 4,097 samples is 512. With `samples_per_token=1` every sample is a
    token, and self-attention's cost grows with the square of `seq_len`.

    `nn.TransformerEncoder` copies one layer `num_layers` times, so every layer would start with
    the same weights; as in `nn.Transformer`, the matrices are drawn afresh (Glorot uniform).
    """

    def __init__(
        self,
        num_classes: int = 5,
        samples_per_token: int = 8,
        d_model: int = 32,
        nhead: int = 4,
        num_layers: int = 2,
        dim_feedforward: int = 64,
        dropout: float = 0.1,
        input_size: int = 1,
        max_len: int = 8192,
    ):
        super().__init__()
        self.samples_per_token = samples_per_token
        self.embed = nn.Linear(samples_per_token * input_size, d_model)
        self.position = PositionalEncoding(d_model, max_len)
        self.drop = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(
            d_model, nhead, dim_feedforward, dropout, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(
            layer, num_layers, norm=nn.LayerNorm(d_model), enable_nested_tensor=False
        )
        for p in self.encoder.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        self.head = nn.Linear(d_model, num_classes)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        tokens = self.embed(steps_of(X, self.samples_per_token))  # (batch, tokens, d_model)
        # On a GPU, PyTorch's fused attention kernels have a non-deterministic backward; where the
        # run asked for determinism (utils.make_deterministic), use the plain one instead.
        deterministic = X.is_cuda and torch.are_deterministic_algorithms_enabled()
        with sdpa_kernel([SDPBackend.MATH]) if deterministic else contextlib.nullcontext():
            H = self.encoder(self.drop(self.position(tokens)))  # (batch, tokens, d_model)
        return self.head(H.mean(dim=1))  # (batch, num_classes)
