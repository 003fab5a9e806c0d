"""GAN quality numbers and tables that need no torch: per-bin Wasserstein distance, classifier
fidelity, correlation with the simulator's truth profiles, and the stacked quality table.

:mod:`deepchrome2.gan.quality` computes the rows with the trained networks; the table and figure
jobs read them with this module alone, so they do not start torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from deepchrome2.errors import InputError
from deepchrome2.gan.data import PathLike
from deepchrome2.io import write_tsv

# A truth profile has "real structure" when its range across bins is at least this fraction
# of its mean; flat profiles make a correlation meaningless.
STRUCTURE_MIN = 0.25


def wasserstein_per_column(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Exact 1-D Wasserstein-1 distance per column between samples ``a`` (n, ...) and ``b``.

    Vectorised over all trailing dimensions: ``W1 = integral |Qa(q) - Qb(q)| dq`` with the
    empirical quantile functions, which are step functions with steps at ``i/n`` and ``j/m``.
    """
    n, m = a.shape[0], b.shape[0]
    if n == 0 or m == 0:
        raise ValueError("need at least one sample on each side")
    sa = np.sort(a.reshape(n, -1), axis=0)
    sb = np.sort(b.reshape(m, -1), axis=0)
    q = np.union1d(np.arange(n + 1) / n, np.arange(m + 1) / m)
    mid = (q[:-1] + q[1:]) / 2
    ia = np.minimum((mid * n).astype(np.int64), n - 1)
    ib = np.minimum((mid * m).astype(np.int64), m - 1)
    w = np.diff(q)[:, None]
    dist = (np.abs(sa[ia] - sb[ib]) * w).sum(axis=0)
    return dist.reshape(a.shape[1:])


def resampled_wasserstein(
    pool: np.ndarray, n_a: int, n_b: int, n_resamples: int = 20, seed: int = 0
) -> np.ndarray:
    """Expected per-column W1 between two disjoint real samples of sizes ``n_a`` and ``n_b``.

    The mean over ``n_resamples`` random partitions of ``pool`` (samples of one distribution,
    at least ``n_a + n_b`` of them): the distance sampling alone gives, at those sizes. One
    fixed split (valid against test) is a single draw of it, which can vary by a factor of two
    between draws when a mark's values are a mixture with a rare mode.
    """
    if n_a < 1 or n_b < 1 or n_a + n_b > len(pool):
        raise ValueError(f"cannot draw samples of {n_a} and {n_b} from {len(pool)}")
    rng = np.random.default_rng(seed)
    total = np.zeros(pool.shape[1:])
    for _ in range(n_resamples):  # a few resamples; each call is vectorised over columns
        order = rng.permutation(len(pool))
        total += wasserstein_per_column(pool[order[:n_a]], pool[order[n_a : n_a + n_b]])
    return total / n_resamples


def fidelity(predict_proba: Callable[[np.ndarray], np.ndarray], X: np.ndarray, c: int) -> tuple:
    """(accuracy, mean probability) of class ``c`` under a classifier on raw signal ``X``."""
    p = np.asarray(predict_proba(X), dtype=np.float64)
    p1 = p[:, 1] if p.ndim == 2 else p
    pc = p1 if c == 1 else 1.0 - p1
    return float(((p1 >= 0.5).astype(int) == c).mean()), float(pc.mean())


def profile_correlation(gen_mean: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Pearson r per mark between two (marks x bins) profiles (NaN for a constant profile)."""
    a = gen_mean - gen_mean.mean(axis=1, keepdims=True)
    b = truth - truth.mean(axis=1, keepdims=True)
    den = np.sqrt((a**2).sum(axis=1) * (b**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (a * b).sum(axis=1) / den, np.nan)


def structured_marks(truth: np.ndarray) -> np.ndarray:
    """Boolean per mark: the truth profile varies across bins (range >= STRUCTURE_MIN x mean)."""
    rng = truth.max(axis=1) - truth.min(axis=1)
    return rng >= STRUCTURE_MIN * np.maximum(truth.mean(axis=1), 1e-12)


def load_truth(path: PathLike, cell: str, marks: Sequence[str]) -> np.ndarray:
    """Truth class-mean profiles ``[class, mark, bin]`` of ``cell`` in the order of ``marks``."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            profiles, cells = npz["profiles"], [str(c) for c in npz["cells"]]
            tmarks = [str(m) for m in npz["marks"]]
    except FileNotFoundError as err:
        raise InputError(path, "truth profiles file not found") from err
    except (OSError, KeyError, ValueError) as err:
        raise InputError(path, f"cannot read truth profiles: {err}") from err
    if cell not in cells:
        raise InputError(path, f"no truth profiles for cell {cell}")
    missing = [m for m in marks if m not in tmarks]
    if missing:
        raise InputError(path, f"no truth profiles for marks {missing}")
    return profiles[cells.index(cell)][:, [tmarks.index(m) for m in marks]]


def gan_quality(inputs: Sequence[PathLike], output: PathLike) -> None:
    """Stack per-GAN quality tables into one (``results/tables/gan_quality.tsv``)."""
    frames = []
    for p in inputs:
        try:
            frames.append(pd.read_csv(p, sep="\t"))
        except FileNotFoundError as err:
            raise InputError(p, "quality table not found") from err
    write_tsv(output, pd.concat(frames, ignore_index=True), float_format="%.4g")
