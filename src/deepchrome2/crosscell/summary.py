"""Tables of the cross-cell experiments and Finding 3 (exclusive_all vs per-cell AUROC).

The per-cell baseline of a target cell X is the diagonal of the transfer matrix (X's own model
on X's test genes); ``test_on_rest`` of X is the mean AUROC of X's model over the other cells.
An experiment whose training set is empty for X has an NA row. Where the target cells are
DeepChrome 2.0's, each row carries the paper's AUROC of the same experiment and cell
(``paper_auroc``), and the summary the paper's mean and the paired difference.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from deepchrome2 import paper
from deepchrome2.crosscell.sets import empty_sets, read_plan
from deepchrome2.errors import InputError
from deepchrome2.io import write_tsv
from deepchrome2.training.summary import paired_comparison

PathLike = str | os.PathLike[str]
BASELINE = "per_cell"


def read_matrix(paths: Sequence[PathLike]) -> pd.DataFrame:
    """The gathered ``cross_cell_{arch}.tsv`` tables, concatenated."""
    frames = []
    for p in paths:
        try:
            df = pd.read_csv(p, sep="\t", dtype={"train_cell": str, "test_cell": str})
        except (OSError, ValueError) as err:
            raise InputError(p, f"cannot read transfer matrix: {err}") from err
        if {"arch", "train_cell", "test_cell", "auroc"} - set(df.columns):
            raise InputError(p, "needs columns arch, train_cell, test_cell, auroc")
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


COLUMNS = ["arch", "experiment", "target_cell", "auroc", "n_train_cells", "train_cells"]


def read_experiments(paths: Sequence[PathLike]) -> pd.DataFrame:
    """One row per (arch, experiment, target) from the training jobs' ``metrics.tsv``."""
    frames = []
    for p in paths:
        try:
            df = pd.read_csv(p, sep="\t", dtype={"target_cell": str, "train_cells": str})
        except (OSError, ValueError) as err:
            raise InputError(p, f"cannot read metrics: {err}") from err
        missing = [c for c in COLUMNS if c not in df.columns]
        if missing:
            raise InputError(p, f"metrics lack {', '.join(missing)}")
        frames.append(df[COLUMNS])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def empty_rows(plan: pd.DataFrame, architectures: Sequence[str]) -> pd.DataFrame:
    """NA rows of the experiments whose training set is empty, for every architecture."""
    empty = empty_sets(plan)
    rows = [
        {
            "arch": arch,
            "experiment": r.experiment,
            "target_cell": r.target_cell,
            "auroc": np.nan,
            "n_train_cells": 0,
            "train_cells": "",
        }
        for arch in architectures
        for r in empty.itertuples()
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def from_matrix(matrix: pd.DataFrame) -> pd.DataFrame:
    """Per (arch, cell): the per-cell baseline and ``test_on_rest`` rows."""
    same = matrix["train_cell"] == matrix["test_cell"]
    base = matrix.loc[same, ["arch", "train_cell", "auroc"]].assign(
        experiment=BASELINE, n_train_cells=1
    )
    base["train_cells"] = base["train_cell"]
    rest = (
        matrix.loc[~same]
        .groupby(["arch", "train_cell"], sort=False)["auroc"]
        .mean()
        .reset_index()
        .assign(experiment="test_on_rest", n_train_cells=1)
    )
    rest["train_cells"] = rest["train_cell"]
    out = pd.concat([base, rest], ignore_index=True).rename(columns={"train_cell": "target_cell"})
    return out[["arch", "experiment", "target_cell", "auroc", "n_train_cells", "train_cells"]]


def experiments_table(
    matrix: pd.DataFrame,
    trained: pd.DataFrame,
    experiments: Sequence[str],
    targets: Sequence[str],
    architectures: Sequence[str],
) -> pd.DataFrame:
    """experiment x target cell x architecture AUROC, the per-cell baseline included."""
    df = pd.concat([from_matrix(matrix), trained], ignore_index=True)
    order = [BASELINE, *experiments]
    df = df[df["experiment"].isin(order) & df["target_cell"].isin(targets)]
    df = df[df["arch"].isin(architectures)].copy()
    dup = df.duplicated(["arch", "experiment", "target_cell"])
    if dup.any():
        r = df[dup].iloc[0]
        raise ValueError(f"two results for {r['arch']} {r['experiment']} on {r['target_cell']}")
    df["_a"] = df["arch"].map(list(architectures).index)
    df["_e"] = df["experiment"].map(order.index)
    df["_c"] = df["target_cell"].map(list(targets).index)
    return (
        df.sort_values(["_a", "_e", "_c"]).drop(columns=["_a", "_e", "_c"]).reset_index(drop=True)
    )


def paper_values(table: pd.DataFrame, cohort: Sequence[str], reference: pd.DataFrame) -> pd.Series:
    """DeepChrome 2.0's AUROC of each row's experiment and target cell (NaN where the paper
    has none). ``test_on_rest`` is the paper's mean over the other cells of our cohort that it
    also scored; the per-cell baseline has no cross-cell counterpart and stays NaN."""
    ref = reference[reference["setting"].isin(paper.CROSSCELL_SETTINGS)]
    own = ref[ref["setting"] != "test_on_rest"]
    # inclusive_all has no model cell in the paper (one model for all): key it by test cell
    own_by = own.set_index(["setting", "test_cell"])["test_auroc"]
    rest = ref[(ref["setting"] == "test_on_rest") & ref["test_cell"].isin(list(cohort))]
    rest = rest[rest["model_cell"] != rest["test_cell"]]
    rest_by = rest.groupby("model_cell")["test_auroc"].mean()
    out = []
    for exp, cell in zip(table["experiment"], table["target_cell"], strict=True):
        if exp == "test_on_rest":
            out.append(rest_by.get(cell, np.nan))
        else:
            out.append(own_by.get((exp, cell), np.nan))
    return pd.Series(out, index=table.index, dtype=float)


def with_paper(
    table: pd.DataFrame, cohort: Sequence[str], reference: pd.DataFrame | None
) -> pd.DataFrame:
    """``table`` with ``paper_auroc`` and ``delta_vs_paper`` (ours - paper) when any target
    cell is one of the paper's; unchanged otherwise."""
    if reference is None or not set(table["target_cell"]) & set(reference["test_cell"]):
        return table
    out = table.copy()
    out["paper_auroc"] = paper_values(table, cohort, reference)
    out["delta_vs_paper"] = out["auroc"] - out["paper_auroc"]
    return out


def summary_table(table: pd.DataFrame, reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per (arch, experiment): mean/median AUROC next to the per-cell baseline of the same
    target cells, and the mean paired difference; NA rows (empty training sets) are counted
    apart. With ``paper_auroc`` in ``table``: the paper's mean over all its cells of that
    setting, and the paired difference ours - paper over the cells both have."""
    rows = []
    has_paper = "paper_auroc" in table.columns
    for (arch, exp), g in table.groupby(["arch", "experiment"], sort=False):
        base = table[(table["arch"] == arch) & (table["experiment"] == BASELINE)]
        ok = g[g["auroc"].notna()]
        pair = ok.merge(base, on="target_cell", suffixes=("", "_base"))
        d = pair["auroc"] - pair["auroc_base"]
        row = {
            "arch": arch,
            "experiment": exp,
            "n_cells": len(ok),
            "n_empty_sets": int(g["auroc"].isna().sum()),
            "mean_auroc": ok["auroc"].mean(),
            "median_auroc": ok["auroc"].median(),
            "sd_auroc": ok["auroc"].std(ddof=1) if len(ok) > 1 else np.nan,
            "per_cell_mean_auroc": pair["auroc_base"].mean(),
            "per_cell_median_auroc": pair["auroc_base"].median(),
            "mean_delta_auroc": d.mean(),
            "n_cells_better": int((d > 0).sum()),
        }
        if has_paper:
            both = ok[ok["paper_auroc"].notna()]
            diff = both["auroc"] - both["paper_auroc"]
            ref = reference if reference is not None else paper.load_reference()
            all_paper = paper_mean(ref, exp)
            row.update(
                {
                    "paper_n_cells": all_paper[0],
                    "paper_mean_auroc": all_paper[1],
                    "n_shared": len(both),
                    "mean_auroc_shared": both["auroc"].mean(),
                    "paper_mean_auroc_shared": both["paper_auroc"].mean(),
                    "mean_diff_vs_paper": diff.mean(),
                    "sd_diff_vs_paper": diff.std(ddof=1) if len(diff) > 1 else np.nan,
                }
            )
        rows.append(row)
    return pd.DataFrame(rows)


def paper_mean(reference: pd.DataFrame, experiment: str) -> tuple[int, float]:
    """(cells, mean AUROC) of the paper's ``experiment`` over all of its cells (for
    ``test_on_rest``, per model cell the mean over the other cells); (0, NaN) if none."""
    ref = reference[reference["setting"] == experiment]
    if ref.empty:
        return 0, np.nan
    if experiment == "test_on_rest":
        per = ref[ref["model_cell"] != ref["test_cell"]].groupby("model_cell")["test_auroc"].mean()
        return len(per), float(per.mean())
    return len(ref), float(ref["test_auroc"].mean())


def finding3(table: pd.DataFrame, architectures: Sequence[str]) -> pd.DataFrame:
    """Per architecture: mean ΔAUROC (exclusive_all − per-cell) with paired Wilcoxon and
    t-tests over target cells."""
    rows = []
    for arch in architectures:
        sub = table[table["arch"] == arch].rename(columns={"target_cell": "cell"})
        sub = sub.drop(columns="arch").rename(columns={"experiment": "arch"})
        if not {"exclusive_all", BASELINE} <= set(sub["arch"]):
            raise ValueError(f"finding 3 needs exclusive_all and per-cell AUROC for {arch}")
        rows.append({"architecture": arch, **paired_comparison(sub, "exclusive_all", BASELINE)})
    return pd.DataFrame(rows)


def write_tables(
    matrices: Sequence[PathLike],
    metrics: Sequence[PathLike],
    plan: PathLike,
    experiments_out: PathLike,
    summary_out: PathLike,
    experiments: Sequence[str],
    targets: Sequence[str],
    architectures: Sequence[str],
    cohort: Sequence[str],
    reference: PathLike | None = paper.REFERENCE,
) -> pd.DataFrame:
    """Write ``crosscell_experiments.tsv`` (with NA rows for empty training sets and the
    paper's AUROC beside ours where the cells are the paper's) and its summary."""
    trained = pd.concat(
        [read_experiments(metrics), empty_rows(read_plan(plan), architectures)],
        ignore_index=True,
    )
    table = experiments_table(read_matrix(matrices), trained, experiments, targets, architectures)
    ref = paper.load_reference(reference) if reference is not None else None
    table = with_paper(table, cohort, ref)
    write_tsv(experiments_out, table, float_format="%.6f")
    write_tsv(summary_out, summary_table(table, ref), float_format="%.6f")
    return table


def write_finding3(table: PathLike, out: PathLike, architectures: Sequence[str]) -> pd.DataFrame:
    """Write Finding 3 from ``crosscell_experiments.tsv``."""
    try:
        df = pd.read_csv(table, sep="\t", dtype={"target_cell": str})
    except (OSError, ValueError) as err:
        raise InputError(table, f"cannot read experiments table: {err}") from err
    res = finding3(df, architectures)
    write_tsv(out, res, float_format="%.6g")
    return res
