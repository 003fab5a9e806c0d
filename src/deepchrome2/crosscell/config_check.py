"""Cross-key checks of the ``crosscell:`` config section that JSON schema cannot express, and
the plan of pooled training jobs where it is known before any data exists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from deepchrome2 import config as cfg
from deepchrome2.crosscell import experiments as registry
from deepchrome2.crosscell import sets as cc_sets

# Defaults of the optional keys (schemas/config.schema.yaml documents them).
DEFAULTS: dict[str, Any] = {
    "sets": "correlation",
    "t_high": 0.8,
    "t_somewhat": 0.6,
    "k_random": 8,
    "early_stop_on": "target",
    "seed": 0,
}


def section(config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``crosscell:`` section with defaults filled in, or an empty dict when cross-cell
    evaluation is off.

    Cross-cell evaluation needs at least two cells; with one it is off (see :func:`notice`).
    """
    if len(cfg.cells(config)) < 2 or not config.get("crosscell"):
        return {}
    return {**DEFAULTS, **dict(config["crosscell"])}


def notice(config: Mapping[str, Any]) -> str | None:
    """Why the configured cross-cell stage does not run, if it does not."""
    if config.get("crosscell") and len(cfg.cells(config)) < 2:
        return "cross-cell evaluation needs at least 2 cells; the cohort has 1, so it is skipped"
    return None


def targets(config: Mapping[str, Any]) -> list[str]:
    """The target cells: ``all`` means every cell of the cohort, in cohort order."""
    chosen = section(config).get("targets", "all")
    return cfg.cells(config) if chosen == "all" else list(chosen)


def plan_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :func:`deepchrome2.crosscell.sets.build_plan` from config."""
    cc = section(config)
    keys = ("sets", "t_high", "t_somewhat", "k_random", "seed", "early_stop_on")
    return {k: cc[k] for k in keys}


def needs_data(config: Mapping[str, Any]) -> bool:
    """Whether the training sets depend on the expression data (correlation high/somewhat):
    then they are known only once ``rule crosscell_sets`` has run (a checkpoint)."""
    cc = section(config)
    return cc.get("sets") == "correlation" and any(
        registry.get(e).needs_correlation for e in cc["experiments"]
    )


def static_plan(config: Mapping[str, Any]) -> pd.DataFrame | None:
    """The plan of (experiment, target) -> training set, when it is known from the config
    alone (``sets: dc2``, or no correlation-based experiment); else None."""
    if not section(config) or needs_data(config):
        return None
    cc = section(config)
    return cc_sets.build_plan(
        cfg.cells(config), targets(config), cc["experiments"], **plan_options(config)
    )


def check_crosscell(config: Mapping[str, Any]) -> None:
    """Reject unknown experiments, target cells outside the cohort, thresholds out of range,
    dc2 sets naming cells outside the cohort, architectures not trained."""
    cc = section(config)
    if not cc:
        return
    registry.check_names(list(cc["experiments"]))
    cohort = cfg.cells(config)
    bad = [c for c in targets(config) if c not in cohort]
    if bad:
        raise ValueError(
            f"config crosscell.targets: cells {bad} are not in the cohort ({', '.join(cohort)})"
        )
    cc_sets.check_thresholds(cc["t_high"], cc["t_somewhat"])
    if cc["sets"] == "dc2" and cc["early_stop_on"] != "target":
        raise ValueError(
            "config crosscell.early_stop_on: sets dc2 implies early_stop_on target "
            "(the paper early-stopped every run on the target cell)"
        )
    trained = list(config.get("train", {}).get("architectures", []))
    missing = [a for a in cc["architectures"] if a not in trained]
    if missing:
        raise ValueError(
            f"config crosscell.architectures: {missing} are not in train.architectures "
            f"({', '.join(trained)}); the transfer matrix uses the per-cell models"
        )
    static_plan(config)  # dc2: every listed cell must be in the cohort


def max_pooled_cells(config: Mapping[str, Any]) -> int:
    """Most cells a pooled job can hold (every cell of the cohort)."""
    return len(cfg.cells(config))


def pooled_mem_mb(config: Mapping[str, Any], n_cells: int, base_mb: int = 800) -> int:
    """Memory of one pooled training job over ``n_cells`` cells: a base plus, per pooled cell,
    as much as its whole raw signal (float32; ~20,000 genes per cell outside the simulator).

    The job holds one transformed copy of the training and validation genes (two thirds of
    each cell's signal), and the memory-mapped caches are unmapped as they are read, so this
    leaves about 40% to spare: a 56-cell set at 19,802 genes measured 2.1 GB at its peak
    (bench/bench_pooled_memory.py) and asks 3.0 GB.
    """
    n_genes = config["simulate"]["n_genes"] if config["source"] == "simulate" else 20000
    w = config["window"]
    n_bins = (w["upstream"] + w["downstream"]) // w["bin_size"]
    per_cell = n_genes * len(cfg.cohort(config).marks) * n_bins * 4 / 1e6  # all genes, raw float32
    return int(base_mb + per_cell * n_cells)
