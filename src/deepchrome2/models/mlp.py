"""DeepChrome 2.0's fully connected network.

The ``(marks, bins)`` input is flattened and passes hidden layers of 2048, 1024, 625 and 125
units, each followed by ReLU and dropout 0.5, then a layer to 2 logits. Parameters with 5 marks
and 100 bins: 500*2048 + 2048 = 1,026,048; 2048*1024 + 1024 = 2,098,176; 1024*625 + 625 =
640,625; 625*125 + 125 = 78,250; 125*2 + 2 = 252; total 3,843,351, the largest model here.
"""

from __future__ import annotations

import torch

from deepchrome2.models._base import MarkBinModel
from deepchrome2.models._cnn import mlp_head

NAME = "mlp"
KIND = "torch"
DEFAULTS: dict = {"hidden": [2048, 1024, 625, 125], "dropout": 0.5}


class MLP(MarkBinModel):
    """Flatten, then ``Linear -> ReLU -> Dropout`` per hidden size, then 2 logits."""

    def __init__(self, n_marks: int, n_bins: int, hidden: list[int], dropout: float) -> None:
        super().__init__(n_marks, n_bins)
        self.net = mlp_head(n_marks * n_bins, hidden, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.net(x.flatten(1))


def build(n_marks: int, n_bins: int, hidden: list[int], dropout: float) -> MLP:
    """The fully connected network for inputs ``(batch, n_marks, n_bins)``."""
    return MLP(n_marks, n_bins, hidden, dropout)
