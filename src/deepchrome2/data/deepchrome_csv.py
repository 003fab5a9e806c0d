"""The published DeepChrome CSV archive layout, read and written.

``{root}/{cell}/classification/{train,valid,test}.csv``, no header, 100 rows per gene:
``GeneID, BinID (1..100), H3K27me3, H3K36me3, H3K4me1, H3K4me3, H3K9me3, label``.
Note the archive's mark order (alphabetical), which differs from the workflow's. GeneIDs
are kept as written (the archive uses the numeric part of the Ensembl ID).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from deepchrome2.errors import InputError
from deepchrome2.io import SPLITS, Features, atomic_path

ARCHIVE_MARKS = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]
COLUMNS = ["gene_id", "bin", *ARCHIVE_MARKS, "label"]


def split_path(root: str | Path, cell: str, split: str) -> Path:
    return Path(root) / cell / "classification" / f"{split}.csv"


def archive_root(csv: str | os.PathLike[str]) -> Path:
    """The root of an archive path ``{root}/{cell}/classification/{split}.csv``."""
    return Path(csv).parents[2]


def read_split_csv(path: str | Path, n_bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One archive CSV: (gene IDs, X genes x archive-marks x bins, labels)."""
    try:
        df = pd.read_csv(path, header=None, names=COLUMNS, dtype={"gene_id": str})
    except FileNotFoundError as err:
        raise InputError(path, "DeepChrome CSV not found") from err
    except (pd.errors.ParserError, ValueError) as err:
        raise InputError(path, f"cannot parse DeepChrome CSV: {err}") from err
    numeric = ARCHIVE_MARKS + ["bin", "label"]
    df[numeric] = df[numeric].apply(pd.to_numeric, errors="coerce")
    if df.empty or df[numeric].isna().to_numpy().any():
        raise InputError(
            path, "empty file, missing or non-numeric values (expected 8 columns per row)"
        )
    if len(df) % n_bins:
        raise InputError(path, f"{len(df)} rows is not a multiple of {n_bins} bins per gene")
    n = len(df) // n_bins
    bins = df["bin"].to_numpy().reshape(n, n_bins)
    ids = df["gene_id"].to_numpy().reshape(n, n_bins)
    if (bins != np.arange(1, n_bins + 1)).any() or (ids != ids[:, :1]).any():
        raise InputError(path, f"rows must hold bins 1..{n_bins} of one gene in order")
    X = df[ARCHIVE_MARKS].to_numpy(np.float32).reshape(n, n_bins, len(ARCHIVE_MARKS))
    labels = df["label"].to_numpy().reshape(n, n_bins)
    if (labels != labels[:, :1]).any():
        raise InputError(path, "label differs between bins of one gene")
    return ids[:, 0], X.transpose(0, 2, 1), labels[:, 0].astype(np.int8)


def read_archive_cell(
    root: str | Path,
    cell: str,
    marks: list[str],
    bin_size: int = 100,
    n_bins: int = 100,
) -> tuple[Features, pd.DataFrame, pd.DataFrame]:
    """Features (marks in ``marks`` order), labels and split of one archive cell."""
    missing = [m for m in marks if m not in ARCHIVE_MARKS]
    if missing:
        raise InputError(split_path(root, cell, "train"), f"archive has no marks {missing}")
    parts = [read_split_csv(split_path(root, cell, s), n_bins) for s in SPLITS]
    genes = np.concatenate([p[0] for p in parts])
    X = np.concatenate([p[1] for p in parts])[:, [ARCHIVE_MARKS.index(m) for m in marks], :]
    label = np.concatenate([p[2] for p in parts])
    split = np.repeat(SPLITS, [len(p[0]) for p in parts])
    half = n_bins * bin_size // 2
    feats = Features(
        X=X, genes=genes, marks=list(marks), bin_starts=np.arange(-half, half, bin_size)
    )
    labels = pd.DataFrame({"gene_id": genes, "label": label, "log_rpkm": np.nan})
    return feats, labels, pd.DataFrame({"gene_id": genes, "split": split})


def write_split_csv(
    path: str | Path, feats: Features, labels: np.ndarray, rows: np.ndarray
) -> None:
    """Write genes ``rows`` of ``feats`` in the archive layout (atomically)."""
    order = [feats.marks.index(m) for m in ARCHIVE_MARKS]
    X = feats.X[rows][:, order, :].transpose(0, 2, 1)  # genes x bins x marks
    n, n_bins = X.shape[0], X.shape[1]
    df = pd.DataFrame(X.reshape(n * n_bins, len(ARCHIVE_MARKS)), columns=ARCHIVE_MARKS)
    df.insert(0, "bin", np.tile(np.arange(1, n_bins + 1), n))
    df.insert(0, "gene_id", np.repeat(feats.genes[rows], n_bins))
    df["label"] = np.repeat(labels[rows], n_bins)
    final, tmp = atomic_path(path)
    df.to_csv(tmp, header=False, index=False, float_format="%.10g")
    os.replace(tmp, final)


def write_archive_cell(
    root: str | Path, cell: str, feats: Features, labels: pd.DataFrame, split: pd.DataFrame
) -> list[Path]:
    """Write one cell in the archive layout; genes keep the split of ``split``."""
    if missing := [m for m in ARCHIVE_MARKS if m not in feats.marks]:
        raise ValueError(f"archive layout needs all five marks; missing {missing}")
    lab = labels.set_index("gene_id").loc[feats.genes, "label"].to_numpy()
    where = split.set_index("gene_id").loc[feats.genes, "split"].to_numpy()
    paths = []
    for s in SPLITS:
        path = split_path(root, cell, s)
        write_split_csv(path, feats, lab, np.flatnonzero(where == s))
        paths.append(path)
    return paths
