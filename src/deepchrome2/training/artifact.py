"""Saving and loading trained models: ``results/models/{arch}/{cell}/model.pt``.

The file is a ``torch.save`` dict holding the architecture name and kind, its hyperparameters,
the input shape and mark names, the fitted transform, the target (``class``, or ``log_rpkm``
with its training-gene mean and sd), the training settings and either the torch
``state_dict`` or (scikit-learn models) the pickled estimator. :func:`load_trained` rebuilds
the model and returns a :class:`TrainedModel` whose ``predict`` takes raw (untransformed)
signal and applies the saved transform (never refitted).
"""

from __future__ import annotations

import io
import os
import pickle
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from deepchrome2 import models
from deepchrome2.errors import InputError
from deepchrome2.io import atomic_path
from deepchrome2.training import task as tasks
from deepchrome2.training.loop import predict_logits
from deepchrome2.training.task import TargetScale, Task
from deepchrome2.training.transform import Transform

FORMAT = "deepchrome2.model/1"
SET_FORMAT = "deepchrome2.models/1"


@dataclass
class TrainedModel:
    """A fitted model plus everything needed to apply it to raw signal."""

    arch: str
    model: Any  # nn.Module or models.SklearnModel
    transform: Transform
    marks: list[str]
    n_bins: int
    hparams: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    target: dict[str, Any] = field(default_factory=lambda: {"name": "class"})

    @property
    def kind(self) -> str:
        return "torch" if isinstance(self.model, nn.Module) else "sklearn"

    @property
    def device(self) -> torch.device:
        """Where the model computes: its parameters' device (the CPU for scikit-learn)."""
        if self.kind == "sklearn":
            return torch.device("cpu")
        return next(self.model.parameters()).device

    @property
    def task(self) -> Task:
        return tasks.get(self.target["name"])

    @property
    def scale(self) -> TargetScale:
        return TargetScale(self.target.get("mean", 0.0), self.target.get("std", 1.0))

    def check_input(self, X_raw: np.ndarray) -> None:
        shape = (len(self.marks), self.n_bins)
        if X_raw.ndim != 3 or X_raw.shape[1:] != shape:
            raise ValueError(f"model expects (genes, {shape[0]}, {shape[1]}), got {X_raw.shape}")

    def predict_proba(self, X_raw: np.ndarray) -> np.ndarray:
        """Class probabilities ``(n, 2)`` for raw signal ``(n, marks, bins)``."""
        if not self.task.is_class:
            raise TypeError(f"a {self.task.name} model predicts values, not class probabilities")
        X_raw = np.asarray(X_raw)
        self.check_input(X_raw)
        X = self.transform.apply(X_raw)
        if self.kind == "sklearn":
            return np.asarray(self.model.predict_proba(X), dtype=np.float64)
        logits = predict_logits(self.model, torch.as_tensor(X, device=self.device))
        return torch.softmax(logits.float(), dim=1).cpu().numpy().astype(np.float64)

    def score(self, X_raw: np.ndarray) -> np.ndarray:
        """The model's output ``(n,)`` for raw signal ``(n, marks, bins)``: P(highly expressed)
        for a class model, predicted log RPKM for a regression model."""
        if self.task.is_class:
            return self.predict_proba(X_raw)[:, 1]
        X_raw = np.asarray(X_raw)
        self.check_input(X_raw)
        X = self.transform.apply(X_raw)
        if self.kind == "sklearn":
            return self.scale.invert(self.model.predict(X))
        out = predict_logits(self.model, torch.as_tensor(X, device=self.device))
        return self.scale.invert(self.task.outputs(out))


def _payload(tm: TrainedModel) -> dict[str, Any]:
    """The ``torch.save``-able dict of one trained model."""
    payload: dict[str, Any] = {
        "format": FORMAT,
        "arch": tm.arch,
        "kind": tm.kind,
        "hparams": tm.hparams,
        "marks": list(tm.marks),
        "n_bins": int(tm.n_bins),
        "transform": tm.transform.to_dict(),
        "settings": tm.settings,
        "meta": tm.meta,
        "target": tm.target,
    }
    if tm.kind == "torch":
        payload["state_dict"] = {k: v.detach().cpu() for k, v in tm.model.state_dict().items()}
    else:
        payload["estimator"] = pickle.dumps(tm.model, protocol=pickle.HIGHEST_PROTOCOL)
    return payload


def _save(path: str | os.PathLike[str], obj: Any) -> None:
    final, tmp = atomic_path(path)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def save_trained(path: str | os.PathLike[str], tm: TrainedModel) -> None:
    """Write ``tm`` to ``path`` atomically."""
    _save(path, _payload(tm))


def save_trained_set(path: str | os.PathLike[str], tms: dict[str, TrainedModel]) -> None:
    """Write several named models (e.g. one per early-stopping track) to one file."""
    _save(path, {"format": SET_FORMAT, "models": {k: _payload(v) for k, v in tms.items()}})


def _read(path: str | os.PathLike[str]) -> Any:
    """The saved object of a model file; InputError if it is missing or unreadable."""
    if os.path.isdir(path):
        raise InputError(path, "is a folder, not a model file")
    try:
        with open(path, "rb") as fh:
            return torch.load(io.BytesIO(fh.read()), map_location="cpu", weights_only=True)
    except FileNotFoundError as err:
        raise InputError(path, "model file not found") from err
    except Exception as err:  # noqa: BLE001 - any unreadable file gets the same clear error
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise InputError(path, f"cannot read model file ({first})") from err


def read_payload(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The saved dict of a single-model file; InputError if it is missing or not a model
    file."""
    payload = _read(path)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise InputError(path, f"not a {FORMAT} model file")
    return payload


def load_trained(path: str | os.PathLike[str], device: str | torch.device = "cpu") -> TrainedModel:
    """Load a model saved by :func:`save_trained` (torch models go to ``device``).

    Scikit-learn estimators are unpickled: load only model files this workflow wrote.
    """
    return _from_payload(read_payload(path), path, device)


def load_trained_set(
    path: str | os.PathLike[str], device: str | torch.device = "cpu"
) -> dict[str, TrainedModel]:
    """Load the named models saved by :func:`save_trained_set`."""
    payload = _read(path)
    if not isinstance(payload, dict) or payload.get("format") != SET_FORMAT:
        raise InputError(path, f"not a {SET_FORMAT} model file")
    return {k: _from_payload(v, path, device) for k, v in payload["models"].items()}


def _from_payload(
    payload: Any, path: str | os.PathLike[str], device: str | torch.device
) -> TrainedModel:
    """Rebuild one model from its saved dict."""
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise InputError(path, f"not a {FORMAT} model file")
    marks, n_bins = payload["marks"], payload["n_bins"]
    target = payload.get("target") or {"name": "class"}
    n_outputs = tasks.get(target["name"]).n_outputs
    if payload["kind"] == "torch":
        model = models.build(
            payload["arch"], len(marks), n_bins, n_outputs=n_outputs, **payload["hparams"]
        )
        model.load_state_dict(payload["state_dict"])
        model.to(device).eval()
    else:
        model = pickle.loads(payload["estimator"])
    return TrainedModel(
        arch=payload["arch"],
        model=model,
        transform=Transform.from_dict(payload["transform"]),
        marks=list(marks),
        n_bins=n_bins,
        hparams=payload["hparams"],
        settings=payload["settings"],
        meta=payload["meta"],
        target=target,
    )
