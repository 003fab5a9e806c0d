"""A DeepChrome variant of ours with global max-pooling over positions (not in any paper).

Same convolution as ``deepchrome`` (50 filters of width 10 spanning all marks, unpadded, ReLU),
but each filter is max-pooled over *all* convolved positions instead of in windows of 5, so the
network records how strongly each pattern occurs anywhere in the window and no longer where.
Dropout 0.5 follows the pooling, then the same 625 -> 125 -> 2 head. The flattened feature
vector shrinks from 900 to 50 values, which removes most of DeepChrome's parameters: with 5
marks and 100 bins, convolution 2,550 + FC 50 -> 625 31,875 + FC 625 -> 125 78,250 + output 252
= 112,927. The count does not depend on ``n_bins``. DeepChrome 2.0's setting named
``deepchrome_maxpool`` is a different network, MaxPool1d(5) in windows: our ``deepchrome``.
"""

from __future__ import annotations

from deepchrome2.models._cnn import ConvNet

NAME = "deepchrome_globalmax"
KIND = "torch"
DEFAULTS: dict = {
    "n_filters": 50,
    "kernel_size": 10,
    "hidden": [625, 125],
    "dropout": 0.5,
}


def build(
    n_marks: int,
    n_bins: int,
    n_filters: int,
    kernel_size: int,
    hidden: list[int],
    dropout: float,
) -> ConvNet:
    """The global-max-pool CNN for inputs ``(batch, n_marks, n_bins)``."""
    return ConvNet(n_marks, n_bins, n_filters, kernel_size, 1, 0, hidden, dropout)
