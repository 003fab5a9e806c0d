"""A small Transformer encoder over bins, with the marks as channels.

The window is cut into tokens of ``patch`` consecutive bins (default 5 bins = 500 bp, so 100
bins give 20 tokens); each token's ``n_marks x patch`` values are projected to ``d_model``
dimensions (a ``Conv1d`` with kernel and stride ``patch``; ``patch: 1`` gives one token per bin),
a learned positional embedding per token is added, and a stack of pre-norm encoder layers
(multi-head self-attention plus a GELU feed-forward block, dropout 0.1) mixes information across
the whole window in one step, which the CNN can only do through its dense layers. The final
tokens are layer-normalised and mean-pooled (``pooling: cls`` prepends a learned CLS token and
uses it instead), then ``Linear(d_model, 2)``. Patching makes self-attention 25x and the dense
layers 5x cheaper than one token per bin, which keeps the model CPU-friendly. Defaults: d_model
64, 4 heads, 2 layers, feed-forward 128. Parameters with 5 marks and 100 bins: token projection
5*5*64 + 64 = 1,664, positions 20*64 = 1,280, per layer attention 3*64*64 + 3*64 + 64*64 + 64 =
16,640 + feed-forward 64*128 + 128 + 128*64 + 64 = 16,576 + two layer norms 256 = 33,472 (x2 =
66,944), final norm 128, output 130; total 70,146 (``pooling: cls`` adds 64 for the token and 64
for its position: 70,274).
"""

from __future__ import annotations

import torch
from torch import nn

from deepchrome2.models._base import MarkBinModel

NAME = "transformer"
KIND = "torch"
DEFAULTS: dict = {
    "patch": 5,
    "d_model": 64,
    "n_heads": 4,
    "n_layers": 2,
    "d_ff": 128,
    "dropout": 0.1,
    "pooling": "mean",
}
POOLINGS = ("mean", "cls")


class BinTransformer(MarkBinModel):
    """Patch tokens, learned positions, pre-norm encoder, mean or CLS pooling, 2 logits."""

    def __init__(
        self,
        n_marks: int,
        n_bins: int,
        patch: int,
        d_model: int,
        n_heads: int,
        n_layers: int,
        d_ff: int,
        dropout: float,
        pooling: str,
    ) -> None:
        super().__init__(n_marks, n_bins)
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}, got {pooling!r}")
        if patch < 1 or n_bins % patch:
            raise ValueError(f"patch must be a positive divisor of n_bins={n_bins}, got {patch}")
        self.pooling = pooling
        n_tokens = n_bins // patch + (pooling == "cls")
        self.embed = nn.Conv1d(n_marks, d_model, patch, stride=patch)
        self.position = nn.Parameter(torch.randn(1, n_tokens, d_model) * 0.02)
        self.cls = nn.Parameter(torch.randn(1, 1, d_model) * 0.02) if pooling == "cls" else None
        layer = nn.TransformerEncoderLayer(
            d_model,
            n_heads,
            d_ff,
            dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.out = nn.Linear(d_model, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        tokens = self.embed(x).transpose(1, 2)  # (B, bins // patch, d_model)
        if self.cls is not None:
            tokens = torch.cat([self.cls.expand(x.shape[0], -1, -1), tokens], dim=1)
        hidden = self.norm(self.encoder(tokens + self.position))
        pooled = hidden[:, 0] if self.cls is not None else hidden.mean(dim=1)
        return self.out(pooled)


def build(
    n_marks: int,
    n_bins: int,
    patch: int,
    d_model: int,
    n_heads: int,
    n_layers: int,
    d_ff: int,
    dropout: float,
    pooling: str,
) -> BinTransformer:
    """The bin Transformer for inputs ``(batch, n_marks, n_bins)``."""
    return BinTransformer(
        n_marks, n_bins, patch, d_model, n_heads, n_layers, d_ff, dropout, pooling
    )
