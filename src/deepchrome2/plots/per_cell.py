"""Figures over the per-cell training results (one function per figure, PDF and PNG)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from deepchrome2.plots.registry import FigureJob  # noqa: E402
from deepchrome2.plots.save import save_figure  # noqa: E402
from deepchrome2.training.summary import collect_metrics, load_oracle  # noqa: E402

PathLike = str | os.PathLike[str]


def _arch_order(metrics: pd.DataFrame, order: Sequence[str] | None) -> list[str]:
    present = list(dict.fromkeys(metrics["arch"]))
    return [a for a in order if a in present] if order else present


LABELS = {"auroc": "AUROC", "pearson_r": "Pearson r"}


def auroc_by_architecture(
    metrics: pd.DataFrame,
    pdf: PathLike,
    png: PathLike,
    order: Sequence[str] | None = None,
    metric: str = "auroc",
) -> None:
    """Test AUROC (or ``metric``) per architecture: a box over cells plus one point per cell."""
    archs = _arch_order(metrics, order)
    label = LABELS.get(metric, metric)
    data = [metrics.loc[metrics["arch"] == a, metric].to_numpy() for a in archs]
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * len(archs), 4))
    ax.boxplot(data, widths=0.6, showfliers=False)
    rng = np.random.default_rng(0)
    for i, vals in enumerate(data, start=1):
        ax.scatter(i + rng.uniform(-0.15, 0.15, len(vals)), vals, s=14, color="k", zorder=3)
    ax.set_xticks(range(1, len(archs) + 1), archs, rotation=40, ha="right")
    ax.set_ylabel(f"test {label}")
    ax.set_title(f"{label} by architecture (one point per cell)")
    ax.grid(axis="y", alpha=0.3)
    save_figure(fig, pdf, png)


def scatter_pair(
    metrics: pd.DataFrame,
    pdf: PathLike,
    png: PathLike,
    xs: Sequence[str] = ("linear",),
    y: str = "deepchrome",
    metric: str = "auroc",
) -> None:
    """Per-cell test AUROC (or ``metric``) of architecture ``y`` against each of ``xs`` (one
    colour each), with y = x."""
    wide = metrics.pivot(index="cell", columns="arch", values=metric)
    label = LABELS.get(metric, metric)
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    lo, hi = np.inf, -np.inf
    for i, x in enumerate(xs):
        pair = wide[[x, y]].dropna()
        ax.scatter(pair[x], pair[y], s=22, color=f"C{i}", zorder=3, label=x)
        for cell, row in pair.iterrows():
            ax.annotate(
                cell, (row[x], row[y]), fontsize=7, xytext=(3, 3), textcoords="offset points"
            )
        lo, hi = min(lo, float(pair.min().min())), max(hi, float(pair.max().max()))
    lo, hi = lo - 0.01, hi + 0.01
    ax.plot([lo, hi], [lo, hi], color="grey", lw=1, ls="--", label="y = x")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel(f"{xs[0] if len(xs) == 1 else 'linear model'} test {label}")
    ax.set_ylabel(f"{y} test {label}")
    ax.legend(loc="lower right", fontsize=8)
    save_figure(fig, pdf, png)


def representative_cells(metrics: pd.DataFrame, metric: str = "auroc") -> dict[str, str]:
    """For each architecture, the cell whose test AUROC (or ``metric``) is closest to its
    median."""
    out = {}
    for arch, g in metrics.groupby("arch", sort=False):
        dist = (g[metric] - g[metric].median()).abs()
        out[arch] = g.loc[dist.idxmin(), "cell"]
    return out


def training_curves(
    metrics: pd.DataFrame,
    histories: Mapping[tuple[str, str], pd.DataFrame],
    pdf: PathLike,
    png: PathLike,
    order: Sequence[str] | None = None,
    metric: str = "auroc",
) -> None:
    """Validation AUROC (or ``metric``) and training loss per epoch, one panel per architecture.

    Each panel shows the architecture's representative cell (median test AUROC); the restored
    best epoch is marked. Models fitted without epochs (scikit-learn) show a single point.
    """
    archs = _arch_order(metrics, order)
    rep = representative_cells(metrics, metric)
    label = f"valid {LABELS.get(metric, metric)}"
    ncol = min(4, len(archs))
    nrow = int(np.ceil(len(archs) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.6 * nrow), squeeze=False)
    for ax in axes.flat[len(archs) :]:
        ax.set_visible(False)
    for ax, arch in zip(axes.flat, archs, strict=False):
        cell = rep[arch]
        h = histories[(arch, cell)]
        best = int(
            metrics.loc[(metrics["arch"] == arch) & (metrics["cell"] == cell)].iloc[0]["best_epoch"]
        )
        ax.plot(h["epoch"], h[f"valid_{metric}"], marker="o", ms=3, color="C0", label=label)
        ax.axvline(best, color="C3", ls=":", lw=1, label="restored epoch")
        ax.set_title(f"{arch} ({cell})", fontsize=9)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label, color="C0")
        ax2 = ax.twinx()
        ax2.plot(h["epoch"], h["train_loss"], color="C1", lw=1, label="train loss")
        ax2.set_ylabel("train loss", color="C1")
    handles = [
        plt.Line2D([], [], color="C0", marker="o", ms=3, label=label),
        plt.Line2D([], [], color="C1", label="train loss"),
        plt.Line2D([], [], color="C3", ls=":", label="restored (best) epoch"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    save_figure(fig, pdf, png)


def auroc_vs_oracle(
    metrics: pd.DataFrame,
    oracle: pd.DataFrame,
    pdf: PathLike,
    png: PathLike,
    order: Sequence[str] | None = None,
    metric: str = "auroc",
) -> None:
    """Each model's test AUROC (or ``metric``) against the simulator's oracle value of the cell
    (the truth's ceiling), with y = x."""
    m = metrics.merge(oracle, on="cell", how="inner")
    o, label = f"oracle_{metric}", LABELS.get(metric, metric)
    archs = _arch_order(m, order)
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    markers = "osD^v<>Ph*X"
    for i, arch in enumerate(archs):
        g = m[m["arch"] == arch]
        ax.scatter(
            g[o],
            g[metric],
            s=18,
            marker=markers[i % len(markers)],
            color=f"C{i % 10}",
            label=arch,
        )
    lo = float(min(m[metric].min(), m[o].min())) - 0.01
    hi = float(max(m[metric].max(), m[o].max())) + 0.01
    ax.plot([lo, hi], [lo, hi], color="grey", lw=1, ls="--")
    ax.set_xlabel(f"oracle {label} (simulator truth)")
    ax.set_ylabel(f"model test {label}")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    save_figure(fig, pdf, png)


def _metrics(job: FigureJob) -> pd.DataFrame:
    return collect_metrics(job.input["metrics"], job.params["metric"])


def draw_auroc_by_architecture(job: FigureJob) -> None:
    """Each architecture's test metric over the cells (box and points)."""
    metric = job.params["metric"]
    auroc_by_architecture(_metrics(job), job.pdf, job.png, job.params["order"], metric)


def draw_linear_vs_deepchrome(job: FigureJob) -> None:
    """Per-cell test metric of deepchrome against each linear model trained."""
    metrics = _metrics(job)
    baselines = [a for a in metrics["arch"].unique() if a != "deepchrome"]
    scatter_pair(
        metrics, job.pdf, job.png, xs=baselines, y="deepchrome", metric=job.params["metric"]
    )


def draw_training_curves(job: FigureJob) -> None:
    """Training and validation curves of every architecture on representative cells."""
    metrics = _metrics(job)
    histories = {
        (row.arch, row.cell): pd.read_csv(Path(p).with_name("history.tsv"), sep="\t")
        for p, row in zip(job.input["metrics"], metrics.itertuples(), strict=True)
    }
    metric = job.params["metric"]
    training_curves(metrics, histories, job.pdf, job.png, job.params["order"], metric)


def draw_auroc_vs_oracle(job: FigureJob) -> None:
    """Each model's test metric against the simulator's oracle, per cell."""
    metric = job.params["metric"]
    oracle = load_oracle(job.input["oracle"], metric)
    auroc_vs_oracle(_metrics(job), oracle, job.pdf, job.png, job.params["order"], metric)
