"""DeepChrome 2.0's 12-parameter linear network.

Each mark's signal is aggregated over all bins into one number, by ``aggregator`` (``mean``,
``max``, ``median``, ``sum`` or ``min``; the median of an even number of bins is the mean of
the two middle values), and the ``n_marks`` aggregates feed a single ``Linear(n_marks, 2)``.
With 5 marks that is 5 x 2 weights + 2 biases = 12 parameters. It ignores where along the
window the signal sits, which is exactly what makes it the paper's test of how much the CNN
gains from positional patterns. DeepChrome 2.0 ran all five aggregators (settings
``linear_mean`` ... ``linear_min``; ``linear`` here is ``linear_mean``, and ``linear_max``
etc. are the same network with another default aggregator) and kept the best of 5 restarts by
validation AUROC: that is the training setting ``restarts`` (``train.per_arch.linear``), which
the ``dc2`` recipe sets to 5.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from deepchrome2.models._base import MarkBinModel
from deepchrome2.models._choices import check_choices

NAME = "linear"
KIND = "torch"
DEFAULTS: dict = {"aggregator": "mean"}

AGGREGATORS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "mean": lambda x: x.mean(dim=2),
    "max": lambda x: x.amax(dim=2),
    "median": lambda x: torch.quantile(x, 0.5, dim=2),
    "sum": lambda x: x.sum(dim=2),
    "min": lambda x: x.amin(dim=2),
}


def check(aggregator: str) -> None:
    """ValueError naming the valid aggregators unless ``aggregator`` is one of them."""
    check_choices({"aggregator": aggregator})


class AggregateLinear(MarkBinModel):
    """Aggregate each mark over bins, then one linear layer to 2 logits."""

    def __init__(self, n_marks: int, n_bins: int, aggregator: str = "mean") -> None:
        super().__init__(n_marks, n_bins)
        check(aggregator)
        self.aggregator = aggregator
        self.fc = nn.Linear(n_marks, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.fc(AGGREGATORS[self.aggregator](x))


def build(n_marks: int, n_bins: int, aggregator: str) -> AggregateLinear:
    """The linear network for inputs ``(batch, n_marks, n_bins)``."""
    return AggregateLinear(n_marks, n_bins, aggregator)
