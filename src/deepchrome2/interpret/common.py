"""Shared pieces of the interpretation steps: the input transform in torch, model loading."""

from __future__ import annotations

import os

import torch

from deepchrome2.errors import InputError
from deepchrome2.training.artifact import TrainedModel, load_trained
from deepchrome2.training.transform import Transform

PathLike = str | os.PathLike[str]


def transform_torch(transform: Transform, x: torch.Tensor) -> torch.Tensor:
    """:meth:`Transform.apply` on a torch tensor, differentiable (raw signal -> model input)."""
    z = torch.log1p(x) if transform.uses_log else x
    if transform.standardizes:
        mean = torch.as_tensor(transform.mean, dtype=z.dtype, device=z.device)
        std = torch.as_tensor(transform.std, dtype=z.dtype, device=z.device)
        z = (z - mean[None, :, None]) / std[None, :, None]
    return z


def load_torch_model(path: PathLike, purpose: str) -> TrainedModel:
    """A trained torch classifier in eval mode with frozen weights; InputError otherwise."""
    tm = load_trained(path)
    if tm.kind != "torch":
        raise InputError(path, f"{purpose} needs a torch classifier, not {tm.arch}")
    tm.model.eval()
    for p in tm.model.parameters():
        p.requires_grad_(False)
    return tm
