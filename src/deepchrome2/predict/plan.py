"""The ``predict:`` config section: new cells (bigWigs, no expression) and the models to apply.

Checked when the workflow is parsed, each problem as one line naming the key: a model must be
one this run trains (``{arch, cell}`` per-cell, ``{arch, experiment, cell}`` cross-cell) or an
existing model file (``{path, name}``); every new cell must list, in order, exactly the marks of
every model applied to it (the models of this run use the config's ``marks``; a model file's
marks are read from it), and must have a bigWig for each. A cross-cell model is the model of
the training set (and early-stopping track) that the cross-cell plan gives the experiment and
target cell: the workflow resolves it from the plan (``pooled_model``). Output names:
``results/predictions/new/{model}/{cell}.tsv`` with ``{model}`` = ``{arch}_{cell}``,
``{arch}_{experiment}_{cell}`` or the given ``name``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deepchrome2.errors import ConfigError, InputError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
FEATURES = "results/predict/features/{cell}.npz"
OUTPUT = "results/predictions/new/{model}/{cell}.tsv"


@dataclass
class PredictModel:
    """One model to apply: its output name, model file and the marks it was trained on."""

    name: str
    path: str  # for a cross-cell model, resolved from the plan by the workflow
    marks: list[str]
    source: str  # "per-cell", "cross-cell" or "file"
    arch: str = ""
    experiment: str = ""  # cross-cell models only
    cell: str = ""


@dataclass
class PredictPlan:
    """The validated ``predict:`` section (empty when absent)."""

    cells: dict[str, list[str]] = field(default_factory=dict)  # cell -> marks, in order
    bigwig: str = ""
    models: dict[str, PredictModel] = field(default_factory=dict)
    # the cross-cell plan (sets.tsv as a DataFrame), asked for only by cross-cell models
    crosscell_plan: Callable[[], Any] | None = None

    def bigwig_path(self, cell: str, mark: str) -> str:
        return self.bigwig.format(cell=cell, mark=mark)

    def bigwigs(self, cell: str) -> dict[str, str]:
        """Mark -> bigWig of one new cell, in the cell's mark order."""
        return {m: self.bigwig_path(cell, m) for m in self.cells[cell]}

    def outputs(self) -> list[str]:
        return [OUTPUT.format(model=m, cell=c) for m in self.models for c in self.cells]

    def bigwig_input(self, wildcards: Any) -> list[str]:
        """input: the bigWigs of new cell ``wildcards.pcell``, in its mark order."""
        return list(self.bigwigs(wildcards.pcell).values())

    def marks_param(self, wildcards: Any) -> list[str]:
        """params: the marks of new cell ``wildcards.pcell``, in order."""
        return list(self.cells[wildcards.pcell])

    def model_input(self, wildcards: Any) -> str:
        """input: the model file of ``wildcards.model``; a cross-cell model's from the plan."""
        m = self.models[wildcards.model]
        return self._pooled(m)[0] if m.source == "cross-cell" else m.path

    def track(self, wildcards: Any) -> str:
        """params: the early-stopping track of a cross-cell model ("" for the other models)."""
        m = self.models[wildcards.model]
        return self._pooled(m)[1] if m.source == "cross-cell" else ""

    def _pooled(self, m: PredictModel) -> tuple[str, str]:
        if self.crosscell_plan is None:
            raise ValueError(f"model {m.name}: no cross-cell plan to resolve it from")
        return pooled_model(m, self.crosscell_plan())


POOLED_MODELS = "results/crosscell/pooled/{arch}/{tset}/models.pt"


def pooled_model(m: PredictModel, plan: Any) -> tuple[str, str]:
    """(models.pt of the training set, early-stopping track) of cross-cell model ``m`` in the
    cross-cell ``plan`` (a DataFrame of sets.tsv); ConfigError if its training set is empty."""
    rows = plan[(plan["experiment"] == m.experiment) & (plan["target_cell"] == m.cell)]
    if rows.empty or not str(rows["train_set"].iloc[0]):
        raise ConfigError(
            f"predict.models ({m.name})",
            f"experiment '{m.experiment}' has no trained model for cell {m.cell} (empty set)",
        )
    r = rows.iloc[0]
    return POOLED_MODELS.format(arch=m.arch, tset=r["train_set"]), str(r["track"])


def saved_marks(path: str) -> list[str]:
    """The marks recorded in a saved model file (InputError if missing or not a model)."""
    from deepchrome2.training.artifact import read_payload

    return list(read_payload(path)["marks"])


def _model(
    i: int,
    entry: Mapping[str, Any],
    marks: Sequence[str],
    cells: Sequence[str],
    archs: Sequence[str],
    crosscell: Mapping[str, Any],
) -> PredictModel:
    where = f"predict.models[{i}]"
    if "path" in entry:
        name, path = entry.get("name"), str(entry["path"])
        if not name:
            raise ConfigError(where, "a model file needs a 'name' for its output folder")
        try:
            return PredictModel(str(name), path, saved_marks(path), "file")
        except InputError as err:
            raise ConfigError(where, f"{err}") from None
    arch, cell = entry.get("arch"), entry.get("cell")
    if not arch or not cell:
        raise ConfigError(where, "give 'arch' and 'cell' (and 'experiment'), or 'path'")
    experiment = entry.get("experiment")
    if experiment is None:
        if arch not in archs:
            raise ConfigError(where, f"architecture '{arch}' is not in train.architectures")
        if cell not in cells:
            raise ConfigError(where, f"cell '{cell}' is not a training cell of this run")
        path = f"results/models/{arch}/{cell}/model.pt"
        return PredictModel(f"{arch}_{cell}", path, list(marks), "per-cell")
    if arch not in crosscell.get("architectures", []):
        raise ConfigError(where, f"architecture '{arch}' is not in crosscell.architectures")
    if experiment not in crosscell.get("trained", []):
        raise ConfigError(where, f"experiment '{experiment}' is not a trained crosscell experiment")
    if cell not in crosscell.get("targets", []):
        raise ConfigError(where, f"cell '{cell}' is not a crosscell target")
    return PredictModel(
        f"{arch}_{experiment}_{cell}", "", list(marks), "cross-cell", arch, experiment, cell
    )


def plan(
    config: Mapping[str, Any],
    cells: Sequence[str],
    marks: Sequence[str],
    crosscell: Mapping[str, Any] | None = None,
    crosscell_plan: Callable[[], Any] | None = None,
) -> PredictPlan:
    """Validate ``config['predict']`` against this run; ConfigError (one line) on a problem.

    ``crosscell`` holds this run's cross-cell ``architectures``, ``trained`` experiments and
    ``targets``; ``crosscell_plan`` gives the cross-cell plan (read once it is known).
    """
    section = config.get("predict")
    if not section:
        return PredictPlan()
    if config["source"] not in ("simulate", "files"):
        raise ConfigError("predict", "needs bigWig inputs (source simulate or files)")
    archs = list(config["train"]["architectures"])
    new_cells = {str(c): list(m or marks) for c, m in section["cells"].items()}
    for cell in new_cells:
        if not NAME.match(cell):
            raise ConfigError("predict.cells", f"'{cell}' is not a valid name")
    models: dict[str, PredictModel] = {}
    for i, entry in enumerate(section["models"]):
        m = _model(i, entry, marks, cells, archs, crosscell or {})
        if not NAME.match(m.name):
            raise ConfigError(f"predict.models[{i}]", f"'{m.name}' is not a valid name")
        if m.name in models:
            raise ConfigError(f"predict.models[{i}]", f"model '{m.name}' is listed twice")
        models[m.name] = m
    p = PredictPlan(new_cells, section["bigwig"], models, crosscell_plan)
    for cell, cell_marks in new_cells.items():
        for m in models.values():
            if cell_marks != m.marks:
                raise ConfigError(
                    f"predict.cells.{cell}",
                    f"marks {cell_marks} differ from model "
                    f"'{m.name}' marks {m.marks} (same marks in the same order needed)",
                )
        for mark, path in p.bigwigs(cell).items():
            if not Path(path).is_file():
                raise ConfigError(
                    "predict.bigwig",
                    f"cell {cell} has no bigWig for mark {mark} ({path} not found)",
                )
    return p
