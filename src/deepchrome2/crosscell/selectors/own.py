"""``own``: X alone; nothing pooled is trained, X's per-cell model is scored on every other
cell (``test_on_rest``, from the transfer matrix)."""

from __future__ import annotations

from deepchrome2.crosscell.selectors import Choice

NAME = "own"
NEEDS_CORRELATION = False
TRAINED = False


def select(choice: Choice) -> list[str]:
    """No other cell."""
    return []
