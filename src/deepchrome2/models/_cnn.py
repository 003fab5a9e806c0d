"""The convolutional network shared by ``deepchrome`` and its two DeepChrome 2.0 variants."""

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


class ConvNet(MarkBinModel):
    """Conv1d over bins (marks as channels), ReLU, pooling, dropout, fully connected head.

    ``pool=0`` means global max-pooling over all positions; otherwise non-overlapping max-pool
    windows of ``pool`` positions (a trailing remainder is dropped, as in ``nn.MaxPool1d``).
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
    ) -> None:
        super().__init__(n_marks, n_bins)
        length = conv_length(n_bins, kernel_size, stride)
        if length < 1:
            raise ValueError(f"kernel_size {kernel_size} is longer than n_bins {n_bins}")
        if pool == 0:
            pooling: nn.Module = nn.AdaptiveMaxPool1d(1)
            pooled = 1
        else:
            pooling = nn.MaxPool1d(pool)
            pooled = length // pool
            if pooled < 1:
                raise ValueError(f"pool {pool} is longer than the {length} convolved positions")
        self.features = nn.Sequential(
            nn.Conv1d(n_marks, n_filters, kernel_size, stride=stride),
            nn.ReLU(),
            pooling,
            nn.Flatten(1),
            nn.Dropout(dropout),
        )
        self.n_features = n_filters * pooled
        self.head = mlp_head(self.n_features, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.head(self.features(x))
