"""``high``: the cells most correlated with X (r >= ``t_high``)."""

from __future__ import annotations

from deepchrome2.crosscell.selectors import Choice
from deepchrome2.crosscell.selectors._threshold import at_least

NAME = "high"
NEEDS_CORRELATION = True
TRAINED = True


def select(choice: Choice) -> list[str]:
    """The other cells with r >= ``t_high`` (may be none)."""
    return at_least(choice, choice.t_high)
