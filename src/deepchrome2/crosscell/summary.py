"""Tables of the cross-cell experiments and Finding 3 (exclusive_all vs per-cell AUROC).

The per-cell baseline of a target cell X is the diagonal of the transfer matrix (X's own model
on X's test genes); ``test_on_rest`` of X is the mean AUROC of X's model over the other cells.
An experiment whose training set is empty for X has an NA row. Where the target cells are
DeepChrome 2.0's, each row of the paper's cross-cell network (``deepchrome_avgpool``) carries
the paper's AUROC of the same experiment and cell (``paper_auroc``), and the summary the
paper's mean and the paired difference; the other architectures' rows leave them empty. With the
``log_rpkm`` target every AUROC column is the test Pearson r instead (``metric``), and there
are no paper columns (the paper has no regression).
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


COLUMNS = ["arch", "experiment", "target_cell", "auroc", "n_train_cells", "train_cells"]


def columns(metric: str = "auroc") -> list[str]:
    """:data:`COLUMNS` with ``metric`` in place of ``auroc``."""
    return [metric if c == "auroc" else c for c in COLUMNS]


def read_experiments(paths: Sequence[PathLike], metric: str = "auroc") -> pd.DataFrame:
    """One row per (arch, experiment, target) from the training jobs' ``metrics.tsv``."""
    cols = columns(metric)
    frames = []
    for p in paths:
        try:
            df = pd.read_csv(p, sep="\t", dtype={"target_cell": str, "train_cells": str})
        except (OSError, ValueError) as err:
            raise InputError(p, f"cannot read metrics: {err}") from err
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise InputError(p, f"metrics lack {', '.join(missing)}")
        frames.append(df[cols])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def empty_rows(
    plan: pd.DataFrame, architectures: Sequence[str], metric: str = "auroc"
) -> pd.DataFrame:
    """NA rows of the experiments whose training set is empty, for every architecture."""
    empty = empty_sets(plan)
    rows = [
        {
            "arch": arch,
            "experiment": r.experiment,
            "target_cell": r.target_cell,
            metric: np.nan,
            "n_train_cells": 0,
            "train_cells": "",
        }
        for arch in architectures
        for r in empty.itertuples()
    ]
    return pd.DataFrame(rows, columns=columns(metric))


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
    return out[columns(metric)]


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
    """``table`` with ``paper_auroc`` and ``delta_vs_paper`` (ours - paper) on the rows of the
    paper's cross-cell network (:data:`deepchrome2.paper.CROSSCELL_ARCH`) whose target cell is
    one of the paper's, NaN on the other architectures' rows (the paper trained no other
    network across cells); unchanged when no row is such."""
    mine = table["arch"] == paper.CROSSCELL_ARCH
    if reference is None or not set(table.loc[mine, "target_cell"]) & set(reference["test_cell"]):
        return table
    out = table.copy()
    out["paper_auroc"] = paper_values(table, cohort, reference).where(mine)
    out["delta_vs_paper"] = out["auroc"] - out["paper_auroc"]
    return out


def summary_table(
    table: pd.DataFrame, reference: pd.DataFrame | None = None, metric: str = "auroc"
) -> pd.DataFrame:
    """Per (arch, experiment): mean/median AUROC next to the per-cell baseline of the same
    target cells, and the mean paired difference; NA rows (empty training sets) are counted
    apart. With ``paper_auroc`` in ``table``, on the rows of the paper's cross-cell network:
    the paper's mean over all its cells of that setting, and the paired difference ours -
    paper over the cells both have. ``metric``
    names the column summarised (``pearson_r`` for the log_rpkm target)."""
    rows = []
    has_paper = "paper_auroc" in table.columns
    for (arch, exp), g in table.groupby(["arch", "experiment"], sort=False):
        base = table[(table["arch"] == arch) & (table["experiment"] == BASELINE)]
        ok = g[g[metric].notna()]
        pair = ok.merge(base, on="target_cell", suffixes=("", "_base"))
        d = pair[metric] - pair[f"{metric}_base"]
        row = {
            "arch": arch,
            "experiment": exp,
            "n_cells": len(ok),
            "n_empty_sets": int(g[metric].isna().sum()),
            f"mean_{metric}": ok[metric].mean(),
            f"median_{metric}": ok[metric].median(),
            f"sd_{metric}": ok[metric].std(ddof=1) if len(ok) > 1 else np.nan,
            f"per_cell_mean_{metric}": pair[f"{metric}_base"].mean(),
            f"per_cell_median_{metric}": pair[f"{metric}_base"].median(),
            f"mean_delta_{metric}": d.mean(),
            "n_cells_better": int((d > 0).sum()),
        }
        if has_paper and arch == paper.CROSSCELL_ARCH:
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


def finding3_comparison(
    table: pd.DataFrame, architectures: Sequence[str], metric: str = "auroc"
) -> pd.DataFrame:
    """Per architecture: mean ΔAUROC (or Δ``metric``; exclusive_all − per-cell) with paired
    Wilcoxon and t-tests over target cells."""
    rows = []
    for arch in architectures:
        sub = table[table["arch"] == arch].rename(columns={"target_cell": "cell"})
        sub = sub.drop(columns="arch").rename(columns={"experiment": "arch"})
        if not {"exclusive_all", BASELINE} <= set(sub["arch"]):
            raise ValueError(f"finding 3 needs exclusive_all and per-cell AUROC for {arch}")
        pair = paired_comparison(sub, "exclusive_all", BASELINE, metric)
        rows.append({"architecture": arch, **pair})
    return pd.DataFrame(rows)


def crosscell_tables(
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
    metric: str = "auroc",
) -> pd.DataFrame:
    """Write ``crosscell_experiments.tsv`` (with NA rows for empty training sets and the
    paper's AUROC beside ours where the cells are the paper's) and its summary; with
    ``metric`` ``pearson_r`` (the log_rpkm target) the table holds r and no paper columns."""
    trained = pd.concat(
        [read_experiments(metrics, metric), empty_rows(read_plan(plan), architectures, metric)],
        ignore_index=True,
    )
    table = experiments_table(
        read_matrix(matrices, metric), trained, experiments, targets, architectures, metric
    )
    ref = paper.load_reference(reference) if reference is not None and metric == "auroc" else None
    table = with_paper(table, cohort, ref)
    write_tsv(experiments_out, table, float_format="%.6f")
    write_tsv(summary_out, summary_table(table, ref, metric), float_format="%.6f")
    return table


def finding3(
    table: PathLike, out: PathLike, architectures: Sequence[str], metric: str = "auroc"
) -> pd.DataFrame:
    """Write Finding 3 from ``crosscell_experiments.tsv``."""
    try:
        df = pd.read_csv(table, sep="\t", dtype={"target_cell": str})
    except (OSError, ValueError) as err:
        raise InputError(table, f"cannot read experiments table: {err}") from err
    res = finding3_comparison(df, architectures, metric)
    write_tsv(out, res, float_format="%.6g")
    return res
