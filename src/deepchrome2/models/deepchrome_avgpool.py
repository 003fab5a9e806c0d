"""DeepChrome 2.0's per-cell baseline CNN: DeepChrome with average-pooling.

The ``deepchrome`` network with ``nn.AvgPool1d(5)`` (windows of 5 convolved positions, stride
5, a trailing remainder dropped) in place of ``nn.MaxPool1d(5)``: ``Conv1d(n_marks, 50,
kernel_size=10)`` with stride 1 along the bins, ReLU, average-pool 5, dropout 0.5, fully
connected 625 and 125 units with ReLU, 2 logits. DeepChrome 2.0 reported this network under the
setting name ``deepchrome`` and the max-pooling original under ``deepchrome_maxpool``. Pooling
has no weights, so the parameter count is DeepChrome's: with 5 marks and 100 bins, 2,550 +
563,125 + 78,250 + 252 = 644,177.
"""

from __future__ import annotations

from deepchrome2.models._cnn import ConvNet

NAME = "deepchrome_avgpool"
KIND = "torch"
DEFAULTS: dict = {
    "n_filters": 50,
    "kernel_size": 10,
    "pool": 5,
    "hidden": [625, 125],
    "dropout": 0.5,
}


def build(
    n_marks: int,
    n_bins: int,
    n_filters: int,
    kernel_size: int,
    pool: int,
    hidden: list[int],
    dropout: float,
) -> ConvNet:
    """The average-pooling DeepChrome CNN for inputs ``(batch, n_marks, n_bins)``."""
    return ConvNet(n_marks, n_bins, n_filters, kernel_size, 1, pool, hidden, dropout, "avg")
