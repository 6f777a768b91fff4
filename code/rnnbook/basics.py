"""A first recurrent network: a scalar recurrence, an RNN layer from its equation, and a training
loop short enough to read in one go (the chapter "A first recurrent network").

`scalar_rnn` runs h_t = w * h_{t-1} + x_t, the whole idea of recurrence in one number.
`ElmanRNN` is h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) in a few lines; it equals
`nn.RNN` given the same weights. `RNNClassifier` reads a sequence and classifies it from its
last state. `fit` is the loop every later chapter's `rnnbook.train` grows from: batches,
forward, loss, backward, clipping, step. `train` adds what a real study needs (schedules, early
stopping, determinism on GPUs, many-to-many losses); this loop is the part to understand first.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from .data import SeqData


def scalar_rnn(w: float, x: np.ndarray, h0: float = 0.0) -> np.ndarray:
    """h_1, ..., h_T of the scalar recurrence h_t = w * h_{t-1} + x_t (h_0 = `h0`)."""
    h, out = h0, np.empty(len(x))
    for t, x_t in enumerate(x):
        h = w * h + x_t
        out[t] = h
    return out


class ElmanRNN(nn.Module):
    """One tanh RNN layer written from its equation, inputs `(batch, seq_len, input_size)`."""

    def __init__(self, input_size: int, num_hiddens: int):
        super().__init__()
        self.num_hiddens = num_hiddens
        self.W_ih = nn.Linear(input_size, num_hiddens)  # W_ih x_t + b_ih
        self.W_hh = nn.Linear(num_hiddens, num_hiddens)  # W_hh h_{t-1} + b_hh

    def forward(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        batch_size, seq_len, _ = X.shape
        h = X.new_zeros(batch_size, self.num_hiddens)  # h_0 = 0
        outputs = []
        for t in range(seq_len):  # the same weights at every step
            h = torch.tanh(self.W_ih(X[:, t]) + self.W_hh(h))  # (batch, num_hiddens)
            outputs.append(h)
        return torch.stack(outputs, dim=1), h  # (batch, seq_len, num_hiddens), h_T

    @torch.no_grad()
    def copy_from(self, rnn: nn.RNN) -> ElmanRNN:
        """Take the weights of a one-layer `nn.RNN` (PyTorch names them weight_ih_l0, ...)."""
        self.W_ih.weight.copy_(rnn.weight_ih_l0)
        self.W_ih.bias.copy_(rnn.bias_ih_l0)
        self.W_hh.weight.copy_(rnn.weight_hh_l0)
        self.W_hh.bias.copy_(rnn.bias_hh_l0)
        return self


class RNNClassifier(nn.Module):
    """Many-to-one: an `nn.RNN` reads the sequence; a linear layer maps h_T to class logits."""

    def __init__(self, num_classes: int, num_hiddens: int = 32, input_size: int = 1):
        super().__init__()
        self.rnn = nn.RNN(input_size, num_hiddens, batch_first=True)
        self.head = nn.Linear(num_hiddens, num_classes)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        output, h_n = self.rnn(X)  # (batch, seq_len, num_hiddens), (1, batch, num_hiddens)
        return self.head(h_n[-1])  # (batch, num_classes): logits from the last state


def fit(model, d: SeqData, epochs=5, lr=3e-3, batch_size=64, clip=1.0, seed=0) -> list[dict]:
    """Train `model` on d's training part; return one dict per epoch (loss, accuracies)."""
    torch.manual_seed(seed)  # the same batches, in the same order, every time
    loader = DataLoader(TensorDataset(d.X_train, d.y_train), batch_size=batch_size, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        total_loss = 0.0
        for X, y in loader:  # X: (batch, seq_len, 1), y: (batch,)
            y_hat = model(X)  # (batch, num_classes) logits
            loss = loss_fn(y_hat, y)
            optimizer.zero_grad()
            loss.backward()  # back-propagation through time
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            total_loss += loss.item() * len(y)
        history.append(
            {
                "epoch": epoch,
                "train_loss": total_loss / len(d.y_train),
                "valid_accuracy": accuracy(model, d.X_valid, d.y_valid),
            }
        )
    return history


@torch.no_grad()
def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """The share of rows whose largest logit is the true class (model in eval mode)."""
    model.eval()
    return float((model(X).argmax(dim=1) == y).float().mean())
