"""``every``: every other cell of the cohort."""

from __future__ import annotations

from deepchrome2.crosscell.selectors import Choice

NAME = "every"
NEEDS_CORRELATION = False
TRAINED = True


def select(choice: Choice) -> list[str]:
    """Every other cell."""
    return list(choice.others)
