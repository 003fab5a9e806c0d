"""Data-stage figure: mean signal per mark around the TSS, by expression class."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from deepchrome2.io import load_features, load_labels  # noqa: E402
from deepchrome2.plots.registry import FigureJob  # noqa: E402
from deepchrome2.plots.save import save_figure  # noqa: E402


def class_profiles(
    features: Mapping[str, str], labels: Mapping[str, str]
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Mean signal (class x mark x bin) over genes, averaged over cells."""
    total = None
    for cell, path in features.items():
        feats = load_features(path)
        y = load_labels(labels[cell])["label"].to_numpy()
        prof = np.stack([feats.X[y == k].mean(axis=0) for k in (0, 1)])
        total = prof if total is None else total + prof
    assert total is not None
    return total / len(features), feats.marks, feats.bin_starts


def plot_mark_profiles(
    features: Mapping[str, str],
    labels: Mapping[str, str],
    pdf: str,
    png: str,
    truth: str | None = None,
) -> None:
    """One panel per mark: mean signal by bin for high and low genes (and the simulator's
    noise-free class means when ``truth`` is given)."""
    prof, marks, starts = class_profiles(features, labels)
    true = None
    if truth:
        with np.load(truth) as npz:
            t_marks = [str(m) for m in npz["marks"]]
            t_cells = [str(c) for c in npz["cells"]]
            rows = [t_cells.index(c) for c in features]
            true = npz["profiles"][rows].mean(axis=0)  # class x mark x bin
    centre = (starts + np.diff(starts).mean() / 2) / 1000
    fig, axes = plt.subplots(1, len(marks), figsize=(3.0 * len(marks), 3), sharex=True)
    for j, (ax, mark) in enumerate(zip(np.atleast_1d(axes), marks, strict=True)):
        for k, (name, colour) in enumerate((("low", "tab:blue"), ("high", "tab:red"))):
            ax.plot(centre, prof[k, j], color=colour, label=f"{name} expression")
            if true is not None and mark in t_marks:
                ax.plot(
                    centre,
                    true[k, t_marks.index(mark)],
                    color=colour,
                    ls="--",
                    lw=1,
                    label=f"{name}, simulated truth",
                )
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(mark)
        ax.set_xlabel("distance to TSS (kb)")
    np.atleast_1d(axes)[0].set_ylabel("mean signal")
    np.atleast_1d(axes)[0].legend(fontsize=7, frameon=False)
    fig.tight_layout()
    save_figure(fig, pdf, png)


def draw_mark_profiles(job: FigureJob) -> None:
    """Mean signal per mark around the TSS by expression class, over every cell."""
    cells = job.params["cells"]
    features = dict(zip(cells, job.input["features"], strict=True))
    labels = dict(zip(cells, job.input["labels"], strict=True))
    plot_mark_profiles(features, labels, job.pdf, job.png, truth=job.input.get("truth"))
