"""Checks of the ``interpret:`` config section that the schema cannot express."""

from __future__ import annotations

from deepchrome2 import models
from deepchrome2.interpret.optmap import METHODS


def check_interpret_config(config: dict, cells: list[str]) -> list[str]:
    """The cells to interpret (``all`` -> every cohort cell); ValueError naming the bad key."""
    sec = config["interpret"]
    chosen = list(cells) if sec["cells"] == "all" else list(sec["cells"])
    unknown = [c for c in chosen if c not in cells]
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
    bad = [m for m in sec["optmap"]["methods"] if m not in METHODS]
    if bad:
        raise ValueError(
            f"config interpret.optmap.methods: unknown {bad}; valid: {sorted(METHODS)}"
        )
    return chosen


def torch_architectures(config: dict, chosen: str | list[str]) -> list[str]:
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
