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
from typing import Any

import pandas as pd
import torch

from deepchrome2 import models
from deepchrome2.crosscell.evaluate import check_no_leakage, score_cell
from deepchrome2.crosscell.pooled import CellRows, open_cell, train_pooled_tracks
from deepchrome2.crosscell.sets import POOLED, SEP, read_plan, uses_of
from deepchrome2.io import write_tsv
from deepchrome2.training.artifact import save_trained_set
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


def run_training_set(
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
) -> pd.DataFrame:
    """Train ``arch`` on ``train_set`` and write models.pt (one model per track),
    metrics.tsv (one row per use) and history.tsv (per track and epoch)."""
    if not len(cells) == len(caches) == len(features) == len(labels):
        raise ValueError("need one cache, features and labels file per cell")
    files = dict(zip(cells, zip(caches, features, labels, strict=True), strict=True))
    uses = uses_of(read_plan(plan), train_set, plan)
    train_cells = str(uses["train_cells"].iloc[0]).split(SEP)
    targets = list(dict.fromkeys(uses["target_cell"]))
    missing = [c for c in [*train_cells, *targets] if c not in files]
    if missing:
        raise ValueError(f"no input files for cells {missing}")
    opened: dict[str, CellRows] = {}

    def cell(c: str) -> CellRows:
        if c not in opened:
            opened[c] = open_cell(c, *files[c], split)
        return opened[c]

    pooled = [cell(c) for c in train_cells]
    tracks = {t: (None if t == POOLED else t) for t in sorted(set(uses["track"]))}
    watched = [cell(t) for t in tracks.values() if t is not None and t not in train_cells]
    ts = TrainSettings.from_dict(settings)
    fitted = train_pooled_tracks(arch, pooled, tracks, ts, hparams, transform, device, watched)
    seen = {
        str(g) for c in [*pooled, *watched] for s in ("train", "valid") for g in c.split_genes(s)
    }
    rows, history = [], []
    for use in uses.itertuples():
        tm, result = fitted[use.track]
        target = cell(use.target_cell)
        check_no_leakage(seen, target.split_genes("test"), f"{arch} {train_set} on {target.cell}")
        scores = score_cell(tm, target)
        log.info(
            "%s %s on %s (early stop on %s): test AUROC %.4f",
            arch,
            use.experiment,
            use.target_cell,
            use.track,
            scores["auroc"],
        )
        rows.append(
            {
                "arch": arch,
                "experiment": use.experiment,
                "target_cell": use.target_cell,
                "train_set": train_set,
                "track": use.track,
                **scores,
                "valid_auroc": result.best_valid_auroc,
                "best_epoch": result.best_epoch,
                "epochs": result.epochs_run,
                "n_train_cells": len(train_cells),
                "n_train": int(sum(len(c.rows["train"]) for c in pooled)),
                "train_cells": SEP.join(train_cells),
            }
        )
    for name, (tm, result) in fitted.items():
        history += [{"track": name, **h} for h in result.history]
        tm.meta = {
            "arch": arch,
            "train_set": train_set,
            "train_cells": SEP.join(train_cells),
            "track": name,
            "best_epoch": result.best_epoch,
            "valid_auroc": result.best_valid_auroc,
            "n_parameters": models.n_parameters(tm.model),
            "threads": torch.get_num_threads(),
            "seed": ts.seed,
            "train_genes": sorted(str(g) for c in pooled for g in c.split_genes("train")),
        }
    metrics = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    save_trained_set(models_out, {name: tm for name, (tm, _) in fitted.items()})
    write_tsv(history_out, pd.DataFrame(history))
    write_tsv(metrics_out, metrics, float_format="%.6f")
    return metrics
