"""Figures of the conditional GAN (one function per figure, each written as PDF and PNG).

Array-level functions take generated and real signal; the ``draw_*`` functions are the
entries of the figure registry (deepchrome2.plots.registry). "Transformed" signal is log1p,
standardised per mark with the GAN's training mean and standard deviation (z-scores); "raw"
signal is fold enrichment.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from deepchrome2.errors import InputError  # noqa: E402
from deepchrome2.plots.registry import FigureJob  # noqa: E402
from deepchrome2.plots.save import save_figure  # noqa: E402

PathLike = str | os.PathLike[str]
CLASS_NAMES = ("low expression (class 0)", "high expression (class 1)")
TSS_HALF_WIDTH = 1000  # bp either side of the TSS counted as "near the TSS"
HIGH_QUANTILE = 0.75  # "high signal" = above this quantile of real genes near the TSS


def _extent(bin_starts: np.ndarray) -> list[float]:
    step = float(bin_starts[1] - bin_starts[0]) if len(bin_starts) > 1 else 1.0
    return [bin_starts[0] / 1000, (bin_starts[-1] + step) / 1000, 0, 0]


def _heatmap(ax, M: np.ndarray, marks, bin_starts, vmin, vmax, cmap="viridis"):
    ext = _extent(bin_starts)
    ext[2:] = [len(marks) - 0.5, -0.5]
    im = ax.imshow(M, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, extent=ext,
                   interpolation="nearest")  # fmt: skip
    ax.set_yticks(range(len(marks)), marks, fontsize=7)
    ax.tick_params(axis="x", labelsize=7)
    return im


def sample_grid(
    Zgen: np.ndarray,
    ygen: np.ndarray,
    Zreal: np.ndarray,
    yreal: np.ndarray,
    marks: Sequence[str],
    bin_starts: np.ndarray,
    pdf: PathLike,
    png: PathLike,
    n_show: int = 5,
    title: str = "",
) -> None:
    """Heatmaps (marks x bins) of generated and, below, real test genes, per class."""
    fig, axes = plt.subplots(4, n_show, figsize=(2.6 * n_show, 7.5), sharex=True, sharey=True)
    vmin, vmax = -2.0, 3.0
    im = None
    for c in (0, 1):
        for r, (Z, y, what) in enumerate(((Zgen, ygen, "generated"), (Zreal, yreal, "real"))):
            rows = Z[y == c][:n_show]
            for j in range(n_show):
                ax = axes[2 * c + r, j]
                if j < len(rows):
                    im = _heatmap(ax, rows[j], marks, bin_starts, vmin, vmax)
                else:
                    ax.axis("off")
            axes[2 * c + r, 0].set_ylabel(f"{what}\nclass {c}", fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("kb from TSS", fontsize=8)
    if im is not None:
        fig.colorbar(im, ax=axes, shrink=0.6, label="log1p signal (z per mark)")
    fig.suptitle(title or "GAN samples per class (top: generated, bottom: real test genes)")
    save_figure(fig, pdf, png)


def mean_profiles(
    Xgen: np.ndarray,
    ygen: np.ndarray,
    Xreal: np.ndarray,
    yreal: np.ndarray,
    marks: Sequence[str],
    bin_starts: np.ndarray,
    pdf: PathLike,
    png: PathLike,
    truth: np.ndarray | None = None,
    title: str = "",
) -> None:
    """Mean signal per mark across bins with inter-quartile bands, generated vs real, per class.

    ``truth`` ([class, mark, bin], optional) adds the simulator's noise-free class means.
    """
    x = np.asarray(bin_starts) / 1000
    n_m = len(marks)
    fig, axes = plt.subplots(2, n_m, figsize=(2.8 * n_m, 5.2), sharex=True, squeeze=False)
    for c in (0, 1):
        for k, mark in enumerate(marks):
            ax = axes[c, k]
            for X, y, color, label in ((Xreal, yreal, "0.3", "real test"),
                                       (Xgen, ygen, "tab:red", "generated")):  # fmt: skip
                S = X[y == c][:, k, :]
                q1, q3 = np.percentile(S, [25, 75], axis=0)
                ax.fill_between(x, q1, q3, color=color, alpha=0.2, lw=0)
                ax.plot(x, S.mean(axis=0), color=color, lw=1.3, label=label)
            if truth is not None:
                ax.plot(x, truth[c, k], color="k", lw=1, ls="--", label="simulator truth")
            if c == 0:
                ax.set_title(mark, fontsize=9)
            if k == 0:
                ax.set_ylabel(f"class {c}\nsignal (fold enrichment)", fontsize=8)
            ax.tick_params(labelsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("kb from TSS", fontsize=8)
    axes[0, -1].legend(fontsize=7, frameon=False)
    fig.suptitle(title or "Mean profile per mark (lines) with inter-quartile bands")
    fig.tight_layout()
    save_figure(fig, pdf, png)


def tss_signal(Z: np.ndarray, bin_starts: np.ndarray) -> np.ndarray:
    """Mean signal per gene and mark over the bins within TSS_HALF_WIDTH of the TSS."""
    b = np.asarray(bin_starts)
    near = (b >= -TSS_HALF_WIDTH) & (b < TSS_HALF_WIDTH)
    if not near.any():
        near = np.abs(b) == np.abs(b).min()
    return Z[:, :, near].mean(axis=2)


def mark_correlation(T: np.ndarray) -> np.ndarray:
    """Pearson correlation between marks across genes (genes x marks input)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.corrcoef(T, rowvar=False)


def cooccurrence(T: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Fraction of genes with high signal (> threshold) in both marks i and j."""
    H = (thresholds[None, :] < T).astype(np.float64)
    return H.T @ H / max(len(H), 1)


def combinatorial(
    Zgen: np.ndarray,
    ygen: np.ndarray,
    Zreal: np.ndarray,
    yreal: np.ndarray,
    marks: Sequence[str],
    bin_starts: np.ndarray,
    pdf: PathLike,
    png: PathLike,
    title: str = "",
) -> None:
    """Mark x mark correlation and co-occurrence of high signal near the TSS, per class."""
    Tg, Tr = tss_signal(Zgen, bin_starts), tss_signal(Zreal, bin_starts)
    thr = np.quantile(Tr, HIGH_QUANTILE, axis=0)
    n_m = len(marks)
    fig, axes = plt.subplots(2, 4, figsize=(4 + 2.2 * n_m, 1 + 1.3 * n_m), squeeze=False)
    panels = (("correlation", "real"), ("correlation", "generated"),
              ("co-occurrence", "real"), ("co-occurrence", "generated"))  # fmt: skip
    for c in (0, 1):
        for j, (kind, what) in enumerate(panels):
            T = (Tr[yreal == c]) if what == "real" else (Tg[ygen == c])
            if kind == "correlation":
                M, cmap, vmin, vmax = mark_correlation(T), "RdBu_r", -1, 1
            else:
                M, cmap, vmin, vmax = cooccurrence(T, thr), "Purples", 0, 1 - HIGH_QUANTILE
            ax = axes[c, j]
            im = ax.imshow(M, cmap=cmap, vmin=vmin, vmax=vmax)
            for a in range(n_m):
                for b in range(n_m):
                    ax.text(b, a, f"{M[a, b]:.2f}", ha="center", va="center", fontsize=6)
            ax.set_xticks(range(n_m), marks, rotation=60, fontsize=7)
            ax.set_yticks(range(n_m), marks if j == 0 else [], fontsize=7)
            ax.set_title(f"class {c}: {kind}, {what}", fontsize=8)
            if c == 1:
                fig.colorbar(im, ax=axes[:, j], shrink=0.5)
    fig.suptitle(
        title
        or f"Marks within {TSS_HALF_WIDTH / 1000:g} kb of the TSS: correlation across genes "
        f"and fraction of genes with both marks high (> real {HIGH_QUANTILE:.0%} quantile)"
    )
    save_figure(fig, pdf, png)


def optimization_maps(
    gen_means: np.ndarray,
    maps: Sequence[tuple[str, np.ndarray]],
    marks: Sequence[str],
    bin_starts: np.ndarray,
    pdf: PathLike,
    png: PathLike,
    title: str = "",
) -> None:
    """GAN class means next to class-optimization maps, same (marks x bins) heatmap layout.

    ``gen_means`` is ``[class, mark, bin]`` in transformed space; ``maps`` are (label, ``[class,
    mark, bin]``) in each classifier's transformed space. Each column has its own symmetric scale.
    """
    cols = [("GAN class mean", gen_means)] + list(maps)
    fig, axes = plt.subplots(2, len(cols), figsize=(3.2 * len(cols) + 1, 4.2), squeeze=False)
    for j, (label, M) in enumerate(cols):
        lim = float(np.abs(M).max()) or 1.0
        for c in (0, 1):
            ax = axes[c, j]
            im = _heatmap(ax, M[c], marks, bin_starts, -lim, lim, cmap="RdBu_r")
            ax.set_title(f"{label}\nclass {c}" if c == 0 else f"class {c}", fontsize=8)
            if j > 0:
                ax.set_yticklabels([])
        axes[1, j].set_xlabel("kb from TSS", fontsize=8)
        fig.colorbar(im, ax=axes[:, j], shrink=0.6)
    fig.suptitle(title or "GAN class means vs class-optimization maps (ascent, z per mark)", y=1.04)
    save_figure(fig, pdf, png)


def loss_curves(history: pd.DataFrame, pdf: PathLike, png: PathLike, title: str = "") -> None:
    """Critic and generator losses, critic Wasserstein estimate and gradient penalty per epoch."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.6))
    e = history["epoch"]
    a1.plot(e, history["critic_loss"], label="critic loss", lw=1)
    a1.plot(e, history["generator_loss"], label="generator loss", lw=1)
    a1.axhline(0, color="0.6", lw=0.6)
    a1.set_xlabel("epoch")
    a1.set_ylabel("loss")
    a1.legend(fontsize=8, frameon=False)
    a2.plot(e, history["wasserstein"], color="tab:green", lw=1, label="critic W estimate")
    a2.plot(e, history["gradient_penalty"], color="tab:purple", lw=1, label="gradient penalty")
    a2.set_xlabel("epoch")
    a2.legend(fontsize=8, frameon=False)
    fig.suptitle(title or "GAN training (WGAN-GP)")
    fig.tight_layout()
    save_figure(fig, pdf, png)


def read_history(path: PathLike) -> pd.DataFrame:
    """Read a GAN history TSV, checking its columns."""
    try:
        df = pd.read_csv(path, sep="\t")
    except FileNotFoundError as err:
        raise InputError(path, "GAN history not found") from err
    need = {"epoch", "critic_loss", "generator_loss", "wasserstein", "gradient_penalty"}
    if need - set(df.columns) or df.empty:
        raise InputError(path, f"GAN history needs rows and columns {sorted(need)}")
    return df


def _label(job: FigureJob) -> str:
    return f"GAN {job.wildcards['gset']}"


def _generated(job: FigureJob) -> tuple[Any, dict]:
    """The GAN of ``job`` and its generated samples."""
    from deepchrome2.gan.train import load_gan, load_generated

    return load_gan(job.input["checkpoint"]), load_generated(job.input["generated"])


def _real_test(job: FigureJob, gan: Any) -> Any:
    """The real test genes of the GAN's cells, and their standardised signal."""
    from deepchrome2.gan.data import load_split_data

    inp = job.input
    real = load_split_data(inp["features"], inp["labels"], inp["split"], "test")
    return real, gan.transform.forward(real.X)


def draw_gan_samples(job: FigureJob) -> None:
    """Generated and real test genes per class, as signal matrices."""
    gan, gen = _generated(job)
    real, Zr = _real_test(job, gan)
    title = f"{_label(job)}: generated (top) and real test genes (bottom) per class"
    sample_grid(gen["Z"], gen["y"], Zr, real.y, gan.marks, gen["bin_starts"], job.pdf, job.png,
                title=title)  # fmt: skip


def draw_gan_profiles(job: FigureJob) -> None:
    """Mean profile per mark and class, generated against real (and the truth if simulated)."""
    from deepchrome2.gan.summary import load_truth

    gan, gen = _generated(job)
    real, _ = _real_test(job, gan)
    truth = job.input.get("truth")
    tr = None
    if truth:
        tr = np.mean([load_truth(truth, c, gan.marks) for c in job.params["cells"]], axis=0)
    title = f"{_label(job)}: mean profile per mark with inter-quartile bands"
    mean_profiles(gen["X"], gen["y"], real.X, real.y, gan.marks, gen["bin_starts"], job.pdf,
                  job.png, truth=tr, title=title)  # fmt: skip


def draw_gan_marks(job: FigureJob) -> None:
    """Mark correlation and co-occurrence near the TSS, generated against real."""
    gan, gen = _generated(job)
    real, Zr = _real_test(job, gan)
    combinatorial(gen["Z"], gen["y"], Zr, real.y, gan.marks, gen["bin_starts"], job.pdf, job.png)


def draw_gan_optmap(job: FigureJob) -> None:
    """The GAN's class means beside the classifier's optimization maps."""
    from deepchrome2.gan.optimize import load_optmap

    gan, gen = _generated(job)
    Zg, yg = gen["Z"], gen["y"]
    means = np.stack([Zg[yg == c].mean(axis=0) for c in (0, 1)])
    maps = []
    for cell, path in zip(job.params["cells"], job.input["optmaps"], strict=True):
        om = load_optmap(path)
        if [str(m) for m in om["marks"]] != gan.marks:
            raise InputError(path, "optimization map marks differ from the GAN's")
        maps.append((f"optimization map ({cell})", om["maps"]))
    title = f"{_label(job)}: class means vs optimization maps (ascent)"
    optimization_maps(means, maps, gan.marks, gen["bin_starts"], job.pdf, job.png, title=title)


def draw_gan_loss(job: FigureJob) -> None:
    """The GAN's training losses per epoch (WGAN-GP)."""
    title = f"{_label(job)}: training (WGAN-GP)"
    loss_curves(read_history(job.input["history"]), job.pdf, job.png, title=title)
