"""``somewhat``: the moderately and highly correlated cells (r >= ``t_somewhat``, so the set
always contains the high set)."""

from __future__ import annotations

from deepchrome2.crosscell.selectors import Choice
from deepchrome2.crosscell.selectors._threshold import at_least

NAME = "somewhat"
NEEDS_CORRELATION = True
TRAINED = True


def select(choice: Choice) -> list[str]:
    """The other cells with r >= ``t_somewhat``."""
    return at_least(choice, choice.t_somewhat)
