"""Training sets of the DeepChrome 2.0 cross-cell experiments, per target cell.

For a target cell X the other cells are ranked by the Pearson correlation of their expression
(log RPKM) with X's, over the shared split's TRAINING genes only, so that the choice of cells
never looks at a test gene. Experiments:

- ``inclusive_all`` / ``exclusive_all``: every cell, with / without X;
- ``{inclusive,exclusive}_high``: the k most correlated other cells (+ X for inclusive);
- ``{inclusive,exclusive}_somewhat``: the k cells around the middle of the ranking;
- ``{inclusive,exclusive}_random``: k other cells drawn with a seed derived from
  (config seed, X), so that the inclusive and exclusive sets of X hold the same k cells;
- ``test_on_rest``: trained on X alone, evaluated on every other cell (read from the transfer
  matrix; nothing is trained for it).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from deepchrome2.errors import InputError
from deepchrome2.io import load_labels, load_split, write_tsv

PathLike = str | os.PathLike[str]

TRAINED = (
    "inclusive_all",
    "exclusive_all",
    "inclusive_high",
    "exclusive_high",
    "inclusive_somewhat",
    "exclusive_somewhat",
    "inclusive_random",
    "exclusive_random",
)
EXPERIMENTS = (*TRAINED, "test_on_rest")
K_BASED = tuple(e for e in TRAINED if not e.endswith("_all"))
SEP = ","


def expression_matrix(
    labels: Mapping[str, PathLike], split: PathLike, subset: str = "train"
) -> pd.DataFrame:
    """log RPKM, genes of split ``subset`` x cells (columns in the order of ``labels``)."""
    sp = load_split(split)
    keep = set(sp.loc[sp["split"] == subset, "gene_id"])
    cols = {}
    for cell, path in labels.items():
        df = load_labels(path)
        s = df.loc[df["gene_id"].isin(keep)].set_index("gene_id")["log_rpkm"]
        if s.index.duplicated().any():
            raise InputError(path, "a gene is listed twice")
        if s.isna().any():
            raise InputError(path, "column log_rpkm has missing values")
        cols[cell] = s
    expr = pd.DataFrame(cols).dropna()
    if len(expr) < 3:
        raise InputError(split, f"only {len(expr)} '{subset}' genes shared by all cells")
    return expr


def correlation_matrix(expr: pd.DataFrame) -> pd.DataFrame:
    """Pearson correlation of the cells' expression (cells x cells)."""
    corr = np.corrcoef(expr.to_numpy(dtype=np.float64), rowvar=False)
    corr = np.atleast_2d(corr)
    return pd.DataFrame(corr, index=expr.columns, columns=expr.columns)


def ranking(corr: pd.DataFrame, target: str) -> list[str]:
    """The other cells, most correlated with ``target`` first (ties broken by cell ID)."""
    others = [c for c in corr.columns if c != target]
    return sorted(others, key=lambda c: (-float(corr.loc[target, c]), c))


def middle(ranked: Sequence[str], k: int) -> list[str]:
    """The ``k`` entries around the middle of ``ranked``."""
    start = (len(ranked) - k) // 2
    return list(ranked[start : start + k])


def random_cells(others: Sequence[str], k: int, seed: int, target: str) -> list[str]:
    """``k`` of ``others`` drawn with a seed of (``seed``, ``target``), in ranking order."""
    rng = np.random.default_rng([seed, zlib.crc32(target.encode())])
    pick = set(rng.choice(sorted(others), size=k, replace=False).tolist())
    return [c for c in others if c in pick]


def training_cells(
    experiment: str, target: str, corr: pd.DataFrame, k: int, seed: int
) -> list[str]:
    """The cells whose training genes are pooled for ``experiment`` on ``target``."""
    if experiment not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {experiment!r}; valid: {', '.join(EXPERIMENTS)}")
    if experiment == "test_on_rest":
        return [target]
    ranked = ranking(corr, target)
    how = experiment.split("_", 1)[1]
    if how != "all" and not 1 <= k <= len(ranked):
        raise ValueError(f"k={k} but {target} has {len(ranked)} other cells")
    if how == "all":
        chosen = ranked
    elif how == "high":
        chosen = ranked[:k]
    elif how == "somewhat":
        chosen = middle(ranked, k)
    else:
        chosen = random_cells(ranked, k, seed, target)
    cells = [target, *chosen] if experiment.startswith("inclusive") else list(chosen)
    order = list(corr.columns)  # pooled order: cohort order, whatever the ranking
    return sorted(cells, key=order.index)


def build_sets(
    corr: pd.DataFrame,
    targets: Sequence[str],
    experiments: Sequence[str],
    k: int,
    seed: int,
) -> pd.DataFrame:
    """One row per (target, experiment): its training cells and their correlation with X."""
    rows = []
    for target in targets:
        if target not in corr.columns:
            raise ValueError(f"target cell {target} is not in the cohort {list(corr.columns)}")
        for exp in experiments:
            cells = training_cells(exp, target, corr, k, seed)
            others = [c for c in cells if c != target]
            rows.append(
                {
                    "target_cell": target,
                    "experiment": exp,
                    "n_train_cells": len(cells),
                    "includes_target": target in cells,
                    "train_cells": SEP.join(cells),
                    "evaluated_on": "other cells" if exp == "test_on_rest" else target,
                    "mean_correlation": (
                        float(corr.loc[target, others].mean()) if others else np.nan
                    ),
                }
            )
    return pd.DataFrame(rows)


def write_sets(
    labels: Mapping[str, PathLike],
    split: PathLike,
    sets_out: PathLike,
    corr_out: PathLike,
    targets: Sequence[str],
    experiments: Sequence[str],
    k: int,
    seed: int,
) -> pd.DataFrame:
    """Write ``sets.tsv`` and the expression-correlation matrix; return the sets."""
    corr = correlation_matrix(expression_matrix(labels, split))
    sets = build_sets(corr, targets, experiments, k, seed)
    write_tsv(corr_out, corr.rename_axis("cell").reset_index(), float_format="%.6f")
    write_tsv(sets_out, sets, float_format="%.6f")
    return sets


def read_sets(path: PathLike) -> pd.DataFrame:
    """Read ``sets.tsv`` (``train_cells`` stays the comma-joined string)."""
    try:
        df = pd.read_csv(path, sep="\t", dtype={"target_cell": str, "train_cells": str})
    except FileNotFoundError as err:
        raise InputError(path, "sets table not found") from err
    need = {"target_cell", "experiment", "train_cells"}
    if need - set(df.columns):
        raise InputError(path, f"sets table lacks columns {sorted(need - set(df.columns))}")
    return df


def cells_of(
    sets: pd.DataFrame, experiment: str, target: str, path: PathLike = "sets"
) -> list[str]:
    """Training cells of one (experiment, target) row of a sets table."""
    row = sets[(sets["experiment"] == experiment) & (sets["target_cell"] == target)]
    if len(row) != 1:
        raise InputError(path, f"{len(row)} rows for experiment {experiment}, target {target}")
    return str(row["train_cells"].iloc[0]).split(SEP)
