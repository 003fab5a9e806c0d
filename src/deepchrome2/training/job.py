"""One ``rule train`` job: fit architecture ``arch`` on one cell and write its outputs."""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import log_loss

from deepchrome2 import models
from deepchrome2.errors import InputError
from deepchrome2.io import atomic_path, write_tsv
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
from deepchrome2.training.metrics import classification_metrics
from deepchrome2.training.transform import Transform

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]


def fit_sklearn(model: Any, X: dict[str, np.ndarray], y: dict[str, np.ndarray]) -> FitResult:
    """Fit a scikit-learn style model on the training genes (one 'epoch')."""
    start = time.perf_counter()
    model.fit(X["train"], y["train"])
    p_train = model.predict_proba(X["train"])[:, 1]
    valid = classification_metrics(y["valid"], model.predict_proba(X["valid"])[:, 1])
    secs = time.perf_counter() - start
    row = {
        "epoch": 1,
        "train_loss": float(log_loss(y["train"], np.clip(p_train, 1e-7, 1 - 1e-7), labels=[0, 1])),
        "valid_loss": valid["loss"],
        "valid_auroc": valid["auroc"],
        "seconds": secs,
    }
    log.info("fitted in %.2f s: valid_auroc %.4f", secs, valid["auroc"])
    return FitResult([row], 1, valid["auroc"], secs)


def build_seeded(
    arch: str,
    n_marks: int,
    n_bins: int,
    settings: TrainSettings,
    hparams: dict[str, Any] | None,
    dev: torch.device,
) -> tuple[Any, dict[str, Any]]:
    """Seed everything, then build ``arch`` (scikit-learn models take the training seed)."""
    seed_everything(settings.seed, dev)
    hp = dict(hparams or {})
    for key in ("seed", "random_state"):
        if models.kind(arch) == "sklearn" and key in models.defaults(arch):
            hp.setdefault(key, settings.seed)
    return models.build(arch, n_marks, n_bins, **hp), hp


def train_model_tracks(
    arch: str,
    data: CellData,
    settings: TrainSettings,
    hparams: dict[str, Any] | None,
    tracks: dict[str, np.ndarray | None],
    device: str = "auto",
) -> dict[str, tuple[TrainedModel, FitResult]]:
    """Train ``arch`` once on transformed ``data`` and keep, per early-stopping track (a
    subset of the validation rows), the model of that track's best epoch.

    The models carry the identity transform; the caller sets the fitted one.
    """
    dev = resolve_device(device)
    model, hp = build_seeded(arch, data.n_marks, data.n_bins, settings, hparams, dev)
    settings_out = {**vars(settings), "transform": "none", "device": str(dev)}

    def wrap(m: Any) -> TrainedModel:
        return TrainedModel(
            arch=arch,
            model=m,
            transform=Transform("none"),
            marks=list(data.marks),
            n_bins=data.n_bins,
            hparams=dict(getattr(m, "hparams", hp)),
            settings=dict(settings_out),
        )

    out: dict[str, tuple[TrainedModel, FitResult]] = {}
    if models.kind(arch) == "torch":
        log.info("%s: %d parameters on %s", arch, models.n_parameters(model), dev)
        args = (data.X["train"], data.y["train"], data.X["valid"], data.y["valid"], tracks)
        best: dict[str, tuple[FitResult, dict[str, torch.Tensor]]] = {}
        for r in range(settings.restarts):  # as train_model: restart r has seed seed + r
            if r:
                seed_everything(settings.seed + r, dev)
                model = models.build(arch, data.n_marks, data.n_bins, **hp)
            fitted = fit_torch_tracks(model, *args, replace(settings, seed=settings.seed + r), dev)
            for name, (result, state) in fitted.items():
                result.restart = r
                if name not in best or result.best_valid_auroc > best[name][0].best_valid_auroc:
                    best[name] = (result, state)
        for name, (result, state) in best.items():
            copy_ = models.build(arch, data.n_marks, data.n_bins, **hp)
            copy_.load_state_dict(state)
            out[name] = (wrap(copy_.to(dev).eval()), result)
        return out
    base = fit_sklearn(model, data.X, data.y)
    p = model.predict_proba(data.X["valid"])[:, 1]
    for name, rows in tracks.items():
        sel = slice(None) if rows is None else rows
        m = classification_metrics(data.y["valid"][sel], p[sel])
        row = {**base.history[0], "valid_loss": m["loss"], "valid_auroc": m["auroc"]}
        out[name] = (wrap(model), FitResult([row], 1, m["auroc"], base.seconds))
    return out


def train_model(
    arch: str,
    data: CellData,
    settings: TrainSettings,
    hparams: dict[str, Any] | None = None,
    transform: str = "log1p_standardize",
    device: str = "auto",
) -> tuple[TrainedModel, FitResult]:
    """Fit the transform on training genes, build ``arch`` seeded, train it; no file output.

    With ``settings.restarts`` > 1 (torch models), restart ``r`` is the run with seed
    ``seed + r`` (weights and batch order), and the model with the best validation AUROC is
    kept (the first on ties); ``result.restart`` says which, ``result.seconds`` covers all.
    """
    tf = Transform(transform).fit(data.X["train"])
    X = {s: tf.apply(v) for s, v in data.X.items()}
    dev = resolve_device(device)
    model, hp = build_seeded(arch, data.n_marks, data.n_bins, settings, hparams, dev)
    if models.kind(arch) == "torch":
        log.info("%s: %d parameters on %s", arch, models.n_parameters(model), dev)
        args = (X["train"], data.y["train"], X["valid"], data.y["valid"])
        result = fit_torch(model, *args, settings, dev)
        seconds = result.seconds
        for r in range(1, settings.restarts):
            seed_everything(settings.seed + r, dev)
            other = models.build(arch, data.n_marks, data.n_bins, **hp)
            res = fit_torch(other, *args, replace(settings, seed=settings.seed + r), dev)
            seconds += res.seconds
            log.info("restart %d: valid_auroc %.4f", r, res.best_valid_auroc)
            if res.best_valid_auroc > result.best_valid_auroc:
                model, result, result.restart = other, res, r
        result.seconds = seconds
        if settings.restarts > 1:
            log.info("kept restart %d of %d", result.restart, settings.restarts)
    else:
        result = fit_sklearn(model, X, data.y)
    tm = TrainedModel(
        arch=arch,
        model=model,
        transform=tf,
        marks=list(data.marks),
        n_bins=data.n_bins,
        hparams=dict(getattr(model, "hparams", hp)),
        settings={**vars(settings), "transform": transform, "device": str(dev)},
    )
    return tm, result


def evaluate_test(tm: TrainedModel, data: CellData) -> dict[str, float]:
    """Metrics of a trained model on the cell's test genes (raw signal in)."""
    return classification_metrics(data.y["test"], tm.score(data.X["test"]))


def train_cell(
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
) -> dict[str, Any]:
    """Train ``arch`` on one cell; write model.pt, metrics.json and history.tsv."""
    data = load_cell(features, labels, split)
    if Transform(transform).uses_log and min(float(v.min()) for v in data.X.values()) < 0:
        raise InputError(features, f"negative signal values; transform {transform} needs >= 0")
    sizes = data.sizes()
    log.info("%s %s: genes %s, %d marks x %d bins", arch, cell, sizes, data.n_marks, data.n_bins)
    ts = TrainSettings.from_dict(settings)
    tm, result = train_model(arch, data, ts, hparams, transform, device)
    test = evaluate_test(tm, data)
    metrics: dict[str, Any] = {
        "arch": arch,
        "cell": cell,
        **test,
        "valid_auroc": result.best_valid_auroc,
        "best_epoch": result.best_epoch,
        "epochs": result.epochs_run,
        "restarts": ts.restarts,
        "best_restart": result.restart,
        "train_seconds": round(result.seconds, 3),
        "n_parameters": models.n_parameters(tm.model),
        "n_train": sizes["train"],
        "n_valid": sizes["valid"],
        "n_test": sizes["test"],
        "device": tm.settings["device"],
        "threads": torch.get_num_threads(),
        "seed": ts.seed,
    }
    tm.meta = dict(metrics)
    log.info(
        "test auroc %.4f auprc %.4f accuracy %.4f loss %.4f",
        test["auroc"],
        test["auprc"],
        test["accuracy"],
        test["loss"],
    )
    save_trained(model_out, tm)
    write_tsv(history_out, pd.DataFrame(result.history))
    final, tmp = atomic_path(metrics_out)
    tmp.write_text(json.dumps(metrics, indent=2) + "\n")
    os.replace(tmp, final)
    return metrics
