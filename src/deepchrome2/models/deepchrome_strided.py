"""DeepChrome 2.0's CNN variant with a stride-2 convolution.

The ``deepchrome`` layout with the convolution evaluated at every second bin (``stride=2``):
50 filters of width 10 spanning all marks, unpadded, ReLU, max-pool 5, dropout 0.5, FC 625 and
125 with ReLU, 2 logits. Because the width-10 filters overlap by 8 bins even at stride 2, no bin
is skipped; the stride halves the positions (100 bins -> (100 - 10) // 2 + 1 = 46, pooled to
floor(46 / 5) = 9) and with them the convolution's compute and the first dense layer. Keeping
the max-pool (rather than letting the stride replace it) keeps this a one-change comparison with
``deepchrome``. Parameters with 5 marks and 100 bins: convolution 2,550 + FC 450 -> 625 281,875
+ FC 625 -> 125 78,250 + output 252 = 362,927. Set ``pool: 1`` for the variant without pooling.
"""

from __future__ import annotations

from deepchrome2.models._cnn import ConvNet

NAME = "deepchrome_strided"
KIND = "torch"
DEFAULTS: dict = {
    "n_filters": 50,
    "kernel_size": 10,
    "stride": 2,
    "pool": 5,
    "hidden": [625, 125],
    "dropout": 0.5,
}


def build(
    n_marks: int,
    n_bins: int,
    n_filters: int,
    kernel_size: int,
    stride: int,
    pool: int,
    hidden: list[int],
    dropout: float,
) -> ConvNet:
    """The strided CNN for inputs ``(batch, n_marks, n_bins)``."""
    return ConvNet(n_marks, n_bins, n_filters, kernel_size, stride, pool, hidden, dropout)
