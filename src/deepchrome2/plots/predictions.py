"""ROC and precision-recall curves of every architecture on one cell's test genes."""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from deepchrome2.errors import InputError  # noqa: E402
from deepchrome2.plots.registry import FigureJob  # noqa: E402
from deepchrome2.plots.save import save_figure  # noqa: E402
from deepchrome2.predict.agreement import read_predictions  # noqa: E402
from deepchrome2.training.metrics import (  # noqa: E402
    SingleClassError,
    auroc,
    average_precision,
    pr_points,
    roc_points,
)

PathLike = str | os.PathLike[str]


def roc_pr_figure(
    paths: Sequence[PathLike], archs: Sequence[str], cell: str, pdf: PathLike, png: PathLike
) -> None:
    """Left: every architecture's ROC curve (AUROC in the legend); right: precision-recall
    curves (average precision in the legend) with the share of high genes as the chance line."""
    fig, (roc_ax, pr_ax) = plt.subplots(1, 2, figsize=(10, 4.4))
    base = None
    for i, (arch, path) in enumerate(zip(archs, paths, strict=True)):
        df = read_predictions(path)
        if "p_high" not in df.columns or "label" not in df.columns:
            raise InputError(path, "ROC curves need the class target's label and p_high")
        test = df[df["split"] == "test"]
        y = test["label"].to_numpy().astype(int)
        p = test["p_high"].to_numpy().astype(np.float64)
        color = f"C{i % 10}"
        try:
            fpr, tpr = roc_points(y, p)
        except SingleClassError as err:
            raise InputError(path, f"test genes: {err}") from err
        roc_ax.plot(fpr, tpr, color=color, lw=1.2, label=f"{arch} ({auroc(y, p):.3f})")
        prec, rec = pr_points(y, p)
        ap = average_precision(y, p)
        pr_ax.plot(rec, prec, color=color, lw=1.2, label=f"{arch} ({ap:.3f})")
        base = float(np.mean(y))
    roc_ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
    roc_ax.set(xlabel="false positive rate", ylabel="true positive rate", title=f"{cell}: ROC")
    roc_ax.legend(title="architecture (AUROC)", fontsize=7, loc="lower right")
    if base is not None:
        pr_ax.axhline(base, color="grey", lw=1, ls="--")
    pr_ax.set(xlabel="recall", ylabel="precision", title=f"{cell}: precision-recall")
    pr_ax.set_ylim(0, 1.02)
    pr_ax.legend(title="architecture (average precision)", fontsize=7, loc="lower left")
    for ax in (roc_ax, pr_ax):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, pdf, png)


def draw_roc(job: FigureJob) -> None:
    """Every architecture's ROC and precision-recall curves on the test genes of one cell."""
    roc_pr_figure(
        job.input["predictions"], job.params["order"], job.wildcards["cell"], job.pdf, job.png
    )
