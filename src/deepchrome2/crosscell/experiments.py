"""The registry of DeepChrome 2.0's cross-cell experiments.

An experiment is defined per target cell X by whether X's own training genes are pooled
(``includes_target``) and by the selector that picks the other cells (``selector``):

- ``all``: every other cell of the cohort (or, with ``sets: dc2``, of the paper's list);
- ``high``: the cells most correlated with X (``sets: correlation``: r >= ``t_high``);
- ``somewhat``: the moderately and highly correlated cells (r >= ``t_somewhat``, so it
  always contains the high set);
- ``random``: a seeded draw; the set holds ``k_random`` cells in all, X included for the
  inclusive variant, as in the paper (8 cells in both variants, drawn independently);
- ``own``: X alone; nothing pooled is trained, X's per-cell model is scored on every other
  cell (``test_on_rest``, from the transfer matrix).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Experiment:
    """One cross-cell experiment: who is pooled for target X and how it is scored."""

    name: str
    includes_target: bool
    selector: str  # all | high | somewhat | random | own
    size_rule: str

    @property
    def trained(self) -> bool:
        """Whether the experiment trains a pooled model (test_on_rest does not)."""
        return self.selector != "own"


REGISTRY: dict[str, Experiment] = {
    e.name: e
    for e in (
        Experiment("inclusive_all", True, "all", "every cell (one model for all targets)"),
        Experiment("exclusive_all", False, "all", "every cell but X"),
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
CORRELATION_SELECTORS = ("high", "somewhat")


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
