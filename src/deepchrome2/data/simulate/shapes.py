"""Positional shapes of the simulated marks around a TSS, and how much position matters.

Each mark has a unit-amplitude shape as a function of the distance ``d`` downstream of the TSS
(:func:`mark_shape`). The ``positional`` knob blends every gene's shape with a flat profile of
the same mass inside its TSS window (:func:`blend_flat`): 1 keeps the shapes, 0 spreads each mark
evenly over the window, so that where the signal sits carries nothing a window mean does not.
"""

from __future__ import annotations

import numpy as np

# The marks the simulator models (one shape each, below), and its signal's resolution.
MARKS = ("H3K4me3", "H3K4me1", "H3K36me3", "H3K9me3", "H3K27me3")
GRID = 25  # bp resolution of the written signal (piecewise constant)


def mark_shape(mark: str, d: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Unit-amplitude shape of ``mark`` at distance ``d`` downstream of the TSS (bp).

    ``length`` is the gene length for each ``d`` (used by the gene-body mark).
    """
    if mark == "H3K4me3":
        return np.exp(-0.5 * ((d - 200.0) / 700.0) ** 2)
    if mark == "H3K4me1":
        return np.exp(-0.5 * ((np.abs(d) - 2000.0) / 800.0) ** 2)
    if mark == "H3K36me3":
        inside = (d > 0) & (d < length)
        return inside * (1.0 - np.exp(-np.clip(d, 0, None) / 2500.0))
    if mark == "H3K27me3":
        return np.exp(-0.5 * (d / 4000.0) ** 2)
    if mark == "H3K9me3":
        return np.exp(-0.5 * (d / 6000.0) ** 2)
    raise ValueError(f"simulator has no model for mark {mark!r}")


def in_window(d: np.ndarray, upstream: int, downstream: int) -> np.ndarray:
    """Whether distance ``d`` (bp downstream of the TSS, grid-cell centres) is in the window."""
    return (d > -upstream) & (d < downstream)


def blend_flat(
    shape: np.ndarray,
    gene: np.ndarray,
    window: np.ndarray,
    n_genes: int,
    positional: float,
) -> np.ndarray:
    """``positional * shape + (1 - positional) * flat``, per gene.

    ``shape`` holds one value per (grid cell, gene) entry, ``gene`` the entry's gene (0 ..
    ``n_genes`` - 1) and ``window`` whether the entry lies in that gene's TSS window. The flat
    profile of a gene is its shape's mean over its window cells, on those cells only, so the
    window mean (what a model that averages bins sees) is the same for every ``positional``.
    """
    if not 0.0 <= positional <= 1.0:
        raise ValueError(f"positional must lie in [0, 1], got {positional}")
    if positional == 1.0:
        return shape
    total = np.bincount(gene, weights=shape * window, minlength=n_genes)
    count = np.bincount(gene, weights=window.astype(float), minlength=n_genes)
    flat = np.divide(total, count, out=np.zeros(n_genes), where=count > 0)
    return positional * shape + (1.0 - positional) * flat[gene] * window
