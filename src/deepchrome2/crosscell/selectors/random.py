"""``random``: a seeded draw; the set holds ``k_random`` cells in all, X included for the
inclusive variant, as in the paper (8 cells in both variants, drawn independently)."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from deepchrome2.crosscell.selectors import Choice

NAME = "random"
NEEDS_CORRELATION = False
TRAINED = True


def random_cells(
    others: Sequence[str], k: int, seed: int, target: str, experiment: str
) -> list[str]:
    """``k`` of ``others`` (all of them if fewer), drawn with a seed of (seed, X, experiment):
    the inclusive and exclusive random sets are independent draws, as in the paper."""
    pool = sorted(others)
    k = min(k, len(pool))
    rng = np.random.default_rng(
        [seed, zlib.crc32(target.encode()), zlib.crc32(experiment.encode())]
    )
    return sorted(rng.choice(pool, size=k, replace=False).tolist())


def select(choice: Choice) -> list[str]:
    """``k_random`` cells in all: ``k_random - 1`` others when X is included."""
    k = choice.k_random - choice.includes_target
    return random_cells(choice.others, k, choice.seed, choice.target, choice.experiment)
