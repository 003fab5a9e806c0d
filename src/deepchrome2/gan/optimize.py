"""Class-optimization map by log-odds ascent: this workflow's variant (method ``ascent``).

DeepChrome's own procedure is method ``dc`` in :mod:`deepchrome2.interpret.optmap`. For each
class ``c`` an input ``X`` (marks x bins, in the classifier's transformed space) is found by
gradient ascent on ``S_c(X) - l2 * ||X||^2``, starting from ``X = 0`` (every mark at its
training mean). ``S_c`` is the class log-odds ``logit_c - logit_(1-c)`` of the trained model in
eval mode, so that raising it raises the probability of class ``c``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from deepchrome2.errors import InputError
from deepchrome2.gan.data import PathLike
from deepchrome2.io import atomic_path, read_npz
from deepchrome2.training.loop import eager

log = logging.getLogger(__name__)

ADAM = eager(torch.optim.Adam)  # torch.optim.Adam, without importing torch._dynamo


def class_score(model: nn.Module, x: torch.Tensor, c: int) -> torch.Tensor:
    """Log-odds of class ``c`` for a batch of transformed inputs."""
    logits = model(x)
    return logits[:, c] - logits[:, 1 - c]


def optimize_class_map(
    model: nn.Module,
    n_marks: int,
    n_bins: int,
    c: int,
    l2: float = 0.01,
    steps: int = 500,
    lr: float = 0.05,
) -> tuple[np.ndarray, float, float]:
    """Optimized input for class ``c``: (map marks x bins, initial score, final score)."""
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    device = next(model.parameters()).device
    x = torch.zeros(1, n_marks, n_bins, device=device, requires_grad=True)
    opt = ADAM([x], lr=lr)
    with torch.no_grad():
        start = float(class_score(model, x, c))
    for _ in range(steps):
        obj = class_score(model, x, c).sum() - l2 * (x**2).sum()
        opt.zero_grad(set_to_none=True)
        (-obj).backward()
        opt.step()
    with torch.no_grad():
        end = float(class_score(model, x, c))
    if not np.isfinite(end):
        raise RuntimeError(f"class-{c} optimization diverged (score {end})")
    return x.detach().cpu().numpy()[0], start, end


def gan_optimize_map(
    classifier: PathLike, output: PathLike, l2: float, steps: int, lr: float, seed: int = 0
) -> None:
    """Snakemake step: both class maps of a trained torch classifier -> ``.npz``."""
    from deepchrome2.training.artifact import load_trained

    torch.manual_seed(seed)
    tm = load_trained(classifier)
    if tm.kind != "torch":
        raise InputError(classifier, "the class-optimization map needs a torch classifier")
    maps, starts, ends = [], [], []
    for c in (0, 1):
        m, s, e = optimize_class_map(tm.model, len(tm.marks), tm.n_bins, c, l2, steps, lr)
        log.info("class %d: log-odds %.3f -> %.3f", c, s, e)
        maps.append(m)
        starts.append(s)
        ends.append(e)
    save_optmap(output, np.stack(maps), starts, ends, tm.marks, l2, tm.transform.kind)


def save_optmap(
    path: PathLike,
    maps: np.ndarray,
    score_start: Sequence[float],
    score_end: Sequence[float],
    marks: Sequence[str],
    l2: float,
    space: str,
    method: str = "ascent",
) -> None:
    """Write maps ``[class, mark, bin]``, their scores and the method's name atomically."""
    final, tmp = atomic_path(path)
    with open(tmp, "wb") as fh:
        np.savez(
            fh,
            maps=maps.astype(np.float32),
            score_start=np.asarray(score_start),
            score_end=np.asarray(score_end),
            marks=np.asarray(list(marks), dtype=str),
            l2=np.float64(l2),
            space=np.asarray(space),
            method=np.asarray(method),
        )
    tmp.replace(final)


def load_optmap(path: PathLike) -> dict[str, np.ndarray]:
    """Read a map file written by :func:`save_optmap`."""
    return read_npz(path, "optimization map")
