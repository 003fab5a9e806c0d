"""DeepChrome 2.0's fully connected network (its setting ``deepchrome_FC``).

The ``(marks, bins)`` input is flattened and passes exactly the paper's layer sequence:
``Linear(n_marks * n_bins, 2048)``, ReLU, ``Linear(2048, 1024)``, Dropout, ``Linear(1024,
625)``, ReLU, ``Linear(625, 125)``, ReLU, ``Linear(125, 2)``. There is no non-linearity after
the 1024-unit layer (it is followed only by dropout, so it composes linearly with the next
layer), and dropout appears once. Parameters with 5 marks and 100 bins: 500*2048 + 2048 =
1,026,048; 2048*1024 + 1024 = 2,098,176; 1024*625 + 625 = 640,625; 625*125 + 125 = 78,250;
125*2 + 2 = 252; total 3,843,351, the largest model here.
"""

from __future__ import annotations

import torch
from torch import nn

from deepchrome2.models._base import MarkBinModel

NAME = "mlp"
KIND = "torch"
DEFAULTS: dict = {"dropout": 0.5}


class MLP(MarkBinModel):
    """Flatten, then DeepChrome 2.0's 2048-1024-625-125 fully connected stack, 2 logits."""

    def __init__(self, n_marks: int, n_bins: int, dropout: float) -> None:
        super().__init__(n_marks, n_bins)
        self.net = nn.Sequential(
            nn.Linear(n_marks * n_bins, 2048),
            nn.ReLU(),
            nn.Linear(2048, 1024),
            nn.Dropout(dropout),
            nn.Linear(1024, 625),
            nn.ReLU(),
            nn.Linear(625, 125),
            nn.ReLU(),
            nn.Linear(125, 2),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.net(x.flatten(1))


def build(n_marks: int, n_bins: int, dropout: float) -> MLP:
    """The fully connected network for inputs ``(batch, n_marks, n_bins)``."""
    return MLP(n_marks, n_bins, dropout)
