"""DeepChrome 2.0's 12-parameter linear network.

Each mark's signal is averaged over all bins, giving one number per mark, and the ``n_marks``
means feed a single ``Linear(n_marks, 2)``. With 5 marks that is 5 x 2 weights + 2 biases = 12
parameters. It ignores where along the window the signal sits, which is exactly what makes it
the paper's test of how much the CNN gains from positional patterns.
"""

from __future__ import annotations

import torch
from torch import nn

from deepchrome2.models._base import MarkBinModel

NAME = "linear"
KIND = "torch"
DEFAULTS: dict = {}


class MeanLinear(MarkBinModel):
    """Mean over bins per mark, then one linear layer to 2 logits."""

    def __init__(self, n_marks: int, n_bins: int) -> None:
        super().__init__(n_marks, n_bins)
        self.fc = nn.Linear(n_marks, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.fc(x.mean(dim=2))


def build(n_marks: int, n_bins: int) -> MeanLinear:
    """The linear network for inputs ``(batch, n_marks, n_bins)``."""
    return MeanLinear(n_marks, n_bins)
