"""Small synthetic cohorts for the training tests (built in memory, written in workflow formats)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from deepchrome2.io import Features, save_features, write_tsv

MARKS = ["H3K4me3", "H3K4me1", "H3K36me3", "H3K9me3", "H3K27me3"]


def make_signal(n_genes: int, n_bins: int = 20, seed: int = 0, strength: float = 1.0):
    """(X, y, activity): label 1 genes carry H3K4me3/H3K36me3, label 0 genes H3K27me3.

    The label is a noisy threshold of each gene's latent activity, which shapes the signal, so
    ``activity`` is an oracle score whose AUROC no model should beat by more than chance.
    """
    rng = np.random.default_rng(seed)
    activity = rng.normal(size=n_genes)
    y = (activity + rng.normal(scale=0.7, size=n_genes) > 0).astype(np.int64)
    pos = np.arange(n_bins)
    peak = np.exp(-0.5 * ((pos - n_bins / 2) / (n_bins / 10)) ** 2)
    body = (pos >= n_bins / 2).astype(float)
    base = rng.gamma(2.0, 0.5, size=(n_genes, len(MARKS), n_bins))
    a = strength * np.clip(activity, -3, 3)[:, None]
    base[:, 0] += 3 * np.exp(a) * peak[None] / 3
    base[:, 2] += np.exp(a) * body[None]
    base[:, 4] += 2 * np.exp(-a) * body[None] / 2
    return base.astype(np.float32), y, activity


def write_cohort(
    root: Path, n_genes: int = 600, n_bins: int = 20, seed: int = 0, cell: str = "E003"
) -> dict[str, Path]:
    """Write features/labels/split files for one synthetic cell under ``root``."""
    X, y, _ = make_signal(n_genes, n_bins, seed)
    genes = np.array([f"G{i:05d}" for i in range(n_genes)])
    paths = {
        "features": root / "features" / f"{cell}.npz",
        "labels": root / "labels" / f"{cell}.tsv",
        "split": root / "splits" / "genes.tsv",
    }
    save_features(
        paths["features"],
        Features(X, genes, MARKS, np.arange(n_bins, dtype=np.int64) * 100 - n_bins * 50),
    )
    write_tsv(
        paths["labels"],
        pd.DataFrame({"gene_id": genes, "label": y, "log_rpkm": y.astype(float)}),
    )
    split = np.array(["train", "valid", "test"])[np.arange(n_genes) % 3]
    write_tsv(paths["split"], pd.DataFrame({"gene_id": genes, "split": split}))
    return paths


def make_cell(n_genes: int = 600, n_bins: int = 20, seed: int = 0):
    """In-memory CellData (genes split 1:1:1 in turn) plus the test genes' oracle activity."""
    from deepchrome2.training.data import CellData, arrays_by_split

    X, y, activity = make_signal(n_genes, n_bins, seed)
    genes = np.array([f"G{i:05d}" for i in range(n_genes)])
    split_of = {g: ("train", "valid", "test")[i % 3] for i, g in enumerate(genes)}
    Xs, ys, gs = arrays_by_split(X, y, genes, split_of)
    data = CellData(Xs, ys, gs, list(MARKS), np.arange(n_bins) * 100)
    return data, activity[np.arange(n_genes) % 3 == 2]
