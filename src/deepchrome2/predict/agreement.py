"""Per-gene agreement between architectures on each cell's test genes.

For every cell and every pair of architectures: the fraction of test genes on which the two
models make the same call, and the Pearson and Spearman correlations of their outputs. A call
is ``p_high >= 0.5`` for the class target; for the regression target it is a predicted log RPKM
above the median of that model's test-gene predictions (DeepChrome's labelling rule applied to
the prediction).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from deepchrome2.errors import InputError
from deepchrome2.io import write_tsv

PathLike = str | os.PathLike[str]
OUTPUTS = ("p_high", "pred_log_rpkm")


def read_predictions(path: PathLike) -> pd.DataFrame:
    """A per-gene predictions table; it must hold gene_id, split and one output column."""
    try:
        df = pd.read_csv(path, sep="\t", dtype={"gene_id": str, "split": str})
    except FileNotFoundError as err:
        raise InputError(path, "predictions file not found") from err
    except (OSError, ValueError) as err:
        raise InputError(path, f"cannot read predictions: {err}") from err
    if {"gene_id", "split"} - set(df.columns) or not set(OUTPUTS) & set(df.columns):
        raise InputError(path, f"predictions need gene_id, split and one of {', '.join(OUTPUTS)}")
    return df


def output_column(df: pd.DataFrame) -> str:
    return next(c for c in OUTPUTS if c in df.columns)


def calls(values: np.ndarray, column: str) -> np.ndarray:
    """High/low calls of one model's outputs (see the module docstring)."""
    threshold = 0.5 if column == "p_high" else float(np.median(values))
    return values >= threshold if column == "p_high" else values > threshold


def outputs_on_test(paths: Sequence[PathLike], archs: Sequence[str]) -> tuple[pd.DataFrame, str]:
    """Test genes x architectures table of outputs (genes aligned by gene_id)."""
    cols, column, genes = {}, None, None
    for arch, path in zip(archs, paths, strict=True):
        df = read_predictions(path)
        col = output_column(df)
        if column is not None and col != column:
            raise InputError(path, f"holds {col} but other models hold {column}")
        column = col
        test = df[df["split"] == "test"].set_index("gene_id")[col].sort_index()
        if genes is not None and not test.index.equals(genes):
            raise InputError(path, "test genes differ from the other architectures' predictions")
        genes = test.index
        cols[arch] = test
    assert column is not None
    return pd.DataFrame(cols), column


def agreement_rows(cell: str, table: pd.DataFrame, column: str) -> list[dict]:
    """One row per architecture pair on one cell."""
    from scipy import stats  # 1.3 CPU s to import: only the agreement job needs it

    rows = []
    call = {a: calls(table[a].to_numpy(), column) for a in table.columns}
    for a, b in combinations(table.columns, 2):
        x, y = table[a].to_numpy(), table[b].to_numpy()
        flat = np.ptp(x) == 0 or np.ptp(y) == 0
        rows.append(
            {
                "cell": cell,
                "arch_a": a,
                "arch_b": b,
                "n_test": len(x),
                "call_agreement": float(np.mean(call[a] == call[b])),
                "pearson_r": np.nan if flat else float(stats.pearsonr(x, y).statistic),
                "spearman_r": np.nan if flat else float(stats.spearmanr(x, y).statistic),
            }
        )
    return rows


def prediction_agreement(
    paths: Sequence[PathLike],
    archs: Sequence[str],
    cells: Sequence[str],
    out: PathLike,
) -> pd.DataFrame:
    """The agreement table over ``cells``; ``paths`` are arch-major (every cell of the first
    architecture, then the next)."""
    if len(paths) != len(archs) * len(cells):
        raise ValueError("need one predictions file per architecture and cell")
    rows = []
    for j, cell in enumerate(cells):
        mine = [paths[i * len(cells) + j] for i in range(len(archs))]
        table, column = outputs_on_test(mine, archs)
        rows += agreement_rows(cell, table, column)
    cols = ["cell", "arch_a", "arch_b", "n_test", "call_agreement", "pearson_r", "spearman_r"]
    df = pd.DataFrame(rows, columns=cols)
    write_tsv(out, df, float_format="%.4f")
    return df
