"""How a model is trained: the `Recipe`, everything one training run needs besides the model
and the data (optimiser, learning rate and schedule, epochs, batches, clipping, early stopping,
input scaling, augmentation, the loss). Free of torch, so the command line can read it without loading
PyTorch. `rnnbook.train.train` runs a recipe; `rnnbook.models.MODELS` gives each named model
its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

LOSSES = ("cross_entropy", "mse", "hazard", "multilabel")


@dataclass(frozen=True)
class Recipe:
    """How the book trains a model: optimiser settings, epochs, batches, input scaling."""

    epochs: int = 30
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 1e-2
    optimizer: str = "adamw"  # "adamw" or "adam" (the course lab's default Adam)
    schedule: str = "onecycle"  # "onecycle" or "constant"
    clip: float | None = 1.0  # max gradient norm; None for no clipping
    patience: int | None = None  # early stopping on validation accuracy; None keeps every epoch
    standardize: bool = True
    augment: bool = False  # random crops and amplitude scaling of the training rows
    max_batches: int | None = None  # at most this many batches an epoch (brief demonstrations)
    # Padded visit data only: batches of people with similar numbers of visits, each cut to its
    # longest (`rnnbook.train.LengthBuckets`), so little padding is read.
    bucket: bool = False
    # "cross_entropy" (classes; steps labelled -100 are ignored) or "mse" (a number per step;
    # NaN targets are ignored) or "hazard" (discrete-time survival, rnnbook.survival) or
    # "multilabel" (a yes/no per output, e.g. per code; NaN targets are ignored): padded or
    # unlabelled steps of many-to-many tasks cost nothing.
    loss: str = "cross_entropy"
    # cross_entropy only: a weight per class (None: all 1), for a rare class (imbalance).
    class_weights: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.optimizer not in ("adamw", "adam"):
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose adamw or adam")
        if self.schedule not in ("onecycle", "constant"):
            raise ValueError(f"unknown schedule {self.schedule!r}; choose onecycle or constant")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}")
        for name in ("epochs", "batch_size", "max_batches"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")

    def but(self, **changes) -> Recipe:
        """A copy with `changes`; a change of None keeps the recipe's value.

        >>> Recipe(epochs=30).but(epochs=3, lr=None).epochs
        3
        """
        names = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise TypeError(f"Recipe has no field {unknown[0]!r}")
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_dict(self) -> dict:
        return asdict(self)
