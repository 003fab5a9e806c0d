"""The convolutional network shared by ``deepchrome`` and its variants."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from deepchrome2.models._base import MarkBinModel


def conv_length(n_bins: int, kernel_size: int, stride: int) -> int:
    """Number of positions a valid (unpadded) convolution produces."""
    return (n_bins - kernel_size) // stride + 1


def mlp_head(n_in: int, hidden: Sequence[int], dropout: float = 0.0) -> nn.Sequential:
    """``Linear -> ReLU (-> Dropout)`` per hidden size, then ``Linear(.., 2)``."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(n_in, width), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        n_in = width
    layers.append(nn.Linear(n_in, 2))
    return nn.Sequential(*layers)


POOLINGS = ("max", "avg")


class GlobalMaxPool(nn.Module):
    """Max over all positions, ``(batch, channels, length) -> (batch, channels, 1)``.

    The same values as ``nn.AdaptiveMaxPool1d(1)``, and the same gradient wherever the maximum
    is unique. Its backward is elementwise (the gradient goes to the positions equal to the
    maximum, shared among ties), so it is deterministic on CUDA too, where the adaptive
    max-pool's backward accumulates with atomic adds.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=-1, keepdim=True)


class ConvNet(MarkBinModel):
    """Conv1d over bins (marks as channels), ReLU, pooling, dropout, fully connected head.

    ``pool=0`` means global max-pooling over all positions (:class:`GlobalMaxPool`);
    otherwise non-overlapping windows of ``pool`` positions (a trailing remainder is dropped),
    max-pooled (``pooling="max"``, ``nn.MaxPool1d``) or averaged (``"avg"``,
    ``nn.AvgPool1d``).
    """

    def __init__(
        self,
        n_marks: int,
        n_bins: int,
        n_filters: int,
        kernel_size: int,
        stride: int,
        pool: int,
        hidden: Sequence[int],
        dropout: float,
        pooling: str = "max",
    ) -> None:
        super().__init__(n_marks, n_bins)
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; valid: {', '.join(POOLINGS)}")
        length = conv_length(n_bins, kernel_size, stride)
        if length < 1:
            raise ValueError(f"kernel_size {kernel_size} is longer than n_bins {n_bins}")
        if pool == 0:
            pool_layer: nn.Module = GlobalMaxPool()
            pooled = 1
        else:
            pool_layer = nn.MaxPool1d(pool) if pooling == "max" else nn.AvgPool1d(pool)
            pooled = length // pool
            if pooled < 1:
                raise ValueError(f"pool {pool} is longer than the {length} convolved positions")
        self.features = nn.Sequential(
            nn.Conv1d(n_marks, n_filters, kernel_size, stride=stride),
            nn.ReLU(),
            pool_layer,
            nn.Flatten(1),
            nn.Dropout(dropout),
        )
        self.n_features = n_filters * pooled
        self.head = mlp_head(self.n_features, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.head(self.features(x))
