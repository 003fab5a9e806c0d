"""Load one cell's features, labels and split into in-memory arrays, with input checks."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from deepchrome2.errors import InputError
from deepchrome2.io import SPLITS, load_features, load_labels, load_split
from deepchrome2.training.metrics import SingleClassError, check_two_classes

PathLike = str | os.PathLike[str]


@dataclass
class CellData:
    """One cell's signal and labels, split by gene (``X`` genes x marks x bins, float32)."""

    X: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    genes: dict[str, np.ndarray]
    marks: list[str]
    bin_starts: np.ndarray
    log_rpkm: dict[str, np.ndarray] | None = None  # the regression target, by split

    @property
    def n_marks(self) -> int:
        return len(self.marks)

    @property
    def n_bins(self) -> int:
        return len(self.bin_starts)

    def sizes(self) -> dict[str, int]:
        return {s: len(self.y[s]) for s in SPLITS}


def _first_mismatch(a: np.ndarray, b: np.ndarray) -> int:
    n = min(len(a), len(b))
    diff = np.flatnonzero(a[:n] != b[:n])
    return int(diff[0]) if len(diff) else n


def check_labels_match(
    genes: np.ndarray, label_genes: np.ndarray, features_path: PathLike, labels_path: PathLike
) -> None:
    """Labels must list the features' genes, in the same order."""
    if len(genes) != len(label_genes):
        raise InputError(
            labels_path,
            f"{len(label_genes)} genes but features {features_path} have {len(genes)}",
        )
    if not np.array_equal(genes, label_genes):
        i = _first_mismatch(genes, label_genes)
        raise InputError(
            labels_path,
            f"gene order differs from features {features_path} at row {i + 1} "
            f"({label_genes[i]} vs {genes[i]})",
        )


def arrays_by_split(
    X: np.ndarray,
    y: np.ndarray,
    genes: np.ndarray,
    split_of: dict[str, str],
    split_path: PathLike = "split",
    labels_path: PathLike = "labels",
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Partition genes by split; every gene needs a split and every split both classes."""
    splits = np.array([split_of.get(g, "") for g in genes])
    missing = genes[splits == ""]
    if len(missing):
        raise InputError(
            split_path,
            f"{len(missing)} genes have no split (e.g. {', '.join(missing[:3])})",
        )
    Xs, ys, gs = {}, {}, {}
    for s in SPLITS:
        idx = np.flatnonzero(splits == s)
        if len(idx) == 0:
            raise InputError(split_path, f"no genes of this cell in split '{s}'")
        try:
            check_two_classes(y[idx], what=f"split '{s}'")
        except SingleClassError as err:
            raise InputError(labels_path, str(err)) from err
        Xs[s] = np.ascontiguousarray(X[idx], dtype=np.float32)
        ys[s] = y[idx].astype(np.int64)
        gs[s] = genes[idx]
    return Xs, ys, gs


def load_cell(features_path: PathLike, labels_path: PathLike, split_path: PathLike) -> CellData:
    """Read ``results/features/{cell}.npz``, ``results/labels/{cell}.tsv`` and the split."""
    feats = load_features(features_path)
    labels = load_labels(labels_path)
    split = load_split(split_path)
    check_labels_match(
        feats.genes, labels["gene_id"].to_numpy(dtype=str), features_path, labels_path
    )
    y = labels["label"].to_numpy()
    if labels["label"].isna().any() or not np.isin(y, [0, 1]).all():
        raise InputError(labels_path, "column 'label' must hold only 0 and 1")
    if not np.all(np.isfinite(feats.X)):
        raise InputError(features_path, "features contain NaN or inf")
    # empty for the DeepChrome archive; only the log_rpkm target needs it (checked there)
    log_rpkm = pd.to_numeric(labels["log_rpkm"], errors="coerce").to_numpy(dtype=np.float64)
    dup = split["gene_id"][split["gene_id"].duplicated()]
    if len(dup):
        raise InputError(split_path, f"gene {dup.iloc[0]} listed twice")
    split_of = dict(zip(split["gene_id"], split["split"], strict=True))
    Xs, ys, gs = arrays_by_split(
        feats.X, y.astype(np.int64), feats.genes, split_of, split_path, labels_path
    )
    rows = pd.Index(feats.genes)
    v = {s: log_rpkm[rows.get_indexer(gs[s])] for s in SPLITS}
    return CellData(Xs, ys, gs, list(feats.marks), np.asarray(feats.bin_starts), v)
