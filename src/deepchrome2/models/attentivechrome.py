"""AttentiveChrome (Singh et al. 2017): two levels of LSTMs with soft attention.

Bin level: each mark has its own bidirectional LSTM that reads the mark's signal bin by bin
(input size 1); a learned context vector ``w_m`` per mark scores every bin's state,
``alpha = softmax_t(h_t . w_m)``, and the mark embedding is the alpha-weighted sum of the states.
Mark level: a bidirectional LSTM reads the ``n_marks`` embeddings in config order, a context
vector scores them the same way (``beta``), and the beta-weighted summary feeds ``Linear(.., 2)``.
The defaults are AttentiveChrome's published sizes: 32 hidden units per direction at the bin
level and half that, 16, at the mark level (``bin_rnn_size`` 32 and ``bin_rnn_size // 2`` in
the authors' code). Halving both (16 and 8) keeps every layer and the full 100-bin attention
resolution at about a third of the CPU time, the LSTMs being the slowest part of the model zoo
on CPU; the demo config does that, by name. One difference from the authors' code: the output
is ``Linear(.., 2)`` (two logits, as every model here) where theirs is one logit.
Each per-mark LSTM runs once over the whole batch (no per-sample loop); folding the marks into
the batch with one shared LSTM measured no faster on CPU, so the per-mark weights of the paper
are kept. After every forward the weights are kept, detached, in
``model.last_attention = {"bin": (B, marks, bins), "mark": (B, marks)}``; ``model.attention(x)``
computes them without gradients. Parameters with 5 marks (independent of ``n_bins``): bin LSTMs
5 * 2 * (4*32*(1+32) + 2*4*32) = 44,800, bin contexts 5 * 64 = 320, mark LSTM
2 * (4*16*(64+16) + 2*4*16) = 10,496, mark context 32, output 32*2 + 2 = 66; total 55,714
(with 16/8: 15,058).
"""

from __future__ import annotations

import torch
from torch import nn

from deepchrome2.models._base import MarkBinModel

NAME = "attentivechrome"
KIND = "torch"
DEFAULTS: dict = {"bin_hidden": 32, "mark_hidden": 16}


def attend(states: torch.Tensor, context: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Soft attention over dim -2 of ``states`` (..., T, H) with ``context`` (..., H).

    Returns the weighted sum (..., H) and the weights (..., T), which sum to 1 over T.
    """
    scores = torch.einsum("...th,...h->...t", states, context)
    weights = torch.softmax(scores, dim=-1)
    return torch.einsum("...t,...th->...h", weights, states), weights


class AttentiveChrome(MarkBinModel):
    """Per-mark BiLSTMs with bin attention, then a BiLSTM over marks with mark attention."""

    def __init__(self, n_marks: int, n_bins: int, bin_hidden: int, mark_hidden: int) -> None:
        super().__init__(n_marks, n_bins)
        self.bin_lstms = nn.ModuleList(
            nn.LSTM(1, bin_hidden, batch_first=True, bidirectional=True) for _ in range(n_marks)
        )
        self.bin_context = nn.Parameter(torch.randn(n_marks, 2 * bin_hidden) * 0.1)
        self.mark_lstm = nn.LSTM(2 * bin_hidden, mark_hidden, batch_first=True, bidirectional=True)
        self.mark_context = nn.Parameter(torch.randn(2 * mark_hidden) * 0.1)
        self.out = nn.Linear(2 * mark_hidden, 2)
        self.last_attention: dict[str, torch.Tensor] = {}

    def _bin_states(self, x: torch.Tensor) -> torch.Tensor:
        """BiLSTM states of every bin of every mark, shape (B, marks, bins, 2 * bin_hidden)."""
        per_mark = [lstm(x[:, m, :, None])[0] for m, lstm in enumerate(self.bin_lstms)]
        return torch.stack(per_mark, dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        marks, alpha = attend(self._bin_states(x), self.bin_context)  # (B, M, 2h), (B, M, T)
        mark_states, _ = self.mark_lstm(marks)  # (B, M, 2h')
        summary, beta = attend(mark_states, self.mark_context)  # (B, 2h'), (B, M)
        self.last_attention = {"bin": alpha.detach(), "mark": beta.detach()}
        return self.out(summary)

    @torch.no_grad()
    def attention(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Bin-level (B, marks, bins) and mark-level (B, marks) attention weights for ``x``."""
        self.forward(x)
        return self.last_attention


def build(n_marks: int, n_bins: int, bin_hidden: int, mark_hidden: int) -> AttentiveChrome:
    """AttentiveChrome for inputs ``(batch, n_marks, n_bins)``."""
    return AttentiveChrome(n_marks, n_bins, bin_hidden, mark_hidden)
