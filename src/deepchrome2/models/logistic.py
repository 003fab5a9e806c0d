"""Logistic regression on every input value.

The ``(marks, bins)`` input is flattened and a single ``Linear(n_marks * n_bins, 2)`` gives the
two logits; trained with cross-entropy this is multinomial logistic regression on all 5 x 100
values. With 5 marks and 100 bins: 500 x 2 weights + 2 biases = 1,002 parameters. Unlike
``linear`` it can weight each bin separately, but it has no non-linearity.
"""

from __future__ import annotations

import torch
from torch import nn

from deepchrome2.models._base import MarkBinModel

NAME = "logistic"
KIND = "torch"
DEFAULTS: dict = {}


class Logistic(MarkBinModel):
    """Flatten, then one linear layer to 2 logits."""

    def __init__(self, n_marks: int, n_bins: int) -> None:
        super().__init__(n_marks, n_bins)
        self.fc = nn.Linear(n_marks * n_bins, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.fc(x.flatten(1))


def build(n_marks: int, n_bins: int) -> Logistic:
    """Logistic regression for inputs ``(batch, n_marks, n_bins)``."""
    return Logistic(n_marks, n_bins)
