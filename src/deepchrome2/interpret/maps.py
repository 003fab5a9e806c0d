"""Per-class maps of what a trained torch classifier attends to and relies on.

- **Attention** (AttentiveChrome): the model's own bin-level weights ``alpha`` (per mark, sum
  to 1 over bins) and mark-level weights ``beta`` (sum to 1 over marks), for every test gene;
  per expression class the mean with the 25th and 75th percentiles.
- **Attribution** (every torch architecture): **integrated gradients** (Sundararajan et al.
  2017) of the class-1 log-odds ``logit_1 - logit_0``, in the model's input (transformed)
  space, from the baseline ``0`` (every mark at its training mean) to the gene's input, with a
  ``steps``-point midpoint Riemann sum; averaged over the test genes of each class. Chosen over
  gradient x input because it is complete (a gene's attributions sum to its log-odds minus the
  baseline's, up to the sum's error, which is recorded) and does not vanish where a unit
  saturates (softmax attention, LSTM gates, max-pooling), which gradient x input reads from
  the gradient at the input alone.
- **Truth** (simulated cohort): Pearson r per mark between a map's class difference
  (class 1 minus class 0) and the same difference of the simulator's noise-free class profiles;
  and the fraction of attention mass inside each mark's true region, the bins where the truth's
  class difference is at least half its largest absolute value.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import torch

from deepchrome2.errors import InputError
from deepchrome2.gan.data import load_split_data
from deepchrome2.gan.summary import load_truth
from deepchrome2.interpret.common import PathLike, load_torch_model
from deepchrome2.interpret.summary import class_summary, truth_regions
from deepchrome2.io import atomic_path, write_tsv
from deepchrome2.training.artifact import TrainedModel

log = logging.getLogger(__name__)


def _batches(n: int, size: int) -> list[slice]:
    return [slice(i, min(n, i + size)) for i in range(0, n, size)]


def attention_weights(tm: TrainedModel, X: np.ndarray, batch: int = 512) -> dict:
    """Bin (genes, marks, bins) and mark (genes, marks) attention for raw signal ``X``."""
    if not hasattr(tm.model, "attention"):
        raise ValueError(f"architecture {tm.arch} has no attention weights")
    Z = torch.from_numpy(tm.transform.apply(X))
    parts = [tm.model.attention(Z[s]) for s in _batches(len(Z), batch)]
    return {k: torch.cat([p[k] for p in parts]).numpy() for k in ("bin", "mark")}


def integrated_gradients(
    tm: TrainedModel, X: np.ndarray, steps: int = 32, batch: int = 256
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IG of the model's score from baseline 0 (transformed space): (genes, marks, bins)
    attributions, each gene's completeness gap ``sum(attr) - (f(x) - f(0))`` and its
    ``f(x) - f(0)``. The score is the class-1 log-odds of a class model, the predicted
    (standardised) log RPKM of a regression model."""
    Z = torch.from_numpy(tm.transform.apply(X))
    alphas = (torch.arange(steps, dtype=torch.float32) + 0.5) / steps

    def logodds(z: torch.Tensor) -> torch.Tensor:
        out = tm.model(z)
        return out[:, 1] - out[:, 0] if out.shape[1] == 2 else out[:, 0]

    attr, gap, deltas = [], [], []
    for s in _batches(len(Z), batch):
        z = Z[s]
        grads = torch.zeros_like(z)
        for a in alphas:
            x = (a * z).requires_grad_(True)
            (g,) = torch.autograd.grad(logodds(x).sum(), x)
            grads += g
        a_s = z * grads / steps
        with torch.no_grad():
            delta = logodds(z) - logodds(torch.zeros_like(z))
        attr.append(a_s.detach())
        gap.append(a_s.sum(dim=(1, 2)).detach() - delta)
        deltas.append(delta)
    return torch.cat(attr).numpy(), torch.cat(gap).numpy(), torch.cat(deltas).numpy()


def _load(classifier: PathLike, features: PathLike, labels: PathLike, split: PathLike, purpose):
    tm = load_torch_model(classifier, purpose)
    data = load_split_data([features], [labels], split, "test", 1)
    if data.marks != tm.marks or data.X.shape[2] != tm.n_bins:
        raise InputError(features, f"marks/bins differ from the model's ({tm.marks})")
    return tm, data


def _save_npz(path: PathLike, **arrays: np.ndarray) -> None:
    final, tmp = atomic_path(path)
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    tmp.replace(final)


def attention_maps(
    classifier: PathLike,
    features: PathLike,
    labels: PathLike,
    split: PathLike,
    cell: str,
    npz: PathLike,
    table: PathLike,
    truth: PathLike | None = None,
) -> pd.DataFrame:
    """Snakemake step: per-class attention summaries of the test genes -> .npz and a TSV.

    The TSV holds every matrix in long form: ``level`` bin (one row per class, mark, bin) or
    mark (one row per class and mark), with mean and quartiles; with ``truth``, one row per
    class and mark of ``level`` region holds the fraction of bin attention inside the mark's
    true region (``mean``) and the region's share of the bins (``uniform``).
    """
    tm, data = _load(classifier, features, labels, split, "attention maps")
    try:
        att = attention_weights(tm, data.X)
    except ValueError as err:
        raise InputError(classifier, str(err)) from err
    b, m = class_summary(att["bin"], data.y), class_summary(att["mark"], data.y)
    marks, bins = tm.marks, np.asarray(data.bin_starts)
    rows = []
    for c in (0, 1):
        for k, mark in enumerate(marks):
            rows.append(pd.DataFrame({"cell": cell, "class": c, "level": "bin", "mark": mark,
                                      "bin_start": bins, "mean": b["mean"][c, k],
                                      "q25": b["q25"][c, k], "q75": b["q75"][c, k]}))  # fmt: skip
        rows.append(pd.DataFrame({"cell": cell, "class": c, "level": "mark", "mark": marks,
                                  "bin_start": np.nan, "mean": m["mean"][c], "q25": m["q25"][c],
                                  "q75": m["q75"][c]}))  # fmt: skip
    arrays = {f"bin_{k}": v for k, v in b.items()} | {f"mark_{k}": v for k, v in m.items()}
    arrays["mark_all"] = att["mark"]
    if truth is not None:
        tr = load_truth(truth, cell, marks)
        region = truth_regions(tr)
        inside = (att["bin"] * region[None]).sum(axis=2)  # genes x marks
        for c in (0, 1):
            rows.append(pd.DataFrame({"cell": cell, "class": c, "level": "region", "mark": marks,
                                      "bin_start": np.nan, "mean": inside[data.y == c].mean(0),
                                      "uniform": region.mean(axis=1)}))  # fmt: skip
        arrays["region"] = region
    df = pd.concat(rows, ignore_index=True)
    _save_npz(npz, y=data.y, marks=np.asarray(marks), bin_starts=bins, **arrays)
    write_tsv(table, df, float_format="%.5g")
    log.info("attention of %s on %d test genes of %s", tm.arch, len(data.y), cell)
    return df


def attribution_maps(
    classifier: PathLike,
    features: PathLike,
    labels: PathLike,
    split: PathLike,
    cell: str,
    npz: PathLike,
    steps: int = 32,
    max_genes: int = 0,
    seed: int = 0,
) -> dict:
    """Snakemake step: per-class mean integrated gradients of the test genes -> .npz.

    ``max_genes`` > 0 draws that many test genes (seeded) to bound the cost.
    """
    tm, data = _load(classifier, features, labels, split, "attribution maps")
    X, y = data.X, data.y
    if 0 < max_genes < len(y):
        keep = np.sort(np.random.default_rng(seed).choice(len(y), max_genes, replace=False))
        X, y = X[keep], y[keep]
    attr, gap, delta = integrated_gradients(tm, X, steps)
    maps = np.stack([attr[y == c].mean(axis=0) for c in (0, 1)])
    out = {"maps": maps.astype(np.float32), "marks": np.asarray(tm.marks),
           "bin_starts": np.asarray(data.bin_starts), "arch": np.asarray(tm.arch),
           "n_genes": np.asarray([int((y == c).sum()) for c in (0, 1)]),
           "max_abs_gap": np.float64(np.abs(gap).max()), "steps": np.int64(steps),
           "rel_gap": np.float64(np.abs(gap).sum() / max(np.abs(delta).sum(), 1e-12))}  # fmt: skip
    _save_npz(npz, **out)
    log.info("%s on %s: IG over %d genes, completeness gap %.3g of |f(x) - f(0)| (largest %.3g)",
             tm.arch, cell, len(y), out["rel_gap"], out["max_abs_gap"])  # fmt: skip
    return out
