"""Pieces of one-line error messages: a "did you mean" hint and a shortened list."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def nearest(word: str, valid: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest valid word, or an empty string."""
    close = difflib.get_close_matches(word, valid, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def first_few(items: Iterable[str], limit: int, sep: str = ", ") -> str:
    """The first ``limit`` items joined by ``sep``, then `` and N more`` for the rest."""
    items = list(items)
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return sep.join(items[:limit]) + more
