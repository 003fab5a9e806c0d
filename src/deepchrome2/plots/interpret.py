"""Figures of what the models learned and of the input signal, each written as PDF and PNG.

- ``signal_heatmap``: every gene of one cell sorted by expression, marks as columns, the
  class-mean profile on top (the layout of deepTools' plotHeatmap), read from the cell's
  computeMatrix-format ``.mat.gz``;
- ``optmap_figure``: class-optimization maps of one classifier, one column per method, each
  titled with the method's procedure.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from deepchrome2.data.deeptools import read_matrix  # noqa: E402
from deepchrome2.errors import InputError  # noqa: E402
from deepchrome2.interpret.summary import load_npz  # noqa: E402
from deepchrome2.plots.registry import FigureJob  # noqa: E402
from deepchrome2.plots.save import save_figure  # noqa: E402

PathLike = str | os.PathLike[str]
CLASS_COLOURS = ("tab:blue", "tab:red")


def signal_heatmap(mat: PathLike, pdf: PathLike, png: PathLike, cell: str) -> None:
    """plotHeatmap-style figure of one cell's ``.mat.gz`` (rows in the file's order).

    Colour is log1p(signal) with one scale per mark (0 to its 99th percentile); the top row
    holds the mean raw signal of each group of genes (the file's groups: high, low expression).
    """
    header, _, values = read_matrix(mat)
    marks = header["sample_labels"]
    bounds = header["sample_boundaries"]
    groups, gb = header["group_labels"], header["group_boundaries"]
    up, down = header["upstream"][0], header["downstream"][0]
    if values.shape[1] != bounds[-1] or gb[-1] != len(values):
        raise InputError(mat, "matrix size does not match its header's boundaries")
    fig, axes = plt.subplots(
        2,
        len(marks),
        figsize=(2.2 * len(marks) + 0.6, 9),
        gridspec_kw={"height_ratios": [1, 4]},
        squeeze=False,
    )
    extent = [-up / 1000, down / 1000, len(values), 0]
    for j, mark in enumerate(marks):
        block = values[:, bounds[j] : bounds[j + 1]]
        x = np.linspace(-up, down, block.shape[1], endpoint=False) / 1000
        top = axes[0, j]
        for g, label in enumerate(groups):
            rows = block[gb[g] : gb[g + 1]]
            top.plot(x, rows.mean(axis=0), color=CLASS_COLOURS[(g + 1) % 2], lw=1.2, label=label)
        top.set_title(mark, fontsize=9)
        top.tick_params(labelsize=7)
        if j == 0:
            top.set_ylabel("mean signal", fontsize=8)
            top.legend(fontsize=6, frameon=False)
        L = np.log1p(np.clip(block, 0, None))
        vmax = float(np.percentile(L, 99)) or 1.0
        ax = axes[1, j]
        im = ax.imshow(L, aspect="auto", cmap="Reds", vmin=0, vmax=vmax, extent=extent,
                       interpolation="nearest")  # fmt: skip
        for b in gb[1:-1]:
            ax.axhline(b, color="k", lw=0.8)
        ax.set_xlabel("kb from TSS", fontsize=8)
        ax.tick_params(labelsize=7)
        if j == 0:
            ax.set_ylabel("genes, by expression (highest at top)", fontsize=8)
        else:
            ax.set_yticks([])
        fig.colorbar(im, ax=ax, orientation="horizontal", pad=0.08, shrink=0.8).ax.tick_params(
            labelsize=6
        )
    fig.suptitle(f"{cell}: {len(values)} genes sorted by expression, log1p(signal)", y=0.995)
    fig.tight_layout()
    save_figure(fig, pdf, png)


def optmap_figure(
    maps: Sequence[PathLike], titles: Sequence[str], pdf: PathLike, png: PathLike, label: str
) -> None:
    """Class maps (rows: class 0, class 1) of several methods (columns), each titled."""
    from deepchrome2.gan.optimize import load_optmap  # its module imports torch

    loaded = [load_optmap(p) for p in maps]
    marks = [str(m) for m in loaded[0]["marks"]]
    fig, axes = plt.subplots(2, len(loaded), figsize=(5 * len(loaded), 6), squeeze=False)
    for j, (om, title) in enumerate(zip(loaded, titles, strict=True)):
        if [str(m) for m in om["marks"]] != marks:
            raise InputError(maps[j], "marks differ between the maps of one figure")
        M = om["maps"]
        signed = bool((M < 0).any())
        lim = float(np.abs(M).max()) or 1.0
        for c in (0, 1):
            ax = axes[c, j]
            im = ax.imshow(M[c], aspect="auto", interpolation="nearest",
                           cmap="RdBu_r" if signed else "magma",
                           vmin=-lim if signed else 0, vmax=lim)  # fmt: skip
            ax.set_yticks(range(len(marks)), marks if j == 0 else [], fontsize=7)
            n_bins = M.shape[2]
            ax.set_xticks(
                [0, n_bins // 2, n_bins - 1], ["upstream", "TSS", "downstream"], fontsize=7
            )
            head = textwrap.fill(title, 48) + "\n" if c == 0 else ""
            ax.set_title(f"{head}class {c} ({'high' if c else 'low'} expression)", fontsize=8)
        fig.colorbar(im, ax=axes[:, j], shrink=0.6, label=str(om["space"]))
    fig.suptitle(f"Class-optimization maps of {label}", y=1.02)
    save_figure(fig, pdf, png)


def attention_figure(npz: PathLike, pdf: PathLike, png: PathLike, cell: str) -> None:
    """Bin-level attention per mark by class (mean, IQR band) and the mark-level distribution."""
    d = load_npz(npz)
    marks = [str(m) for m in d["marks"]]
    x = np.asarray(d["bin_starts"]) / 1000
    n = len(marks)
    fig = plt.figure(figsize=(2.6 * n + 0.5, 6.4))
    grid = fig.add_gridspec(2, n, height_ratios=[1.1, 1])
    for k, mark in enumerate(marks):
        ax = fig.add_subplot(grid[0, k])
        for c in (0, 1):
            ax.fill_between(x, d["bin_q25"][c, k], d["bin_q75"][c, k], color=CLASS_COLOURS[c],
                            alpha=0.2, lw=0)  # fmt: skip
            ax.plot(x, d["bin_mean"][c, k], color=CLASS_COLOURS[c], lw=1.2,
                    label=f"class {c} ({'high' if c else 'low'})")  # fmt: skip
        if "region" in d:
            r = np.asarray(d["region"][k], dtype=float)
            ax.fill_between(x, 0, 1, where=r > 0, transform=ax.get_xaxis_transform(),
                            color="0.85", lw=0, zorder=0)  # fmt: skip
        ax.axhline(1 / len(x), color="0.5", lw=0.6, ls=":")
        ax.set_title(mark, fontsize=9)
        ax.set_xlabel("kb from TSS", fontsize=8)
        ax.tick_params(labelsize=7)
        if k == 0:
            ax.set_ylabel("bin attention (sums to 1)", fontsize=8)
            ax.legend(fontsize=6, frameon=False)
    ax = fig.add_subplot(grid[1, :])
    y, B = np.asarray(d["y"]), np.asarray(d["mark_all"])
    pos = np.arange(n)
    for c in (0, 1):
        parts = ax.boxplot([B[y == c, k] for k in range(n)], positions=pos + (c - 0.5) * 0.35,
                           widths=0.3, patch_artist=True, showfliers=False)  # fmt: skip
        for box in parts["boxes"]:
            box.set_facecolor(CLASS_COLOURS[c])
            box.set_alpha(0.5)
    ax.axhline(1 / n, color="0.5", lw=0.6, ls=":")
    ax.set_xticks(pos, marks, fontsize=8)
    ax.set_ylabel("mark attention (sums to 1)", fontsize=8)
    ax.set_title("Mark-level attention per gene, class 0 (blue) and class 1 (red)", fontsize=9)
    fig.suptitle(
        f"AttentiveChrome attention on the test genes of {cell} "
        "(line: mean, band: 25-75%, grey: truth region, dotted: uniform)",
        fontsize=10,
    )
    fig.tight_layout()
    save_figure(fig, pdf, png)


def attribution_figure(maps: Sequence[PathLike], pdf: PathLike, png: PathLike, cell: str) -> None:
    """Integrated-gradients maps of several architectures side by side (rows: class 0, 1)."""
    loaded = [load_npz(p) for p in maps]
    marks = [str(m) for m in loaded[0]["marks"]]
    fig, axes = plt.subplots(2, len(loaded), figsize=(2.9 * len(loaded) + 1, 4.8), squeeze=False)
    for j, d in enumerate(loaded):
        M = d["maps"]
        lim = float(np.abs(M).max()) or 1.0
        for c in (0, 1):
            ax = axes[c, j]
            im = ax.imshow(M[c], aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim,
                           interpolation="nearest")  # fmt: skip
            ax.set_yticks(range(len(marks)), marks if j == 0 else [], fontsize=7)
            nb = M.shape[2]
            ax.set_xticks([0, nb // 2, nb - 1], ["up", "TSS", "down"], fontsize=7)
            head = f"{d['arch']}\n" if c == 0 else ""
            ax.set_title(f"{head}class {c} genes", fontsize=8)
        fig.colorbar(im, ax=axes[:, j], shrink=0.6)
    fig.suptitle(f"{cell}: integrated gradients of the class-1 log-odds (baseline: training "
                 "mean), mean over test genes of each class", fontsize=10, y=1.02)  # fmt: skip
    save_figure(fig, pdf, png)


def draw_signal_heatmap(job: FigureJob) -> None:
    """Every gene of one cell sorted by expression, marks as columns."""
    signal_heatmap(job.input["matrix"], job.pdf, job.png, job.wildcards["cell"])


def draw_optmap(job: FigureJob) -> None:
    """Class-optimization maps of one classifier, one column per method."""
    from deepchrome2.interpret.optmap import get_method

    titles = [f"{m}: {get_method(m).title}" for m in job.params["methods"]]
    label = f"{job.wildcards['arch']} on {job.wildcards['cell']}"
    optmap_figure(list(job.input["maps"]), titles, job.pdf, job.png, label)


def draw_attention(job: FigureJob) -> None:
    """Bin- and mark-level attention of AttentiveChrome on one cell."""
    attention_figure(job.input["attention"], job.pdf, job.png, job.wildcards["cell"])


def draw_attribution(job: FigureJob) -> None:
    """Integrated-gradients maps of every torch model of one cell."""
    attribution_figure(list(job.input["maps"]), job.pdf, job.png, job.wildcards["cell"])
