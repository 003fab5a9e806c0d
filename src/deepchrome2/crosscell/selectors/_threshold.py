"""Cells whose expression correlates with the target's at or above a threshold."""

from __future__ import annotations

from deepchrome2.crosscell.selectors import Choice


def at_least(choice: Choice, t: float) -> list[str]:
    """The other cells with Pearson r >= ``t`` to the target, in cohort order."""
    if choice.corr is None:
        raise ValueError(f"{choice.experiment} needs the expression correlation matrix")
    return [c for c in choice.others if float(choice.corr.loc[choice.target, c]) >= t]
