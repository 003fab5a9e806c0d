"""Class-optimization maps of a trained torch classifier, one registry entry per method.

- ``dc``: DeepChrome's procedure (Singh et al. 2016, after Simonyan et al. 2014). For each class
  ``c`` the input ``X`` (marks x bins) lives in *raw signal* space and starts uniform in
  [0, 1]; RMSprop (lr 0.1) minimises the class negative log-likelihood ``-log p(c | X)`` plus
  ``lambda * ||X||^2`` (lambda = 0.009) for 1000 steps; the result is clamped to [0, 1] and
  divided by its maximum. The classifier sees ``X`` through its own saved input transform;
  where that transform takes ``log1p``, negative entries are read as 0 during the
  optimisation (the final clamp sets them to 0 as well). Once the model is sure of the class,
  the likelihood term's gradient vanishes, the L2 term shrinks every entry, RMSprop's
  normalised steps leave entries the model ignores oscillating about 0, and the division by
  the maximum scales what is left up to 1: the map shows the direction of the evidence, not
  its size.
- ``ascent``: this workflow's own variant, kept for comparison. Gradient ascent (Adam) on the
  class log-odds ``logit_c - logit_(1-c)`` minus an L2 penalty, starting from 0 in the
  classifier's *transformed* space (every mark at its training mean); no clamp, no scaling.
  Its maps are in z units and can be negative.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from deepchrome2.errors import InputError
from deepchrome2.gan.optimize import optimize_class_map, save_optmap
from deepchrome2.interpret.common import PathLike, load_torch_model, transform_torch
from deepchrome2.interpret.methods import OPTMAP_METHODS
from deepchrome2.training.artifact import TrainedModel
from deepchrome2.training.loop import eager

log = logging.getLogger(__name__)

RMSPROP = eager(torch.optim.RMSprop)  # torch.optim.RMSprop, without importing torch._dynamo


@dataclass(frozen=True)
class Method:
    """A class-optimization procedure and the words that describe its maps."""

    name: str
    title: str
    space: str
    defaults: dict
    run: Callable[..., tuple[np.ndarray, float, float]]


def deepchrome_class_map(
    tm: TrainedModel,
    c: int,
    l2: float = 0.009,
    steps: int = 1000,
    lr: float = 0.1,
    seed: int = 0,
) -> tuple[np.ndarray, float, float]:
    """DeepChrome's map of class ``c``: (map in [0, 1], start and end log p(c))."""
    gen = torch.Generator().manual_seed(seed + c)
    x = torch.rand(1, len(tm.marks), tm.n_bins, generator=gen).requires_grad_(True)
    opt = RMSPROP([x], lr=lr)

    def log_p(inp: torch.Tensor) -> torch.Tensor:
        seen = inp.clamp_min(0) if tm.transform.uses_log else inp
        return torch.log_softmax(tm.model(transform_torch(tm.transform, seen)), dim=1)[0, c]

    with torch.no_grad():
        start = float(log_p(x))
    for _ in range(steps):
        loss = -log_p(x) + l2 * (x**2).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    with torch.no_grad():
        out = x.detach().clamp(0.0, 1.0)
        end = float(log_p(out))
        top = float(out.max())
        if top > 0:
            out = out / top
    if not np.isfinite(end):
        raise RuntimeError(f"class-{c} optimization diverged (log p {end})")
    return out.numpy()[0], start, end


def ascent_class_map(
    tm: TrainedModel,
    c: int,
    l2: float = 0.01,
    steps: int = 500,
    lr: float = 0.05,
    seed: int = 0,
) -> tuple[np.ndarray, float, float]:
    """Our log-odds ascent from 0 in transformed space: (map, start and end log-odds)."""
    torch.manual_seed(seed)
    return optimize_class_map(tm.model, len(tm.marks), tm.n_bins, c, l2, steps, lr)


METHODS: dict[str, Method] = {
    "dc": Method(
        "dc",
        "DeepChrome's procedure: raw signal, start U[0,1], NLL + L2, RMSprop, clamp, / max",
        "raw signal scaled to [0, 1]",
        {"l2": 0.009, "steps": 1000, "lr": 0.1},
        deepchrome_class_map,
    ),
    "ascent": Method(
        "ascent",
        "ours: log-odds ascent from the training mean in transformed space (Adam), unscaled",
        "transformed input (z per mark)",
        {"l2": 0.01, "steps": 500, "lr": 0.05},
        ascent_class_map,
    ),
}


if tuple(METHODS) != OPTMAP_METHODS:
    raise RuntimeError("the registry's method names must match interpret.methods.OPTMAP_METHODS")


def get_method(name: str) -> Method:
    """The registered method ``name``; ValueError listing the valid names otherwise."""
    if name not in METHODS:
        raise ValueError(f"unknown class-optimization method {name!r}; valid: {sorted(METHODS)}")
    return METHODS[name]


def class_maps(tm: TrainedModel, method: str, seed: int = 0, **params: float) -> dict:
    """Both classes' maps of ``method``: ``maps`` [class, mark, bin], start and end scores."""
    m = get_method(method)
    settings = {**m.defaults, **params}
    maps, starts, ends = [], [], []
    for c in (0, 1):
        mp, s, e = m.run(tm, c, seed=seed, **settings)
        log.info("%s class %d: score %.3f -> %.3f", method, c, s, e)
        maps.append(mp)
        starts.append(s)
        ends.append(e)
    return {"maps": np.stack(maps), "score_start": starts, "score_end": ends, **settings}


def class_optmap(
    classifier: PathLike, output: PathLike, method: str, seed: int = 0, **params: float
) -> None:
    """Snakemake step: both class maps of ``method`` for a trained torch classifier."""
    tm = load_torch_model(classifier, "a class-optimization map")
    try:
        res = class_maps(tm, method, seed, **params)
    except ValueError as err:
        raise InputError(classifier, str(err)) from err
    save_optmap(
        output,
        res["maps"],
        res["score_start"],
        res["score_end"],
        tm.marks,
        res["l2"],
        get_method(method).space,
        method=method,
    )
