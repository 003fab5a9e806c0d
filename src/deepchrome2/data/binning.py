"""Bin bigWig signal over TSS windows: genes x marks x bins, vectorized per chromosome.

Semantics match deepTools ``computeMatrix reference-point --referencePoint TSS
--missingDataAsZero``: a bin's value is the base-weighted mean signal over its bases; bases
without data (gaps) or past a chromosome end count as 0; windows of - strand genes are
reversed so that bin 0 is always the most upstream bin.

Per chromosome and mark, the gene windows are merged into blocks, each block is read with
one ``pyBigWig.values`` call, and all bins of all genes come from one ``np.add.reduceat``
over the blocks' bases (float64 sums).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyBigWig

from deepchrome2.errors import InputError

log = logging.getLogger(__name__)


MERGE_GAP = 20_000  # windows closer than this are read together (decompress each block once)


def _merge(
    lo: np.ndarray, hi: np.ndarray, gap: int = MERGE_GAP
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge intervals (sorted by ``lo``) closer than ``gap``: block starts, ends, and each
    interval's block."""
    run_hi = np.maximum.accumulate(hi)
    new = np.ones(len(lo), dtype=bool)
    new[1:] = lo[1:] > run_hi[:-1] + gap
    block_of = np.cumsum(new) - 1
    starts = lo[new]
    ends = np.maximum.reduceat(run_hi, np.flatnonzero(new))
    return starts, ends, block_of


def bin_chromosome(
    bw: pyBigWig.pyBigWig,
    chrom: str,
    start: np.ndarray,
    strand_minus: np.ndarray,
    n_bins: int,
    bin_size: int,
) -> np.ndarray:
    """Bin means (genes x bins, float64) for windows starting at ``start`` on ``chrom``."""
    size = bw.chroms(chrom)
    width = n_bins * bin_size
    lo = np.clip(start, 0, size)
    hi = np.clip(start + width, 0, size)
    order = np.argsort(lo, kind="stable")
    b_start, b_end, block_sorted = _merge(lo[order], hi[order])
    block_of = np.empty_like(block_sorted)
    block_of[order] = block_sorted
    lengths = b_end - b_start
    offset = np.concatenate([[0], np.cumsum(lengths)])
    # One trailing 0 so that every edge index (up to offset[-1]) is valid for reduceat.
    signal = np.zeros(int(offset[-1]) + 1, dtype=np.float32)
    for i in np.flatnonzero(lengths > 0):
        signal[offset[i] : offset[i + 1]] = bw.values(
            chrom, int(b_start[i]), int(b_end[i]), numpy=True
        )
    signal[np.isnan(signal)] = 0.0  # missing data counts as 0
    edges = start[:, None] + bin_size * np.arange(n_bins + 1)[None, :]
    edges = np.clip(edges, lo[:, None], hi[:, None])
    idx = offset[block_of][:, None] + (edges - b_start[block_of][:, None])
    # Sum each bin's bases in place: reduceat over [idx[g, k], idx[g, k + 1]) for every gene g
    # (in position order) and bin k. A gene's last edge starts a junk row (dropped) that spans
    # at most the gap to the next window; the appended final index (the trailing 0) keeps the
    # last row short. Empty (clipped) bins give signal[idx], so they are zeroed.
    flat = np.append(idx[order].ravel(), len(signal) - 1)
    sums = np.empty((len(start), n_bins))
    sums[order] = np.add.reduceat(signal, flat, dtype=np.float64)[:-1].reshape(
        len(start), n_bins + 1
    )[:, :n_bins]
    sums[edges[:, 1:] == edges[:, :-1]] = 0.0
    means = sums / bin_size
    means[strand_minus] = means[strand_minus, ::-1]
    return means


def open_bigwig(path: str | Path) -> pyBigWig.pyBigWig:
    """An open bigWig (the caller closes it), or an InputError saying why it is none: missing,
    unreadable, or not a bigWig (a bigBed)."""
    if not Path(path).exists():
        raise InputError(path, "bigWig not found")
    try:
        bw = pyBigWig.open(str(path))
    except RuntimeError as err:
        raise InputError(path, "not a readable bigWig file") from err
    if not bw.isBigWig():
        bw.close()
        raise InputError(path, "not a bigWig file")
    return bw


def bin_bigwig(path: str | Path, windows: pd.DataFrame, n_bins: int, bin_size: int) -> np.ndarray:
    """Bin one bigWig over every window (rows of ``windows``): genes x bins, float32.
    InputError for a bigWig that holds no data at all (its header alone is readable)."""
    bw = open_bigwig(path)
    if not bw.header().get("nBasesCovered", 1):
        bw.close()
        raise InputError(path, "bigWig holds no data (a header and no signal)")
    out = np.zeros((len(windows), n_bins), dtype=np.float32)
    try:
        chroms = bw.chroms()
        for chrom, rows in windows.groupby("chrom", sort=False).indices.items():
            if chrom not in chroms:
                log.warning("%s: no chromosome %s; its %d genes get 0", path, chrom, len(rows))
                continue
            sub = windows.iloc[rows]
            out[rows] = bin_chromosome(
                bw,
                chrom,
                sub["start"].to_numpy(np.int64),
                (sub["strand"] == "-").to_numpy(),
                n_bins,
                bin_size,
            )
    except RuntimeError as err:
        raise InputError(path, f"error reading bigWig: {err}") from err
    finally:
        bw.close()
    return out


def bin_cell(
    bigwigs: dict[str, str | Path], windows: pd.DataFrame, window: int, bin_size: int
) -> np.ndarray:
    """Bin all marks of one cell: genes x marks x bins (marks in ``bigwigs`` order)."""
    n_bins = window // bin_size
    X = np.empty((len(windows), len(bigwigs), n_bins), dtype=np.float32)
    for j, (mark, path) in enumerate(bigwigs.items()):
        X[:, j, :] = bin_bigwig(path, windows, n_bins, bin_size)
        log.info("binned %s (%s): mean signal %.3f", mark, Path(path).name, X[:, j].mean())
    return X
