"""Figures of the cross-cell evaluation: transfer heatmap, experiments box plot, scatter."""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.cluster import hierarchy  # noqa: E402

from deepchrome2.crosscell.summary import BASELINE  # noqa: E402
from deepchrome2.errors import InputError  # noqa: E402
from deepchrome2.plots.per_cell import LABELS  # noqa: E402
from deepchrome2.plots.registry import FigureJob  # noqa: E402
from deepchrome2.plots.save import save_figure  # noqa: E402

PathLike = str | os.PathLike[str]


def _read(path: PathLike) -> pd.DataFrame:
    try:
        return pd.read_csv(path, sep="\t", dtype={"train_cell": str, "test_cell": str})
    except (OSError, ValueError) as err:
        raise InputError(path, f"cannot read table: {err}") from err


def cluster_order(matrix: pd.DataFrame) -> list[str]:
    """Cells ordered by average-linkage clustering of their transfer profiles.

    A cell's profile is its row (as training cell) next to its column (as test cell), so that
    one order serves both axes and the diagonal stays the diagonal.
    """
    cells = list(matrix.index)
    if len(cells) < 3:
        return cells
    profile = np.hstack([matrix.to_numpy(), matrix.to_numpy().T])
    link = hierarchy.linkage(profile, method="average", metric="euclidean")
    link = hierarchy.optimal_leaf_ordering(link, profile)
    return [cells[i] for i in hierarchy.leaves_list(link)]


def transfer_heatmap(
    table: pd.DataFrame, arch: str, pdf: PathLike, png: PathLike, metric: str = "auroc"
) -> None:
    """Train cell x test cell AUROC (or ``metric``), in hierarchical-clustering order."""
    label = LABELS.get(metric, metric)
    sub = table[table["arch"] == arch]
    if sub.empty:
        raise ValueError(f"no transfer rows for architecture {arch}")
    wide = sub.pivot(index="train_cell", columns="test_cell", values=metric)
    cells = sorted(set(wide.index) | set(wide.columns))
    wide = wide.reindex(index=cells, columns=cells)
    order = cluster_order(wide.fillna(wide.mean().mean()))
    wide = wide.reindex(index=order, columns=order)
    n = len(order)
    size = 2.5 + 0.42 * n
    fig, ax = plt.subplots(figsize=(size + 1.2, size))
    im = ax.imshow(wide.to_numpy(), cmap="viridis", aspect="equal")
    groups = {}
    if "train_group" in sub.columns:
        groups = dict(zip(sub["train_cell"], sub["train_group"], strict=False))
    labels = [f"{c} ({groups[c]})" if c in groups else c for c in order]
    ax.set_xticks(range(n), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(n), labels, fontsize=7)
    if n <= 16:
        vals = wide.to_numpy()
        mid = np.nanmean(vals)
        for i in range(n):
            for j in range(n):
                if np.isfinite(vals[i, j]):
                    color = "white" if vals[i, j] < mid else "black"
                    ax.text(
                        j, i, f"{vals[i, j]:.3f}", ha="center", va="center", fontsize=6, color=color
                    )
    ax.set_xlabel("test cell (its test genes)")
    ax.set_ylabel("training cell (its model)")
    ax.set_title(f"{arch}: cross-cell test {label}")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label=label)
    save_figure(fig, pdf, png)


def experiments_box(
    table: pd.DataFrame,
    pdf: PathLike,
    png: PathLike,
    experiments: Sequence[str],
    architectures: Sequence[str],
    metric: str = "auroc",
) -> None:
    """AUROC (or ``metric``) per experiment (one box over target cells), a panel per arch."""
    order = [BASELINE, *[e for e in experiments if e != BASELINE]]
    archs = [a for a in architectures if a in set(table["arch"])]
    fig, axes = plt.subplots(
        1,
        len(archs),
        figsize=(1.2 + 0.6 * len(order) * len(archs), 4.2),
        squeeze=False,
        sharey=True,
    )
    rng = np.random.default_rng(0)
    for ax, arch in zip(axes[0], archs, strict=True):
        sub = table[table["arch"] == arch]
        present = [e for e in order if e in set(sub["experiment"])]
        # NA rows (empty training sets) have no point
        data = [sub.loc[sub["experiment"] == e, metric].dropna().to_numpy() for e in present]
        ax.boxplot(data, widths=0.6, showfliers=False)
        for i, vals in enumerate(data, start=1):
            ax.scatter(i + rng.uniform(-0.15, 0.15, len(vals)), vals, s=10, color="k", zorder=3)
        ax.set_xticks(range(1, len(present) + 1), present, rotation=45, ha="right", fontsize=8)
        ax.set_title(arch)
        ax.grid(axis="y", alpha=0.3)
    axes[0, 0].set_ylabel(f"test {LABELS.get(metric, metric)} on the target cell")
    fig.tight_layout()
    save_figure(fig, pdf, png)


def within_vs_exclusive(
    table: pd.DataFrame,
    pdf: PathLike,
    png: PathLike,
    architectures: Sequence[str],
    metric: str = "auroc",
) -> None:
    """Per target cell: per-cell (within-cell) AUROC vs exclusive_all AUROC (or ``metric``)."""
    label = LABELS.get(metric, metric)
    wide = table.pivot_table(
        index=["arch", "target_cell"], columns="experiment", values=metric
    ).reset_index()
    if "exclusive_all" not in wide.columns or BASELINE not in wide.columns:
        raise ValueError("the scatter needs exclusive_all and per-cell AUROC")
    wide = wide.dropna(subset=["exclusive_all", BASELINE])
    fig, ax = plt.subplots(figsize=(5.0, 4.4))
    markers = "osD^v<>Ph*X"
    archs = [a for a in architectures if a in set(wide["arch"])]
    for i, arch in enumerate(archs):
        g = wide[wide["arch"] == arch]
        ax.scatter(
            g[BASELINE],
            g["exclusive_all"],
            s=22,
            marker=markers[i % len(markers)],
            color=f"C{i % 10}",
            label=arch,
            zorder=3,
        )
        for row in g.itertuples():
            ax.annotate(
                row.target_cell,
                (getattr(row, BASELINE), row.exclusive_all),
                fontsize=6,
                xytext=(2, 2),
                textcoords="offset points",
            )
    vals = wide[[BASELINE, "exclusive_all"]].to_numpy()
    lo, hi = float(np.min(vals)) - 0.01, float(np.max(vals)) + 0.01
    ax.plot([lo, hi], [lo, hi], color="grey", lw=1, ls="--", label="y = x")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel(f"within-cell {label} (model of the cell itself)")
    ax.set_ylabel(f"exclusive_all {label} (all other cells pooled)")
    ax.legend(fontsize=7, loc="lower right")
    save_figure(fig, pdf, png)


def _table(job: FigureJob) -> tuple[pd.DataFrame, str]:
    """The figure's table and the target's metric (auroc, or pearson_r for log_rpkm)."""
    df = _read(job.input["table"])
    return df, "auroc" if "auroc" in df.columns else "pearson_r"


def draw_crosscell_heatmap(job: FigureJob) -> None:
    """The clustered transfer matrix of one architecture."""
    df, metric = _table(job)
    transfer_heatmap(df, job.wildcards["arch"], job.pdf, job.png, metric)


def draw_crosscell_experiments(job: FigureJob) -> None:
    """Test metric per training-set experiment and architecture."""
    df, metric = _table(job)
    p = job.params
    experiments_box(df, job.pdf, job.png, p["experiments"], p["architectures"], metric)


def draw_crosscell_within_vs_exclusive(job: FigureJob) -> None:
    """Within-cell against exclusive_all test metric, per target cell."""
    df, metric = _table(job)
    within_vs_exclusive(df, job.pdf, job.png, job.params["architectures"], metric)
