"""Derived views of the validated workflow configuration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def cells(config: Mapping[str, Any]) -> list[str]:
    """The cohort's cell IDs, in config order, for the configured source."""
    source = config["source"]
    if source == "simulate":
        return [c for group in config["simulate"]["tissue_groups"].values() for c in group]
    return list(config[source]["cells"])


def tissue_of(config: Mapping[str, Any]) -> dict[str, str]:
    """Cell -> tissue group for the simulated cohort (empty for other sources)."""
    if config["source"] != "simulate":
        return {}
    return {c: g for g, cs in config["simulate"]["tissue_groups"].items() for c in cs}


def check_unique_cells(config: Mapping[str, Any]) -> None:
    """Reject a simulated cohort that lists a cell in two tissue groups."""
    all_cells = cells(config)
    dup = sorted({c for c in all_cells if all_cells.count(c) > 1})
    if dup:
        raise ValueError(f"config: cells listed in more than one tissue group: {dup}")
