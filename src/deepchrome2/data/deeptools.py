"""deepTools-compatible outputs: the TSS windows as BED and computeMatrix-format matrices.

- ``tss_windows.bed``: BED6 (0-based, half-open) of every gene's TSS window, name = gene ID,
  score 0, strand. The window is centred on the TSS, so ``computeMatrix reference-point
  --referencePoint center -b UP -a DOWN --binSize BIN`` over this BED bins the same bases as
  the workflow (minus-strand rows reversed, bin 0 the most upstream).
- ``{cell}.mat.gz``: the binned signal of one cell in computeMatrix's gzipped matrix format
  (``@`` + JSON header, then one BED6 row per gene followed by the bins of every mark, marks
  as samples). Genes come in two groups, high then low expression (the cell's label), each
  sorted by expression (log RPKM) from highest to lowest, so ``plotHeatmap --sortRegions keep``
  shows them in that order.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from deepchrome2.data.annotation import read_windows
from deepchrome2.errors import InputError
from deepchrome2.io import atomic_path, load_features, load_labels

PathLike = str | os.PathLike[str]
GROUPS = (("high expression", 1), ("low expression", 0))


def tss_windows_bed(windows: PathLike, output: PathLike) -> int:
    """Write ``tss_windows.bed`` from ``tss_windows.tsv``; returns the number of rows."""
    win = read_windows(windows)
    bed = pd.DataFrame(
        {
            "chrom": win["chrom"],
            "start": win["start"],
            "end": win["end"],
            "name": win["gene_id"],
            "score": 0,
            "strand": win["strand"],
        }
    )
    final, tmp = atomic_path(output)
    bed.to_csv(tmp, sep="\t", header=False, index=False)
    os.replace(tmp, final)
    return len(bed)


def matrix_header(
    marks: list[str], n_bins: int, upstream: int, downstream: int, group_sizes: list[int]
) -> dict:
    """computeMatrix's reference-point header for ``marks`` as samples of ``n_bins`` each."""
    n = len(marks)
    bin_size = (upstream + downstream) // n_bins
    labels = [g for (g, _), k in zip(GROUPS, group_sizes, strict=True) if k > 0]
    sizes = [k for k in group_sizes if k > 0]
    return {
        "upstream": [upstream] * n,
        "downstream": [downstream] * n,
        "body": [0] * n,
        "bin size": [bin_size] * n,
        "ref point": ["center"] * n,
        "verbose": False,
        "bin avg type": "mean",
        "missing data as zero": True,
        "min threshold": None,
        "max threshold": None,
        "scale": 1,
        "skip zeros": False,
        "nan after end": False,
        "proc number": 1,
        "sort regions": "keep",
        "sort using": "mean",
        "unscaled 5 prime": [0] * n,
        "unscaled 3 prime": [0] * n,
        "group_labels": labels,
        "group_boundaries": [0, *np.cumsum(sizes).tolist()],
        "sample_labels": list(marks),
        "sample_boundaries": [i * n_bins for i in range(n + 1)],
    }


def ordered_genes(genes: np.ndarray, labels: pd.DataFrame, source: PathLike) -> np.ndarray:
    """Row order: high-expression genes, then low, each by log RPKM descending (ties by ID)."""
    lab = labels.set_index("gene_id")
    missing = [g for g in genes if g not in lab.index]
    if missing:
        raise InputError(source, f"{len(missing)} genes have no label, e.g. {missing[0]}")
    df = lab.loc[genes, ["label", "log_rpkm"]].reset_index()
    df["row"] = np.arange(len(genes))
    df = df.sort_values(["label", "log_rpkm", "gene_id"], ascending=[False, False, True])
    return df["row"].to_numpy()


def deeptools_matrix(
    features: PathLike, labels: PathLike, windows: PathLike, output: PathLike, window: dict
) -> dict:
    """Write one cell's ``.mat.gz``; returns its header."""
    feats = load_features(features)
    lab = load_labels(labels)
    win = read_windows(windows).set_index("gene_id")
    absent = [g for g in feats.genes if g not in win.index]
    if absent:
        raise InputError(windows, f"{len(absent)} genes of {features} lack a window")
    up, down = int(window["upstream"]), int(window["downstream"])
    n_bins = feats.X.shape[2]
    if (up + down) != n_bins * int(window["bin_size"]):
        raise InputError(features, f"{n_bins} bins do not span the configured window")
    order = ordered_genes(feats.genes, lab, labels)
    genes = feats.genes[order]
    y = lab.set_index("gene_id").loc[genes, "label"].to_numpy()
    header = matrix_header(feats.marks, n_bins, up, down, [int((y == c).sum()) for _, c in GROUPS])
    w = win.loc[genes]
    values = feats.X[order].reshape(len(genes), -1)
    rows = pd.DataFrame(
        {
            "chrom": w["chrom"].to_numpy(),
            "start": w["start"].to_numpy(),
            "end": w["end"].to_numpy(),
            "name": genes,
            "score": 0,
            "strand": w["strand"].to_numpy(),
        }
    )
    vals = pd.DataFrame(values.astype(np.float64))
    table = pd.concat([rows, vals], axis=1)
    final, tmp = atomic_path(output)
    with gzip.open(tmp, "wt", compresslevel=6) as fh:
        fh.write("@" + json.dumps(header, separators=(",", ":")) + "\n")
        table.to_csv(fh, sep="\t", header=False, index=False, float_format="%.6g")
    os.replace(tmp, final)
    return header


def read_matrix(path: PathLike) -> tuple[dict, pd.DataFrame, np.ndarray]:
    """Read a computeMatrix-format ``.mat.gz``: (header, BED6 rows, values genes x columns)."""
    try:
        with gzip.open(Path(path), "rt") as fh:
            first = fh.readline()
            if not first.startswith("@"):
                raise InputError(path, "matrix file lacks its '@' JSON header line")
            header = json.loads(first[1:])
            df = pd.read_csv(fh, sep="\t", header=None)
    except FileNotFoundError as err:
        raise InputError(path, "matrix file not found") from err
    except (OSError, json.JSONDecodeError, pd.errors.ParserError) as err:
        raise InputError(path, f"cannot read matrix file: {err}") from err
    return header, df.iloc[:, :6], df.iloc[:, 6:].to_numpy(dtype=np.float64)
