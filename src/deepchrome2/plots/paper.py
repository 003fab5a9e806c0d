"""Figure: our per-cell test AUROC against DeepChrome 2.0's, one point per cell and setting."""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from deepchrome2 import paper  # noqa: E402
from deepchrome2.plots.registry import FigureJob  # noqa: E402
from deepchrome2.plots.save import save_figure  # noqa: E402
from deepchrome2.training.summary import collect_metrics  # noqa: E402

PathLike = str | os.PathLike[str]


def paired_points(
    metrics: pd.DataFrame, reference: pd.DataFrame, order: Sequence[str] | None = None
) -> pd.DataFrame:
    """Rows ``arch, setting, cell, auroc, paper_auroc`` for every cell both sides have."""
    ours = metrics[["arch", "cell", "auroc"]]
    points = ours.merge(reference, on=["arch", "cell"], how="inner")
    if order is not None:
        rank = {a: i for i, a in enumerate(order)}
        points = points.sort_values("arch", key=lambda s: s.map(rank), kind="stable")
    return points.reset_index(drop=True)


def ours_vs_paper(
    metrics_paths: Sequence[PathLike],
    reference: PathLike,
    pdf: PathLike,
    png: PathLike,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Scatter of our test AUROC (y) against the paper's (x) per cell, coloured by
    architecture (legend: ours = paper setting), with the line y = x; returns the points.

    Architectures without a DeepChrome 2.0 setting or without a shared cell are left out; with
    no shared point at all the panel says so instead of being empty.
    """
    metrics = collect_metrics(metrics_paths)
    ref = paper.per_cell_reference(metrics["arch"].unique(), None, reference)
    points = paired_points(metrics, ref, order)
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    if points.empty:
        ax.text(0.5, 0.5, "no cell shared with DeepChrome 2.0", ha="center", va="center")
        ax.set_axis_off()
    else:
        for i, (arch, grp) in enumerate(points.groupby("arch", sort=False)):
            label = f"{arch} = {grp['setting'].iloc[0]}"
            ax.scatter(grp["paper_auroc"], grp["auroc"], s=18, color=f"C{i % 10}", label=label)
        lo = float(min(points[["auroc", "paper_auroc"]].min().min(), 0.5)) - 0.01
        hi = float(max(points[["auroc", "paper_auroc"]].max().max(), 0.9)) + 0.01
        ax.plot([lo, hi], [lo, hi], color="grey", lw=1, ls="--")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_aspect("equal")
        ax.set_xlabel("DeepChrome 2.0 test AUROC (real Roadmap data)")
        ax.set_ylabel("our test AUROC")
        ax.legend(fontsize=7, loc="upper left", title="ours = paper setting", title_fontsize=7)
        ax.grid(alpha=0.3)
        n = points["cell"].nunique()
        ax.set_title(f"Per-cell test AUROC, ours vs DeepChrome 2.0 ({n} shared cells)")
    save_figure(fig, pdf, png)
    return points


def draw_ours_vs_paper(job: FigureJob) -> None:
    """Our per-cell test AUROC against DeepChrome 2.0's."""
    ours_vs_paper(
        job.input["metrics"], job.input["reference"], job.pdf, job.png, job.params["order"]
    )
