"""Selectors of the cross-cell experiments: how the cells pooled for a target X are chosen.

Every public module of this package (name not starting with ``_``) is a selector, discovered
automatically, so a new way of choosing cells is one new file. A selector module defines:

- ``NAME``: its name (equal to the module name), used by the experiment registry
  (:mod:`deepchrome2.crosscell.experiments`);
- ``NEEDS_CORRELATION``: whether it reads the expression correlation of the cells (then the
  training sets are known only once ``rule crosscell_sets`` has computed it);
- ``TRAINED``: whether its experiments train a pooled model (``own`` does not: X's per-cell
  model is scored on the other cells);
- ``select(choice: Choice) -> list[str]``: the other cells chosen for ``choice.target``
  (never X itself; the experiment adds X when it includes the target).

These choose cells with ``sets: correlation``; with ``sets: dc2`` the paper's lists are read
instead (:func:`deepchrome2.crosscell.sets.dc2_cells`).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from types import ModuleType

import pandas as pd


@dataclass(frozen=True)
class Choice:
    """What a selector may look at when it chooses the cells pooled for ``target``."""

    experiment: str
    target: str
    others: list[str]  # the cohort's other cells, in cohort order
    includes_target: bool
    corr: pd.DataFrame | None
    t_high: float
    t_somewhat: float
    k_random: int
    seed: int


def available() -> list[str]:
    """Sorted names of the selectors found in this package."""
    return sorted(
        info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")
    )


@cache
def get(name: str) -> ModuleType:
    """The module of selector ``name``; ValueError listing the valid names if unknown."""
    names = available()
    if name not in names:
        raise ValueError(f"unknown cross-cell selector {name!r}; valid: {', '.join(names)}")
    module = importlib.import_module(f"{__name__}.{name}")
    required = ("NAME", "NEEDS_CORRELATION", "TRAINED", "select")
    if not all(hasattr(module, a) for a in required) or name != module.NAME:
        raise TypeError(
            f"selector module {module.__name__} must set NAME={name!r}, NEEDS_CORRELATION, "
            "TRAINED and select()"
        )
    return module
