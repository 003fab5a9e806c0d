"""DeepChrome's original CNN (Singh et al. 2016).

A ``Conv1d(n_marks, 50, kernel_size=10)`` runs along the bins with the marks as input channels,
so each of the 50 filters spans all marks over 10 bins; then ReLU, max-pooling in windows of 5,
dropout 0.5, and fully connected layers of 625 and 125 units with ReLU, then 2 logits. The
convolution is unpadded, so 100 bins give 100 - 10 + 1 = 91 positions and pooling keeps
floor(91 / 5) = 18. Parameters with 5 marks and 100 bins: convolution 5*10*50 + 50 = 2,550;
FC 900 -> 625: 900*625 + 625 = 563,125; FC 625 -> 125: 625*125 + 125 = 78,250; output
125*2 + 2 = 252; total 644,177 (the paper's "645k"). DeepChrome 2.0 ran this network as its
setting ``deepchrome_maxpool``; its baseline named ``deepchrome`` is our ``deepchrome_avgpool``.
"""

from __future__ import annotations

from deepchrome2.models._cnn import ConvNet

NAME = "deepchrome"
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
    """The DeepChrome CNN for inputs ``(batch, n_marks, n_bins)``."""
    return ConvNet(n_marks, n_bins, n_filters, kernel_size, 1, pool, hidden, dropout)
