"""Tables over all ``rule train`` jobs: per-cell AUROC, per-architecture summary, Finding 1.

Every table follows the target's headline metric (``metric``): test AUROC for the class target,
Pearson r of predicted against true log RPKM for the regression target.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from deepchrome2 import paper
from deepchrome2.errors import InputError
from deepchrome2.io import read_metrics_json, write_tsv

PathLike = str | os.PathLike[str]

# Secondary test metrics shown in the per-architecture table, by headline metric.
SECONDARY = {"auroc": ("auprc", "accuracy"), "pearson_r": ("spearman_r", "mse")}


def collect_metrics(paths: Iterable[PathLike], metric: str = "auroc") -> pd.DataFrame:
    """One row per (arch, cell) from the jobs' ``metrics.json`` files."""
    return pd.DataFrame(read_metrics_json(paths, ["arch", "cell", metric]))


# The simulator's reference AUROCs (deepchrome2.data.simulate.reference), ceiling first.
REFERENCES = ("oracle_auroc", "chromatin_auroc", "bayes_auroc")


def load_oracle(path: PathLike, metric: str = "auroc") -> pd.DataFrame:
    """The simulator's per-cell reference table: cell and ``oracle_{metric}``; for AUROC also
    chromatin_auroc and bayes_auroc where the table has them."""
    col = f"oracle_{metric}"
    try:
        df = pd.read_csv(path, sep="\t", dtype={"cell": str})
    except FileNotFoundError as err:
        raise InputError(path, "oracle AUROC table not found") from err
    if not {"cell", col} <= set(df.columns):
        raise InputError(path, f"oracle table needs columns cell and {col}")
    refs = REFERENCES if metric == "auroc" else (col,)
    return df[["cell", *[r for r in refs if r in df.columns]]]


def _order(values: Iterable[str], order: Sequence[str] | None) -> list[str]:
    present = list(dict.fromkeys(values))
    if order is None:
        return present
    return [v for v in order if v in present] + [v for v in present if v not in order]


def per_cell_auroc(
    metrics: pd.DataFrame,
    oracle: pd.DataFrame | None = None,
    architectures: Sequence[str] | None = None,
    cells: Sequence[str] | None = None,
    metric: str = "auroc",
) -> pd.DataFrame:
    """Test AUROC (or ``metric``), cell x architecture, plus the reference table when given.

    With the AUROC references, each cell's best architecture (``best_arch``, ``best_auroc``)
    and its distance below the chromatin-state and Bayes-style references (``chromatin_gap``,
    ``bayes_gap``: reference minus best) follow.
    """
    wide = metrics.pivot(index="cell", columns="arch", values=metric)
    archs = _order(metrics["arch"], architectures)
    wide = wide.reindex(index=_order(metrics["cell"], cells), columns=archs)
    wide.columns.name = None
    out = wide.reset_index()
    if oracle is not None:
        out = out.merge(oracle, on="cell", how="left")
        refs = [r for r in REFERENCES[1:] if r in out.columns]
        if refs:
            scores = out[archs]
            out["best_arch"] = scores.idxmax(axis=1)
            out["best_auroc"] = scores.max(axis=1)
            for r in refs:
                out[r.replace("_auroc", "_gap")] = out[r] - out["best_auroc"]
    return out


def architecture_table(
    metrics: pd.DataFrame, architectures: Sequence[str] | None = None, metric: str = "auroc"
) -> pd.DataFrame:
    """Per architecture: parameters, AUROC (or ``metric``) mean/median/sd/min/max, the mean
    secondary metrics, mean epochs.

    ``n_parameters`` is the median over cells (it varies only for the random forest, whose
    count is its number of tree nodes). Timings are not in it, so that reruns give the same
    bytes: each job's wall and CPU time is in its benchmark file (benchmarks/train/).
    """
    g = metrics.groupby("arch", sort=False)
    m = g[metric]
    out = pd.DataFrame(
        {
            "n_cells": m.size(),
            "n_parameters": g["n_parameters"].median().round().astype("int64"),
            f"mean_{metric}": m.mean(),
            f"median_{metric}": m.median(),
            f"sd_{metric}": m.std(ddof=1),
            f"min_{metric}": m.min(),
            f"max_{metric}": m.max(),
            **{f"mean_{k}": g[k].mean() for k in SECONDARY.get(metric, ())},
            "mean_epochs": g["epochs"].mean(),
            "mean_best_epoch": g["best_epoch"].mean(),
        }
    )
    out = out.reindex(_order(metrics["arch"], architectures))
    out.index.name = "architecture"
    return out.reset_index()


def paired_comparison(
    metrics: pd.DataFrame, a: str = "deepchrome", b: str = "linear", metric: str = "auroc"
) -> dict:
    """Mean test-AUROC (or ``metric``) difference ``a - b`` over cells with paired Wilcoxon
    and t-tests."""
    wide = metrics.pivot(index="cell", columns="arch", values=metric)
    for arch in (a, b):
        if arch not in wide.columns:
            raise ValueError(f"no metrics for architecture '{arch}'")
    pair = wide[[a, b]].dropna()
    d = (pair[a] - pair[b]).to_numpy()
    n = len(d)
    row: dict = {
        "comparison": f"{a} - {b}",
        "n_cells": n,
        f"mean_{metric}_{a}": float(pair[a].mean()),
        f"mean_{metric}_{b}": float(pair[b].mean()),
        f"mean_delta_{metric}": float(d.mean()) if n else np.nan,
        f"median_delta_{metric}": float(np.median(d)) if n else np.nan,
        f"sd_delta_{metric}": float(d.std(ddof=1)) if n > 1 else np.nan,
        "ci95_low": np.nan,
        "ci95_high": np.nan,
        "n_cells_a_better": int((d > 0).sum()),
        "wilcoxon_stat": np.nan,
        "wilcoxon_p": np.nan,
        "ttest_t": np.nan,
        "ttest_p": np.nan,
    }
    if n > 1 and np.any(d != 0):
        from scipy import stats  # 1.3 CPU s to import: only where a test is run

        w = stats.wilcoxon(pair[a], pair[b])
        t = stats.ttest_rel(pair[a], pair[b])
        ci = t.confidence_interval(0.95)
        row.update(
            wilcoxon_stat=float(w.statistic),
            wilcoxon_p=float(w.pvalue),
            ttest_t=float(t.statistic),
            ttest_p=float(t.pvalue),
            ci95_low=float(ci.low),
            ci95_high=float(ci.high),
        )
    return row


def training_tables(
    metrics_paths: Sequence[PathLike],
    per_cell_out: PathLike,
    architectures_out: PathLike,
    oracle: PathLike | None = None,
    architectures: Sequence[str] | None = None,
    cells: Sequence[str] | None = None,
    reference: PathLike | None = None,
    metric: str = "auroc",
) -> None:
    """Write ``per_cell_{metric}.tsv`` and ``architectures.tsv``.

    With ``reference`` (DeepChrome 2.0's AUROC table) and the class target, each architecture
    that has a paper setting and shares cells with it gets a ``{arch}_paper`` column beside its
    own.
    """
    m = collect_metrics(metrics_paths, metric)
    orc = load_oracle(oracle, metric) if oracle else None
    wide = per_cell_auroc(m, orc, architectures, cells, metric)
    if reference is not None and metric == "auroc":
        wide = paper.with_paper_columns(
            wide, paper.per_cell_reference(m["arch"].unique(), None, reference)
        )
    write_tsv(per_cell_out, wide, float_format="%.4f")
    write_tsv(architectures_out, architecture_table(m, architectures, metric), float_format="%.4f")


def finding1(
    metrics_paths: Sequence[PathLike],
    out: PathLike,
    a: str = "deepchrome",
    baselines: Sequence[str] = ("linear",),
    metric: str = "auroc",
) -> pd.DataFrame:
    """Write Finding 1: one row per linear baseline, ``a`` - baseline test AUROC (or
    ``metric``) over cells, the baseline's mean under ``mean_{metric}_baseline``."""
    metrics = collect_metrics(metrics_paths, metric)
    rows = []
    for b in baselines:
        row = paired_comparison(metrics, a, b, metric)
        own = f"mean_{metric}_{b}"
        rows.append(
            {"comparison": row["comparison"], "baseline": b}
            | {(f"mean_{metric}_baseline" if k == own else k): v for k, v in row.items()}
        )
    table = pd.DataFrame(rows)
    write_tsv(out, table, float_format="%.6g")
    return table


def paper_comparison(
    metrics_paths: Sequence[PathLike],
    reference: PathLike,
    out: PathLike,
    architectures: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Write, per architecture with a DeepChrome 2.0 setting, our mean AUROC, the paper's,
    and the paired difference over the cells both have (:func:`deepchrome2.paper.comparison`)."""
    m = collect_metrics(metrics_paths)
    ref = paper.per_cell_reference(m["arch"].unique(), None, reference)
    table = paper.comparison(m, ref, _order(m["arch"], architectures))
    write_tsv(out, table, float_format="%.4f")
    return table
