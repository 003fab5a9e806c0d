"""The registry of cross-cell experiments: the one list of their names and definitions.

An experiment is defined per target cell X by whether X's own training genes are pooled
(``includes_target``), by the selector that picks the other cells (``selector``, a module of
:mod:`deepchrome2.crosscell.selectors`: ``every``, ``high``, ``somewhat``, ``random``, ``own``)
and by its size rule (how many cells the set holds). ``shared`` marks the experiment that
trains one model for every target (``inclusive_all``: the paper's one list, early-stopped on
the validation genes of all its cells).

Adding an experiment is one line in :data:`REGISTRY`, plus one selector module when none of
the existing ones chooses its cells. The config schema lists no names: the config check
validates ``crosscell.experiments`` against this registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from deepchrome2.crosscell import selectors


@dataclass(frozen=True)
class Experiment:
    """One cross-cell experiment: who is pooled for target X and how it is scored."""

    name: str
    includes_target: bool
    selector: str
    size_rule: str
    shared: bool = False

    @property
    def chooser(self) -> ModuleType:
        """The selector module that picks the other cells."""
        return selectors.get(self.selector)

    @property
    def trained(self) -> bool:
        """Whether the experiment trains a pooled model (test_on_rest does not)."""
        return bool(self.chooser.TRAINED)

    @property
    def needs_correlation(self) -> bool:
        """Whether its cells depend on the expression correlation (``sets: correlation``)."""
        return bool(self.chooser.NEEDS_CORRELATION)


# DeepChrome 2.0's nine experiments, in the paper's order.
REGISTRY: dict[str, Experiment] = {
    e.name: e
    for e in (
        Experiment("inclusive_all", True, "every", "every cell (one model for all targets)", True),
        Experiment("exclusive_all", False, "every", "every cell but X"),
        Experiment("inclusive_high", True, "high", "X + cells with r >= t_high"),
        Experiment("exclusive_high", False, "high", "cells with r >= t_high (may be empty)"),
        Experiment("inclusive_somewhat", True, "somewhat", "X + cells with r >= t_somewhat"),
        Experiment("exclusive_somewhat", False, "somewhat", "cells with r >= t_somewhat"),
        Experiment("inclusive_random", True, "random", "X + k_random - 1 random others"),
        Experiment("exclusive_random", False, "random", "k_random random others"),
        Experiment("test_on_rest", True, "own", "X alone, scored on every other cell"),
    )
}
NAMES: tuple[str, ...] = tuple(REGISTRY)
TRAINED: tuple[str, ...] = tuple(n for n, e in REGISTRY.items() if e.trained)


def get(name: str) -> Experiment:
    """The experiment ``name``; an unknown name is a ValueError listing the valid ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"unknown cross-cell experiment {name!r}; valid: {', '.join(NAMES)}"
        ) from None


def check_names(names: list[str] | tuple[str, ...], key: str = "crosscell.experiments") -> None:
    """Reject unknown experiment names, listing the valid ones."""
    bad = [n for n in names if n not in REGISTRY]
    if bad:
        raise ValueError(f"config {key}: unknown experiments {bad}; valid: {', '.join(NAMES)}")


def check_registry() -> None:
    """Every experiment names an existing selector (a TypeError/ValueError otherwise)."""
    for exp in REGISTRY.values():
        exp.chooser  # noqa: B018 - imports and checks the selector module
