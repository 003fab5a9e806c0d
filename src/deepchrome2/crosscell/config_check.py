"""Cross-key checks of the ``crosscell:`` config section that JSON schema cannot express."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deepchrome2 import config as cfg
from deepchrome2.crosscell.sets import K_BASED


def section(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``crosscell:`` section, or an empty dict when cross-cell evaluation is off.

    Cross-cell evaluation needs at least two cells; with one it is off (see :func:`notice`).
    """
    if len(cfg.cells(config)) < 2:
        return {}
    return dict(config.get("crosscell") or {})


def notice(config: Mapping[str, Any]) -> str | None:
    """Why the configured cross-cell stage does not run, if it does not."""
    if config.get("crosscell") and len(cfg.cells(config)) < 2:
        return "cross-cell evaluation needs at least 2 cells; the cohort has 1, so it is skipped"
    return None


def targets(config: Mapping[str, Any]) -> list[str]:
    """The target cells: ``all`` means every cell of the cohort, in cohort order."""
    chosen = section(config).get("targets", "all")
    return cfg.cells(config) if chosen == "all" else list(chosen)


def check_crosscell(config: Mapping[str, Any]) -> None:
    """Reject target cells outside the cohort, k too large, architectures not trained."""
    cc = section(config)
    if not cc:
        return
    cohort = cfg.cells(config)
    bad = [c for c in targets(config) if c not in cohort]
    if bad:
        raise ValueError(
            f"config crosscell.targets: cells {bad} are not in the cohort ({', '.join(cohort)})"
        )
    if any(e in K_BASED for e in cc["experiments"]) and cc["k"] > len(cohort) - 1:
        raise ValueError(
            f"config crosscell.k: k={cc['k']} but a target cell has only {len(cohort) - 1} "
            f"other cells in the cohort"
        )
    trained = list(config.get("train", {}).get("architectures", []))
    missing = [a for a in cc["architectures"] if a not in trained]
    if missing:
        raise ValueError(
            f"config crosscell.architectures: {missing} are not in train.architectures "
            f"({', '.join(trained)}); the transfer matrix uses the per-cell models"
        )


def n_pooled_cells(config: Mapping[str, Any], experiment: str) -> int:
    """How many cells an experiment pools (known from the config, before sets.tsv exists)."""
    if experiment.endswith("_all"):
        return len(cfg.cells(config)) - (experiment == "exclusive_all")
    return int(section(config)["k"]) + experiment.startswith("inclusive")


def pooled_mem_mb(config: Mapping[str, Any], experiment: str, base_mb: int = 800) -> int:
    """Memory of one pooled training job: a base plus the transformed training and validation
    genes of every pooled cell (float32; ~20,000 genes per cell outside the simulator)."""
    n_genes = config["simulate"]["n_genes"] if config["source"] == "simulate" else 20000
    w = config["window"]
    n_bins = (w["upstream"] + w["downstream"]) // w["bin_size"]
    per_cell = n_genes * len(cfg.cohort(config).marks) * n_bins * 4 / 1e6  # all genes, raw float32
    return int(base_mb + 1.5 * per_cell * n_pooled_cells(config, experiment))
