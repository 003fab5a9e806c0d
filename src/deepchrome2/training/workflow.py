"""Planning of the training stage: targets and input/params functions of rules/train.smk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from deepchrome2 import paper
from deepchrome2.plots import registry as figures
from deepchrome2.training import task as tasks
from deepchrome2.training.config_check import ArchParams
from deepchrome2.training.recipes import LINEAR_ARCHS

JOB = "results/models/{arch}/{cell}"
PREDICTIONS = "results/predictions/{arch}/{cell}.tsv"
ORACLE = "results/tables/oracle_auroc.tsv"
FINDING1 = "results/tables/finding1_linear_vs_cnn.tsv"
PAPER_TABLE = "results/tables/paper_comparison.tsv"
AGREEMENT = "results/tables/prediction_agreement.tsv"


@dataclass
class TrainingPlan(ArchParams):
    """What rule train and the summary rules need from the config."""

    config: Mapping[str, Any]
    cells: Sequence[str]
    source: str
    # DeepChrome 2.0's test AUROC table (resources/deepchrome2_paper/dc2_test_auroc.tsv)
    reference: str = str(paper.REFERENCE)

    def __post_init__(self) -> None:
        self.task = tasks.of_config(self.config)

    @property
    def archs(self) -> list[str]:
        return list(self.config["train"]["architectures"])

    @property
    def metric(self) -> str:
        """The target's headline metric: auroc (class) or pearson_r (log_rpkm)."""
        return self.task.metric

    @property
    def per_cell_table(self) -> str:
        return f"results/tables/per_cell_{self.metric}.tsv"

    @property
    def tables(self) -> tuple[str, str]:
        return (self.per_cell_table, "results/tables/architectures.tsv")

    def predictions(self, archs: Sequence[str] | None = None) -> list[str]:
        """The per-gene predictions of every arch x cell job."""
        return [
            PREDICTIONS.format(arch=a, cell=c)
            for a in (self.archs if archs is None else archs)
            for c in self.cells
        ]

    @property
    def finding1_baselines(self) -> list[str]:
        """The linear models trained (``linear`` and its other aggregators), in config order:
        Finding 1 sets deepchrome against each."""
        return [a for a in self.archs if a in LINEAR_ARCHS]

    @property
    def has_finding1(self) -> bool:
        """Finding 1 compares deepchrome with the linear models: both must be trained."""
        return "deepchrome" in self.archs and bool(self.finding1_baselines)

    @property
    def has_paper(self) -> bool:
        """At least one architecture has a DeepChrome 2.0 setting to compare with (the paper
        reports AUROC, so only for the class target)."""
        return self.task.is_class and any(paper.setting_of(a) for a in self.archs)

    def job_files(self, name: str, archs: Sequence[str] | None = None) -> list[str]:
        """``name`` (metrics.json, history.tsv, model.pt) of every arch x cell job."""
        return [
            f"{JOB}/{name}".format(arch=a, cell=c)
            for a in (self.archs if archs is None else archs)
            for c in self.cells
        ]

    def tables_input(self, wildcards: Any) -> dict[str, Any]:
        """Every job's metrics, plus the oracle AUROC table when simulating."""
        inputs: dict[str, Any] = {
            "metrics": self.job_files("metrics.json"),
            "reference": self.reference,
        }
        if self.source == "simulate":
            inputs["oracle"] = ORACLE
        return inputs

    def pair_input(self, wildcards: Any) -> dict[str, Any]:
        """Metrics of the linear models and deepchrome (Finding 1 and its scatter)."""
        archs = [*self.finding1_baselines, "deepchrome"]
        return {"metrics": self.job_files("metrics.json", archs)}

    def paper_input(self, wildcards: Any) -> dict[str, Any]:
        """Metrics of the architectures that have a DeepChrome 2.0 setting, and its table."""
        archs = [a for a in self.archs if paper.setting_of(a)]
        return {"metrics": self.job_files("metrics.json", archs), "reference": self.reference}

    def curves_input(self, wildcards: Any) -> dict[str, Any]:
        return {
            "metrics": self.job_files("metrics.json"),
            "histories": self.job_files("history.tsv"),
        }

    def oracle_input(self, wildcards: Any) -> dict[str, Any]:
        return {"metrics": self.job_files("metrics.json"), "oracle": ORACLE}

    def metrics_input(self, wildcards: Any) -> dict[str, Any]:
        return {"metrics": self.job_files("metrics.json")}

    def roc_input(self, wildcards: Any) -> dict[str, Any]:
        """Every architecture's per-gene predictions on one cell (its ROC figure)."""
        return {
            "predictions": [PREDICTIONS.format(arch=a, cell=wildcards.cell) for a in self.archs]
        }

    # ---- figures (deepchrome2.plots.registry) ----
    enabled = True  # the stage always runs
    figure_constraints: ClassVar[dict[str, str]] = {}

    @property
    def figure_wildcards(self) -> dict[str, list[str]]:
        """The cells (the per-cell ROC figures)."""
        return {"cell": list(self.cells)}

    @property
    def simulated(self) -> bool:
        return self.source == "simulate"

    @property
    def class_target(self) -> bool:
        """The ROC figures need the class target's probabilities."""
        return self.task.is_class

    def figure_params(self, wildcards: Any) -> dict[str, Any]:
        """params of every per-cell figure: the architectures' order and the metric."""
        return {"order": self.archs, "metric": self.metric}

    def targets(self) -> list[str]:
        """Every job's outputs, predictions, the summary tables and the figures."""
        out = self.job_files("metrics.json") + self.predictions() + list(self.tables)
        out.append(AGREEMENT)
        if self.has_finding1:
            out.append(FINDING1)
        if self.has_paper:
            out.append(PAPER_TABLE)
        return out + figures.targets("training", self)
