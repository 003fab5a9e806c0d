"""Tables of the cross-cell experiments and Finding 3 (exclusive_all vs per-cell AUROC).

The per-cell baseline of a target cell X is the diagonal of the transfer matrix (X's own model
on X's test genes); ``test_on_rest`` of X is the mean AUROC of X's model over the other cells.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from deepchrome2.errors import InputError
from deepchrome2.io import read_metrics_json, write_tsv
from deepchrome2.training.summary import paired_comparison

PathLike = str | os.PathLike[str]
BASELINE = "per_cell"


def read_matrix(paths: Sequence[PathLike], metric: str = "auroc") -> pd.DataFrame:
    """The gathered ``cross_cell_{arch}.tsv`` tables, concatenated."""
    frames = []
    for p in paths:
        try:
            df = pd.read_csv(p, sep="\t", dtype={"train_cell": str, "test_cell": str})
        except (OSError, ValueError) as err:
            raise InputError(p, f"cannot read transfer matrix: {err}") from err
        if {"arch", "train_cell", "test_cell", metric} - set(df.columns):
            raise InputError(p, f"needs columns arch, train_cell, test_cell, {metric}")
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def read_experiments(paths: Sequence[PathLike], metric: str = "auroc") -> pd.DataFrame:
    """One row per trained experiment job, from its ``metrics.json``."""
    rows = read_metrics_json(paths, ["arch", "experiment", "target_cell", metric])
    cols = ["arch", "experiment", "target_cell", metric, "n_train_cells", "train_cells"]
    return pd.DataFrame(rows, columns=cols) if not rows else pd.DataFrame(rows)[cols]


def from_matrix(matrix: pd.DataFrame, metric: str = "auroc") -> pd.DataFrame:
    """Per (arch, cell): the per-cell baseline and ``test_on_rest`` rows."""
    same = matrix["train_cell"] == matrix["test_cell"]
    base = matrix.loc[same, ["arch", "train_cell", metric]].assign(
        experiment=BASELINE, n_train_cells=1
    )
    base["train_cells"] = base["train_cell"]
    rest = (
        matrix.loc[~same]
        .groupby(["arch", "train_cell"], sort=False)[metric]
        .mean()
        .reset_index()
        .assign(experiment="test_on_rest", n_train_cells=1)
    )
    rest["train_cells"] = rest["train_cell"]
    out = pd.concat([base, rest], ignore_index=True).rename(columns={"train_cell": "target_cell"})
    return out[["arch", "experiment", "target_cell", metric, "n_train_cells", "train_cells"]]


def experiments_table(
    matrix: pd.DataFrame,
    trained: pd.DataFrame,
    experiments: Sequence[str],
    targets: Sequence[str],
    architectures: Sequence[str],
    metric: str = "auroc",
) -> pd.DataFrame:
    """experiment x target cell x architecture AUROC (or ``metric``), the per-cell baseline
    included."""
    df = pd.concat([from_matrix(matrix, metric), trained], ignore_index=True)
    order = [BASELINE, *experiments]
    df = df[df["experiment"].isin(order) & df["target_cell"].isin(targets)]
    df = df[df["arch"].isin(architectures)].copy()
    df["_a"] = df["arch"].map(list(architectures).index)
    df["_e"] = df["experiment"].map(order.index)
    df["_c"] = df["target_cell"].map(list(targets).index)
    return (
        df.sort_values(["_a", "_e", "_c"]).drop(columns=["_a", "_e", "_c"]).reset_index(drop=True)
    )


def summary_table(table: pd.DataFrame, metric: str = "auroc") -> pd.DataFrame:
    """Per (arch, experiment): mean/median AUROC next to the per-cell baseline of the same
    target cells, and the mean paired difference."""
    rows = []
    for (arch, exp), g in table.groupby(["arch", "experiment"], sort=False):
        base = table[(table["arch"] == arch) & (table["experiment"] == BASELINE)]
        pair = g.merge(base, on="target_cell", suffixes=("", "_base"))
        d = pair[metric] - pair[f"{metric}_base"]
        rows.append(
            {
                "arch": arch,
                "experiment": exp,
                "n_cells": len(g),
                f"mean_{metric}": g[metric].mean(),
                f"median_{metric}": g[metric].median(),
                f"sd_{metric}": g[metric].std(ddof=1) if len(g) > 1 else np.nan,
                f"per_cell_mean_{metric}": pair[f"{metric}_base"].mean(),
                f"per_cell_median_{metric}": pair[f"{metric}_base"].median(),
                f"mean_delta_{metric}": d.mean(),
                "n_cells_better": int((d > 0).sum()),
            }
        )
    return pd.DataFrame(rows)


def finding3(
    table: pd.DataFrame, architectures: Sequence[str], metric: str = "auroc"
) -> pd.DataFrame:
    """Per architecture: mean ΔAUROC (exclusive_all − per-cell) with paired Wilcoxon and
    t-tests over target cells."""
    rows = []
    for arch in architectures:
        sub = table[table["arch"] == arch].rename(columns={"target_cell": "cell"})
        sub = sub.drop(columns="arch").rename(columns={"experiment": "arch"})
        if not {"exclusive_all", BASELINE} <= set(sub["arch"]):
            raise ValueError(f"finding 3 needs exclusive_all and per-cell AUROC for {arch}")
        pair = paired_comparison(sub, "exclusive_all", BASELINE, metric)
        rows.append({"architecture": arch, **pair})
    return pd.DataFrame(rows)


def write_tables(
    matrices: Sequence[PathLike],
    metrics: Sequence[PathLike],
    experiments_out: PathLike,
    summary_out: PathLike,
    experiments: Sequence[str],
    targets: Sequence[str],
    architectures: Sequence[str],
    metric: str = "auroc",
) -> pd.DataFrame:
    """Write ``crosscell_experiments.tsv`` and the per-experiment summary."""
    table = experiments_table(
        read_matrix(matrices, metric),
        read_experiments(metrics, metric),
        experiments,
        targets,
        architectures,
        metric,
    )
    write_tsv(experiments_out, table, float_format="%.6f")
    write_tsv(summary_out, summary_table(table, metric), float_format="%.6f")
    return table


def write_finding3(
    table: PathLike, out: PathLike, architectures: Sequence[str], metric: str = "auroc"
) -> pd.DataFrame:
    """Write Finding 3 from ``crosscell_experiments.tsv``."""
    try:
        df = pd.read_csv(table, sep="\t", dtype={"target_cell": str})
    except (OSError, ValueError) as err:
        raise InputError(table, f"cannot read experiments table: {err}") from err
    res = finding3(df, architectures, metric)
    write_tsv(out, res, float_format="%.6g")
    return res
