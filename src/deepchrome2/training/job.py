"""One ``rule train`` job: fit architecture ``arch`` on one cell and write its outputs.

Besides model.pt, metrics.json and history.tsv the job writes the model's per-gene predictions
(``results/predictions/{arch}/{cell}.tsv``): ``gene_id``, ``split``, ``label``, ``log_rpkm``
and the model's output, ``p_high`` = P(highly expressed) for the class target or
``pred_log_rpkm`` for the regression target, for every gene of the cell.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import torch

from deepchrome2 import models
from deepchrome2.errors import InputError
from deepchrome2.io import SPLITS, atomic_path, write_tsv
from deepchrome2.training import task as tasks
from deepchrome2.training.artifact import TrainedModel, save_trained
from deepchrome2.training.data import CellData, load_cell
from deepchrome2.training.loop import (
    FitResult,
    TrainSettings,
    fit_torch,
    fit_torch_tracks,
    resolve_device,
    seed_everything,
)
from deepchrome2.training.metrics import log_loss
from deepchrome2.training.task import TargetScale, Task
from deepchrome2.training.transform import Transform

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]


def _sklearn_outputs(model: Any, X: np.ndarray, task: Task) -> np.ndarray:
    if task.is_class:
        return np.asarray(model.predict_proba(X)[:, 1], dtype=np.float64)
    return np.asarray(model.predict(X), dtype=np.float64)


def _sklearn_loss(y: np.ndarray, s: np.ndarray, task: Task) -> float:
    if task.is_class:
        return log_loss(y, np.clip(s, 1e-7, 1 - 1e-7))
    return float(np.mean((np.asarray(y, dtype=np.float64) - s) ** 2))


def fit_sklearn(
    model: Any,
    X: dict[str, np.ndarray],
    y: dict[str, np.ndarray],
    task: Task = tasks.TASKS["class"],
) -> FitResult:
    """Fit a scikit-learn style model on the training genes (one 'epoch')."""
    start = time.perf_counter()
    model.fit(X["train"], y["train"])
    s_train = _sklearn_outputs(model, X["train"], task)
    s_valid = _sklearn_outputs(model, X["valid"], task)
    valid = task.valid_score(y["valid"], s_valid)
    secs = time.perf_counter() - start
    row = {
        "epoch": 1,
        "train_loss": _sklearn_loss(y["train"], s_train, task),
        "valid_loss": _sklearn_loss(y["valid"], s_valid, task),
        f"valid_{task.metric}": valid,
        "seconds": secs,
    }
    log.info("fitted in %.2f s: valid_%s %.4f", secs, task.metric, valid)
    return FitResult([row], 1, valid, secs)


# Wall-clock columns of a training history: logged, not written, so that two runs of one
# config write identical history.tsv files (the time is in the log and the benchmark file).
TIMING_COLUMNS = ("seconds",)


def history_table(history: list[dict[str, Any]]) -> pd.DataFrame:
    """The per-epoch history as written to ``history.tsv``: without wall-clock columns."""
    return pd.DataFrame(history).drop(columns=list(TIMING_COLUMNS), errors="ignore")


def build_seeded(
    arch: str,
    n_marks: int,
    n_bins: int,
    settings: TrainSettings,
    hparams: dict[str, Any] | None,
    dev: torch.device,
    n_outputs: int = 2,
) -> tuple[Any, dict[str, Any]]:
    """Seed everything, then build ``arch`` with ``n_outputs`` outputs (2 class logits, 1
    for a regression target); scikit-learn models take the training seed."""
    seed_everything(settings.seed, dev)
    hp = dict(hparams or {})
    for key in ("seed", "random_state"):
        if models.kind(arch) == "sklearn" and key in models.defaults(arch):
            hp.setdefault(key, settings.seed)
    return models.build(arch, n_marks, n_bins, n_outputs=n_outputs, **hp), hp


def task_targets(task: tasks.Task, data: CellData) -> tuple[dict[str, np.ndarray], TargetScale]:
    """Per split, what the model learns: the 0/1 labels, or for a regression the genes' log
    RPKM standardized on the training genes (with the scale that undoes it)."""
    if task.is_class:
        return dict(data.y), TargetScale()
    if data.log_rpkm is None:
        raise ValueError("target log_rpkm needs the genes' log_rpkm")
    scale = TargetScale.fit(task, data.log_rpkm["train"])
    return {s: scale.apply(v) for s, v in data.log_rpkm.items()}, scale


def train_model_tracks(
    arch: str,
    data: CellData,
    settings: TrainSettings,
    hparams: dict[str, Any] | None,
    tracks: dict[str, np.ndarray | None],
    device: str = "auto",
    target: str = "class",
) -> dict[str, tuple[TrainedModel, FitResult]]:
    """Train ``arch`` once on transformed ``data`` and keep, per early-stopping track (a
    subset of the validation rows), the model of that track's best epoch (validation AUROC,
    or the target's metric).

    ``target`` ``log_rpkm`` regresses the genes' log RPKM, standardized on the training genes
    (the scale is kept in the returned models). The models carry the identity transform; the
    caller sets the fitted one.
    """
    task = tasks.get(target)
    y, scale = task_targets(task, data)
    dev = resolve_device(device)
    model, hp = build_seeded(
        arch, data.n_marks, data.n_bins, settings, hparams, dev, task.n_outputs
    )
    settings_out = {**vars(settings), "transform": "none", "device": str(dev)}

    def build() -> Any:
        return models.build(arch, data.n_marks, data.n_bins, n_outputs=task.n_outputs, **hp)

    def wrap(m: Any) -> TrainedModel:
        return TrainedModel(
            arch=arch,
            model=m,
            transform=Transform("none"),
            marks=list(data.marks),
            n_bins=data.n_bins,
            hparams=dict(getattr(m, "hparams", hp)),
            settings=dict(settings_out),
            target={"name": task.name, "mean": scale.mean, "std": scale.std},
        )

    if models.kind(arch) != "torch":
        fits = sklearn_tracks(model, data.X, y, tracks, task)
        return {name: (wrap(model), result) for name, result in fits.items()}
    log.info("%s: %d parameters on %s", arch, models.n_parameters(model), dev)
    args = (data.X["train"], y["train"], data.X["valid"], y["valid"], tracks)
    out: dict[str, tuple[TrainedModel, FitResult]] = {}
    for name, (result, state) in torch_tracks(model, build, args, settings, dev, task).items():
        copy_ = build()
        copy_.load_state_dict(state)
        out[name] = (wrap(copy_.to(dev).eval()), result)
    return out


def torch_tracks(
    model: Any,
    build: Callable[[], Any],
    args: tuple,
    settings: TrainSettings,
    dev: torch.device,
    task: Task,
) -> dict[str, tuple[FitResult, dict[str, torch.Tensor]]]:
    """Per track, the result and state dict of its best restart: ``settings.restarts`` runs
    of :func:`fit_torch_tracks` on ``args`` (as :func:`train_model`, restart ``r`` has seed
    ``seed + r`` and a fresh model from ``build``); the first restart wins ties."""
    best: dict[str, tuple[FitResult, dict[str, torch.Tensor]]] = {}
    for r in range(settings.restarts):
        if r:
            seed_everything(settings.seed + r, dev)
            model = build()
        run = replace(settings, seed=settings.seed + r)
        for name, (result, state) in fit_torch_tracks(model, *args, run, dev, task).items():
            result.restart = r
            if name not in best or result.best_valid_auroc > best[name][0].best_valid_auroc:
                best[name] = (result, state)
    return best


def sklearn_tracks(
    model: Any,
    X: dict[str, np.ndarray],
    y: dict[str, np.ndarray],
    tracks: dict[str, np.ndarray | None],
    task: Task,
) -> dict[str, FitResult]:
    """Fit a scikit-learn model once; per track (a subset of the validation rows, None: all),
    its validation loss and score."""
    base = fit_sklearn(model, X, y, task)
    s = _sklearn_outputs(model, X["valid"], task)
    out = {}
    for name, rows in tracks.items():
        sel = slice(None) if rows is None else rows
        valid = task.valid_score(y["valid"][sel], s[sel])
        row = {
            **base.history[0],
            "valid_loss": _sklearn_loss(y["valid"][sel], s[sel], task),
            f"valid_{task.metric}": valid,
        }
        out[name] = FitResult([row], 1, valid, base.seconds)
    return out


def train_model(
    arch: str,
    data: CellData,
    settings: TrainSettings,
    hparams: dict[str, Any] | None = None,
    transform: str = "log1p_standardize",
    device: str = "auto",
    target: str = "class",
) -> tuple[TrainedModel, FitResult]:
    """Fit the transform on training genes, build ``arch`` seeded, train it; no file output.

    With ``settings.restarts`` > 1 (torch models), restart ``r`` is the run with seed
    ``seed + r`` (weights and batch order), and the model with the best validation AUROC (or
    the target's metric) is kept (the first on ties); ``result.restart`` says which,
    ``result.seconds`` covers all. ``target`` ``log_rpkm`` trains a regression of the genes'
    log RPKM (standardized on the training genes; the scale is kept in the returned model).
    """
    task = tasks.get(target)
    tf = Transform(transform).fit(data.X["train"])
    X = {s: tf.apply(v) for s, v in data.X.items()}
    y, scale = task_targets(task, data)
    dev = resolve_device(device)
    model, hp = build_seeded(
        arch, data.n_marks, data.n_bins, settings, hparams, dev, task.n_outputs
    )
    if models.kind(arch) == "torch":
        log.info("%s: %d parameters on %s", arch, models.n_parameters(model), dev)
        args = (X["train"], y["train"], X["valid"], y["valid"])
        result = fit_torch(model, *args, settings, dev, task)
        seconds = result.seconds
        for r in range(1, settings.restarts):
            seed_everything(settings.seed + r, dev)
            other = models.build(arch, data.n_marks, data.n_bins, n_outputs=task.n_outputs, **hp)
            res = fit_torch(other, *args, replace(settings, seed=settings.seed + r), dev, task)
            seconds += res.seconds
            log.info("restart %d: valid_%s %.4f", r, task.metric, res.best_valid_auroc)
            if res.best_valid_auroc > result.best_valid_auroc:
                model, result, result.restart = other, res, r
        result.seconds = seconds
        if settings.restarts > 1:
            log.info("kept restart %d of %d", result.restart, settings.restarts)
    else:
        result = fit_sklearn(model, X, y, task)
    tm = TrainedModel(
        arch=arch,
        model=model,
        transform=tf,
        marks=list(data.marks),
        n_bins=data.n_bins,
        hparams=dict(getattr(model, "hparams", hp)),
        settings={**vars(settings), "transform": transform, "device": str(dev)},
        target={"name": task.name, "mean": scale.mean, "std": scale.std},
    )
    return tm, result


def check_log_rpkm(values: dict[str, np.ndarray] | np.ndarray | None, labels: PathLike) -> None:
    """The regression target needs a finite log RPKM for every gene."""
    arrays = values.values() if isinstance(values, dict) else [values]
    if values is None or not all(np.all(np.isfinite(v)) for v in arrays):
        raise InputError(
            labels, "column 'log_rpkm' needs a number for every gene (target log_rpkm)"
        )


def targets_of(task: Task, data: CellData, split: str) -> np.ndarray:
    """The true values the task is scored against: labels, or log RPKM."""
    if task.is_class:
        return data.y[split]
    assert data.log_rpkm is not None
    return data.log_rpkm[split]


def evaluate_test(tm: TrainedModel, data: CellData) -> dict[str, float]:
    """Metrics of a trained model on the cell's test genes (raw signal in)."""
    return tm.task.metrics(targets_of(tm.task, data, "test"), tm.score(data.X["test"]))


def predictions_table(
    tm: TrainedModel,
    genes: np.ndarray,
    split: np.ndarray,
    label: np.ndarray | None,
    log_rpkm: np.ndarray | None,
    X: np.ndarray,
) -> pd.DataFrame:
    """One row per gene: ``gene_id``, ``split``, ``label``, ``log_rpkm`` and the model's
    output (``p_high`` or ``pred_log_rpkm``) for raw signal ``X``; a cell without expression
    has no ``label`` and ``log_rpkm`` columns."""
    out = pd.DataFrame({"gene_id": genes, "split": split})
    if label is not None:
        out["label"] = np.asarray(label, dtype=np.int64)
    if log_rpkm is not None:
        out["log_rpkm"] = log_rpkm
    out[tm.task.output] = tm.score(X)
    return out


def cell_predictions(tm: TrainedModel, data: CellData) -> pd.DataFrame:
    """Per-gene predictions of ``tm`` on every gene of ``data`` (train, valid, test)."""
    return predictions_table(
        tm,
        np.concatenate([data.genes[s] for s in SPLITS]),
        np.concatenate([np.full(len(data.genes[s]), s) for s in SPLITS]),
        np.concatenate([data.y[s] for s in SPLITS]),
        None if data.log_rpkm is None else np.concatenate([data.log_rpkm[s] for s in SPLITS]),
        np.concatenate([data.X[s] for s in SPLITS]),
    )


def write_predictions(path: PathLike, df: pd.DataFrame) -> None:
    """Write a per-gene predictions table (floats to 6 significant digits)."""
    write_tsv(path, df, float_format="%.6g")


def train(
    features: PathLike,
    labels: PathLike,
    split: PathLike,
    model_out: PathLike,
    metrics_out: PathLike,
    history_out: PathLike,
    arch: str,
    cell: str,
    settings: dict[str, Any],
    hparams: dict[str, Any] | None = None,
    transform: str = "log1p_standardize",
    device: str = "auto",
    target: str = "class",
    predictions_out: PathLike | None = None,
) -> dict[str, Any]:
    """Train ``arch`` on one cell; write model.pt, metrics.json, history.tsv and (with
    ``predictions_out``) the per-gene predictions."""
    data = load_cell(features, labels, split)
    if Transform(transform).uses_log and min(float(v.min()) for v in data.X.values()) < 0:
        raise InputError(features, f"negative signal values; transform {transform} needs >= 0")
    if target != "class":
        check_log_rpkm(data.log_rpkm, labels)
    sizes = data.sizes()
    log.info("%s %s: genes %s, %d marks x %d bins", arch, cell, sizes, data.n_marks, data.n_bins)
    ts = TrainSettings.from_dict(settings)
    tm, result = train_model(arch, data, ts, hparams, transform, device, target)
    test = evaluate_test(tm, data)
    metrics: dict[str, Any] = {
        "arch": arch,
        "cell": cell,
        "target": tm.task.name,
        **test,
        f"valid_{tm.task.metric}": result.best_valid_auroc,
        "best_epoch": result.best_epoch,
        "epochs": result.epochs_run,
        "restarts": ts.restarts,
        "best_restart": result.restart,
        "n_parameters": models.n_parameters(tm.model),
        "n_train": sizes["train"],
        "n_valid": sizes["valid"],
        "n_test": sizes["test"],
        "device": tm.settings["device"],
        "threads": torch.get_num_threads(),
        "seed": ts.seed,
    }
    tm.meta = dict(metrics)
    log.info("test %s", " ".join(f"{k} {v:.4f}" for k, v in test.items()))
    predictions = cell_predictions(tm, data) if predictions_out else None
    save_trained(model_out, tm)
    if predictions is not None:
        write_predictions(predictions_out, predictions)
    log.info("trained in %.2f s (%d epochs)", result.seconds, result.epochs_run)
    write_tsv(history_out, history_table(result.history))
    final, tmp = atomic_path(metrics_out)
    tmp.write_text(json.dumps(metrics, indent=2) + "\n")
    os.replace(tmp, final)
    return metrics
