"""Planning of the cross-cell stage: targets and input/params functions of rules/crosscell.smk."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from deepchrome2.crosscell import config_check as cc_config
from deepchrome2.crosscell.sets import read_plan
from deepchrome2.plots import registry as figures
from deepchrome2.training import task as tasks
from deepchrome2.training.config_check import ArchParams

POOLED = "results/crosscell/pooled/{arch}/{tset}"
MATRIX = "results/tables/cross_cell_{arch}.tsv"
EXPERIMENTS = "results/tables/crosscell_experiments.tsv"


@dataclass
class CrosscellPlan(ArchParams):
    """What the cross-cell rules need from the config (empty when cross-cell is off).

    ``sets_table`` gives the path of the sets checkpoint's table once it has run (the rule file
    passes a function that asks the checkpoint); the plan reads it only when the config alone
    does not decide the training sets."""

    config: Mapping[str, Any]
    cells: Sequence[str]
    sets_table: Callable[[], str]
    section: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.section = cc_config.section(self.config)
        self.task = tasks.of_config(self.config)
        # the (experiment, target) -> training set plan where the config alone decides it
        self.static_plan = cc_config.static_plan(self.config)

    @property
    def enabled(self) -> bool:
        return bool(self.section)

    @property
    def archs(self) -> list[str]:
        return list(self.section.get("architectures", []))

    @property
    def experiments(self) -> list[str]:
        return list(self.section.get("experiments", []))

    @property
    def target_cells(self) -> list[str]:
        return cc_config.targets(self.config) if self.enabled else []

    @property
    def plan_options(self) -> dict[str, Any]:
        return cc_config.plan_options(self.config) if self.enabled else {}

    @property
    def metric(self) -> str:
        return self.task.metric

    @property
    def has_finding3(self) -> bool:
        return "exclusive_all" in self.experiments

    def plan(self) -> pd.DataFrame:
        """The plan: from the config where it decides it, else from the checkpoint's table."""
        if self.static_plan is not None:
            return self.static_plan
        return read_plan(self.sets_table())

    def training_sets(self) -> list[str]:
        """The distinct training sets of the plan (after the checkpoint)."""
        return sorted(set(self.plan()["train_set"]) - {""})

    def feature_caches(self) -> list[str]:
        return [f"results/crosscell/cache/{c}.npy" for c in self.cells]

    def transfer_rows(self, wildcards: Any) -> list[str]:
        """The transfer rows of every per-cell model of one architecture."""
        return [f"results/crosscell/transfer/{wildcards.arch}/{c}.tsv" for c in self.cells]

    def experiment_metrics(self, wildcards: Any) -> list[str]:
        """metrics.tsv of every distinct training set, once per architecture."""
        tsets = self.training_sets()
        return [f"{POOLED}/metrics.tsv".format(arch=a, tset=t) for a in self.archs for t in tsets]

    def predictions(self, wildcards: Any) -> list[str]:
        """The predictions table of every pooled training-set job (after the checkpoint)."""
        if not self.enabled:
            return []
        tsets = self.training_sets()
        return [f"results/predictions/crosscell/{a}/{t}.tsv" for a in self.archs for t in tsets]

    def pooled_mem_mb(self, wildcards: Any) -> int:
        """A training set's ID starts with its number of cells; +1 for a watched target."""
        return cc_config.pooled_mem_mb(self.config, int(wildcards.tset.split("c-")[0]) + 1)

    def targets(self) -> list[str]:
        """Transfer matrices, experiment sets, tables and figures (none without `crosscell:`)."""
        if not self.enabled:
            return []
        out = ["results/crosscell/sets.tsv"]
        out += [MATRIX.format(arch=a) for a in self.archs]
        out += [EXPERIMENTS, "results/tables/crosscell_summary.tsv"]
        if self.has_finding3:
            out.append("results/tables/finding3_crosscell.tsv")
        return out + figures.targets("crosscell", self)

    # ---- figures (deepchrome2.plots.registry) ----
    figure_constraints: ClassVar[dict[str, str]] = {}

    @property
    def figure_wildcards(self) -> dict[str, list[str]]:
        return {"arch": self.archs}

    def figure_params(self, wildcards: Any) -> dict[str, Any]:
        return {"experiments": self.experiments, "architectures": self.archs}

    def matrix_input(self, wildcards: Any) -> dict[str, str]:
        return {"table": MATRIX.format(arch=wildcards.arch)}

    def experiments_input(self, wildcards: Any) -> dict[str, str]:
        return {"table": EXPERIMENTS}
