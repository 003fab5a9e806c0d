"""One ``rule train_crosscell`` job: pool an experiment's training cells, train, test on X."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from deepchrome2 import models
from deepchrome2.crosscell.evaluate import cell_predictions, check_no_leakage, score_cell
from deepchrome2.crosscell.pooled import open_cell, train_pooled
from deepchrome2.crosscell.sets import cells_of, read_sets
from deepchrome2.io import atomic_path, write_tsv
from deepchrome2.training.artifact import save_trained
from deepchrome2.training.job import check_log_rpkm, write_predictions
from deepchrome2.training.loop import TrainSettings

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]


def run_experiment(
    sets: PathLike,
    cells: Sequence[str],
    caches: Sequence[PathLike],
    features: Sequence[PathLike],
    labels: Sequence[PathLike],
    split: PathLike,
    model_out: PathLike,
    metrics_out: PathLike,
    history_out: PathLike,
    arch: str,
    experiment: str,
    target: str,
    settings: dict[str, Any],
    hparams: dict[str, Any] | None = None,
    transform: str = "log1p_standardize",
    device: str = "auto",
    predict: str = "class",
    predictions_out: PathLike | None = None,
) -> dict[str, Any]:
    """Train ``arch`` on the training genes of ``experiment``'s cells for target cell
    ``target``, predicting ``predict`` (config ``target:``, class or log_rpkm), score it on the
    target cell's test genes, and write model.pt, metrics.json, history.tsv and (with
    ``predictions_out``) its per-gene predictions on the target cell."""
    if not len(cells) == len(caches) == len(features) == len(labels):
        raise ValueError("need one cache, features and labels file per cell")
    files = dict(zip(cells, zip(caches, features, labels, strict=True), strict=True))
    train_cells = cells_of(read_sets(sets), experiment, target, sets)
    missing = [c for c in [*train_cells, target] if c not in files]
    if missing:
        raise ValueError(f"no input files for cells {missing}")
    pooled = [open_cell(c, *files[c], split) for c in train_cells]
    if target in train_cells:
        test = pooled[train_cells.index(target)]
    else:
        test = open_cell(target, *files[target], split)
    if predict != "class":
        for c in [*pooled, test]:
            check_log_rpkm(c.log_rpkm, files[c.cell][2])
    ts = TrainSettings.from_dict(settings)
    tm, result = train_pooled(arch, pooled, ts, hparams, transform, device, predict)
    train_genes = sorted(
        {str(g) for c in pooled for s in ("train", "valid") for g in c.split_genes(s)}
    )
    check_no_leakage(train_genes, test.split_genes("test"), f"{experiment} {arch} on {target}")
    scores = score_cell(tm, test)
    metrics: dict[str, Any] = {
        "arch": arch,
        "experiment": experiment,
        "target_cell": target,
        "train_cells": ",".join(train_cells),
        "n_train_cells": len(train_cells),
        "target": tm.task.name,
        **scores,
        f"valid_{tm.task.metric}": result.best_valid_auroc,
        "best_epoch": result.best_epoch,
        "epochs": result.epochs_run,
        "train_seconds": round(result.seconds, 3),
        "n_parameters": models.n_parameters(tm.model),
        "n_train": int(sum(len(c.rows["train"]) for c in pooled)),
        "n_valid": int(sum(len(c.rows["valid"]) for c in pooled)),
        "device": tm.settings["device"],
        "threads": torch.get_num_threads(),
        "seed": ts.seed,
    }
    tm.meta = {**metrics, "train_genes": train_genes}
    metric = tm.task.metric
    log.info("%s %s on %s: test %s %.4f", arch, experiment, target, metric, scores[metric])
    predictions = cell_predictions(tm, test) if predictions_out else None
    save_trained(model_out, tm)
    if predictions is not None:
        write_predictions(predictions_out, predictions)
    write_tsv(history_out, pd.DataFrame(result.history))
    final, tmp = atomic_path(metrics_out)
    tmp.write_text(json.dumps(metrics, indent=2, default=_json_default) + "\n")
    os.replace(tmp, final)
    return metrics


def _json_default(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f"not JSON serializable: {type(x)}")
