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


SIMULATED_MARKS = ("H3K4me3", "H3K4me1", "H3K36me3", "H3K9me3", "H3K27me3")


def check_source(config: Mapping[str, Any]) -> None:
    """Cross-key checks the schema cannot express, each with one clear message."""
    check_unique_cells(config)
    w = config["window"]
    if (w["upstream"] + w["downstream"]) % w["bin_size"]:
        raise ValueError("config window: upstream + downstream must be a multiple of bin_size")
    if config["source"] == "simulate":
        extra = [m for m in config["marks"] if m not in SIMULATED_MARKS]
        if extra:
            raise ValueError(
                f"config marks: the simulator models only {list(SIMULATED_MARKS)}, not {extra}"
            )
        if w["bin_size"] % 25 or w["upstream"] % 25 or w["downstream"] % 25:
            raise ValueError("config window: the simulator needs multiples of its 25 bp grid")
