"""Checks of the ``interpret:`` config section that the schema cannot express.

They run while Snakemake parses the workflow, so they import no torch: an architecture's kind
comes from :func:`deepchrome2.models.kind`, which reads it from the module's source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deepchrome2 import config as cfg
from deepchrome2 import models
from deepchrome2.interpret.methods import OPTMAP_METHODS


def interpret_cells(config: Mapping[str, Any], cells: list[str]) -> list[str]:
    """The cells to interpret: ``all`` -> every cohort cell, else the listed ones."""
    chosen = config["interpret"]["cells"]
    return list(cells) if chosen == "all" else list(chosen)


def check_interpret(config: Mapping[str, Any]) -> None:
    """Interpreted cells in the cohort; optimization-map and attribution architectures trained
    torch ones; known optimization-map methods. ValueError naming the bad key."""
    sec = config["interpret"]
    cells = cfg.cells(config)
    unknown = [c for c in interpret_cells(config, cells) if c not in cells]
    if unknown:
        raise ValueError(f"config interpret.cells: {unknown} are not cells of the cohort {cells}")
    trained = config["train"]["architectures"]
    for arch in sec["optmap"]["architectures"]:
        if arch not in trained:
            raise ValueError(
                f"config interpret.optmap.architectures: {arch} is not in train.architectures"
            )
        if models.kind(arch) != "torch":
            raise ValueError(
                f"config interpret.optmap.architectures: {arch} is not a torch architecture"
            )
    bad = [m for m in sec["optmap"]["methods"] if m not in OPTMAP_METHODS]
    if bad:
        raise ValueError(
            f"config interpret.optmap.methods: unknown {bad}; valid: {list(OPTMAP_METHODS)}"
        )
    torch_architectures(config, sec["attribution"]["architectures"])


def torch_architectures(config: Mapping[str, Any], chosen: str | list[str]) -> list[str]:
    """``all`` -> every trained torch architecture; a list is checked against the trained ones."""
    trained = config["train"]["architectures"]
    if chosen == "all":
        return [a for a in trained if models.kind(a) == "torch"]
    for arch in chosen:
        if arch not in trained or models.kind(arch) != "torch":
            raise ValueError(
                f"config interpret.attribution.architectures: {arch} is not a trained torch "
                "architecture"
            )
    return list(chosen)
