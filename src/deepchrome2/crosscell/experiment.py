"""One ``rule train_crosscell`` job: train one architecture once on one training set, and
score it for every (experiment, target) of the plan that uses that set.

Every use names its early-stopping track (the target cell's validation genes, or the set's
own pooled ones); one training run keeps each track's best epoch, so deduplicating identical
training sets never changes an experiment's result.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import torch

from deepchrome2 import models
from deepchrome2.crosscell.evaluate import cell_predictions, check_no_leakage, score_cell
from deepchrome2.crosscell.pooled import CellRows, open_cell, train_pooled_tracks
from deepchrome2.crosscell.sets import POOLED, SEP, read_plan, uses_of
from deepchrome2.io import write_tsv
from deepchrome2.training import task as tasks
from deepchrome2.training.artifact import save_trained_set
from deepchrome2.training.job import check_log_rpkm, history_table, write_predictions
from deepchrome2.training.loop import TrainSettings

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]
METRIC_COLUMNS = [
    "arch",
    "experiment",
    "target_cell",
    "train_set",
    "track",
    "auroc",
    "auprc",
    "accuracy",
    "loss",
    "n_test",
    "valid_auroc",
    "best_epoch",
    "epochs",
    "n_train_cells",
    "n_train",
    "train_cells",
]


def metric_columns(target: str = "class") -> list[str]:
    """The columns of a job's ``metrics.tsv``: :data:`METRIC_COLUMNS` for classes; for the
    log_rpkm target the regression metrics and validation Pearson r in their place."""
    if target == "class":
        return list(METRIC_COLUMNS)
    i, k = METRIC_COLUMNS.index("auroc"), METRIC_COLUMNS.index("valid_auroc")
    regression = ["pearson_r", "spearman_r", "mse"]
    return METRIC_COLUMNS[:i] + regression + ["n_test", "valid_pearson_r"] + METRIC_COLUMNS[k + 1 :]


def use_predictions(use: Any, tm: Any, tcell: CellRows) -> pd.DataFrame:
    """The per-gene predictions of one use on its target cell, keyed by experiment, target
    cell and track."""
    pred = cell_predictions(tm, tcell)
    keys = pd.DataFrame(
        {"experiment": use.experiment, "target_cell": use.target_cell, "track": use.track},
        index=pred.index,
    )
    return pd.concat([keys, pred], axis=1)


def fit_record(tm: Any, result: Any, task: Any, seed: int) -> dict[str, Any]:
    """What a pooled model's file records of its fit: best epoch, validation score, size,
    threads and seed."""
    return {
        "best_epoch": result.best_epoch,
        f"valid_{task.metric}": result.best_valid_auroc,
        "n_parameters": models.n_parameters(tm.model),
        "threads": torch.get_num_threads(),
        "seed": seed,
    }


def train_crosscell(
    plan: PathLike,
    train_set: str,
    cells: Sequence[str],
    caches: Sequence[PathLike],
    features: Sequence[PathLike],
    labels: Sequence[PathLike],
    split: PathLike,
    models_out: PathLike,
    metrics_out: PathLike,
    history_out: PathLike,
    arch: str,
    settings: dict[str, Any],
    hparams: dict[str, Any] | None = None,
    transform: str = "log1p_standardize",
    device: str = "auto",
    target: str = "class",
    predictions_out: PathLike | None = None,
) -> pd.DataFrame:
    """Train ``arch`` on ``train_set`` and write models.pt (one model per track),
    metrics.tsv (one row per use) and history.tsv (per track and epoch).

    ``target`` is the config's ``target:`` (class, or log_rpkm for a regression scored by
    Pearson r, Spearman r and MSE). With ``predictions_out``, the per-gene predictions of
    every use on its target cell go to one table: ``experiment``, ``target_cell``, ``track``
    and the columns of the per-cell predictions (every gene of the target cell).
    """
    if not len(cells) == len(caches) == len(features) == len(labels):
        raise ValueError("need one cache, features and labels file per cell")
    files = dict(zip(cells, zip(caches, features, labels, strict=True), strict=True))
    tset = open_training_set(plan, train_set, files, split)
    pooled = [tset.cell(c) for c in tset.train_cells]
    task = tasks.get(target)
    if not task.is_class:
        for c in [*pooled, *(tset.cell(t) for t in tset.targets)]:
            check_log_rpkm(c.log_rpkm, tset.files[c.cell][2])
    tracks = {t: (None if t == POOLED else t) for t in sorted(set(tset.uses["track"]))}
    watched = [tset.cell(t) for t in tracks.values() if t is not None and t not in tset.train_cells]
    ts = TrainSettings.from_dict(settings)
    fitted = train_pooled_tracks(
        arch, pooled, tracks, ts, hparams, transform, device, watched, target
    )
    rows, predictions = score_uses(
        arch, tset, pooled, watched, fitted, task, keep_predictions=predictions_out is not None
    )
    history = record_fits(arch, tset, pooled, fitted, task, ts.seed)
    metrics = pd.DataFrame(rows, columns=metric_columns(task.name))
    save_trained_set(models_out, {name: tm for name, (tm, _) in fitted.items()})
    if predictions_out is not None:
        write_predictions(predictions_out, pd.concat(predictions, ignore_index=True))
    write_tsv(history_out, history_table(history))
    write_tsv(metrics_out, metrics, float_format="%.6f")
    return metrics


@dataclass
class TrainingSet:
    """One training set of the plan: its uses (experiment, target cell, track), its cells,
    and every cell's input files, each cell opened once when first asked for."""

    name: str
    uses: pd.DataFrame
    train_cells: list[str]
    targets: list[str]
    files: dict[str, tuple[PathLike, PathLike, PathLike]]  # cell -> (cache, features, labels)
    split: PathLike
    opened: dict[str, CellRows] = field(default_factory=dict)

    def cell(self, c: str) -> CellRows:
        if c not in self.opened:
            self.opened[c] = open_cell(c, *self.files[c], self.split)
        return self.opened[c]


def open_training_set(
    plan: PathLike,
    train_set: str,
    files: dict[str, tuple[PathLike, PathLike, PathLike]],
    split: PathLike,
) -> TrainingSet:
    """Training set ``train_set`` of the plan, with ``files`` (cell -> cache, features,
    labels); ValueError when a training or target cell has none."""
    uses = uses_of(read_plan(plan), train_set, plan)
    train_cells = str(uses["train_cells"].iloc[0]).split(SEP)
    targets = list(dict.fromkeys(uses["target_cell"]))
    missing = [c for c in [*train_cells, *targets] if c not in files]
    if missing:
        raise ValueError(f"no input files for cells {missing}")
    return TrainingSet(train_set, uses, train_cells, targets, files, split)


def score_uses(
    arch: str,
    tset: TrainingSet,
    pooled: Sequence[CellRows],
    watched: Sequence[CellRows],
    fitted: dict[str, tuple[Any, Any]],
    task: Any,
    keep_predictions: bool,
) -> tuple[list[dict[str, Any]], list[pd.DataFrame]]:
    """Each use's model (its track's) on the test genes of its target cell, after checking that
    no test gene was trained or validated on: the metrics rows, and (``keep_predictions``)
    the per-gene predictions."""
    seen = {
        str(g) for c in [*pooled, *watched] for s in ("train", "valid") for g in c.split_genes(s)
    }
    rows, predictions = [], []
    for use in tset.uses.itertuples():
        tm, result = fitted[use.track]
        tcell = tset.cell(use.target_cell)
        check_no_leakage(seen, tcell.split_genes("test"), f"{arch} {tset.name} on {tcell.cell}")
        scores = score_cell(tm, tcell)
        log.info(
            "%s %s on %s (early stop on %s): test %s %.4f",
            arch,
            use.experiment,
            use.target_cell,
            use.track,
            task.metric,
            scores[task.metric],
        )
        rows.append(
            {
                "arch": arch,
                "experiment": use.experiment,
                "target_cell": use.target_cell,
                "train_set": tset.name,
                "track": use.track,
                **scores,
                f"valid_{task.metric}": result.best_valid_auroc,
                "best_epoch": result.best_epoch,
                "epochs": result.epochs_run,
                "n_train_cells": len(tset.train_cells),
                "n_train": int(sum(len(c.rows["train"]) for c in pooled)),
                "train_cells": SEP.join(tset.train_cells),
            }
        )
        if keep_predictions:
            predictions.append(use_predictions(use, tm, tcell))
    return rows, predictions


def record_fits(
    arch: str,
    tset: TrainingSet,
    pooled: Sequence[CellRows],
    fitted: dict[str, tuple[Any, Any]],
    task: Any,
    seed: int,
) -> list[dict[str, Any]]:
    """Record in each track's model what it was trained on and how it fit (its file's
    ``meta``); returns the history rows of every track."""
    train_genes = sorted(str(g) for c in pooled for g in c.split_genes("train"))
    history: list[dict[str, Any]] = []
    for name, (tm, result) in fitted.items():
        history += [{"track": name, **h} for h in result.history]
        tm.meta = {
            "arch": arch,
            "train_set": tset.name,
            "train_cells": SEP.join(tset.train_cells),
            "track": name,
            **fit_record(tm, result, task, seed),
            "train_genes": train_genes,
        }
    return history
