"""Binning of bigWig signal over TSS windows: against a pure-numpy reference and deepTools."""

from __future__ import annotations

import gzip
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import (
    BIN,
    GENES_DF,
    N_BINS,
    SIZES,
    make_intervals,
    reference_bins,
    window_start,
    write_bigwig,
)

from deepchrome2.data.annotation import tss_windows
from deepchrome2.data.binning import bin_bigwig, bin_cell

COMPUTE_MATRIX = Path(sys.executable).parent / "computeMatrix"


def random_genes(n: int, seed: int) -> pd.DataFrame:
    """Random genes on chrA/chrB, both strands, short and long, some near chromosome ends."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        chrom = "chrA" if i % 3 else "chrB"
        size = SIZES[chrom]
        length = int(rng.choice([150, 800, 3_000, 12_000]))
        start = int(rng.integers(0, size - length))
        if i % 7 == 0:  # hug a chromosome end
            start = 0 if i % 2 else size - length
        rows.append((f"R{i:03d}", chrom, start, start + length, "+-"[i % 2]))
    return pd.DataFrame(rows, columns=["gene_id", "chrom", "start", "end", "strand"])


def all_genes() -> pd.DataFrame:
    """The hand-made genes (all fates) and random ones: + and -, gaps, edges, chrC, chrE."""
    hand = GENES_DF[["gene_id", "chrom", "start", "end", "strand"]]
    return pd.concat([hand, random_genes(60, seed=5)], ignore_index=True)


def windows_of(genes: pd.DataFrame) -> pd.DataFrame:
    starts = [window_start(g.start, g.end, g.strand) for g in genes.itertuples()]
    return pd.DataFrame(
        {
            "gene_id": genes["gene_id"],
            "chrom": genes["chrom"],
            "strand": genes["strand"],
            "start": starts,
        }
    )


@pytest.mark.parametrize("zooms", [False, True], ids=["no_zooms", "zooms"])
def test_bin_bigwig_matches_numpy_reference(tmp_path: Path, zooms: bool) -> None:
    intervals = make_intervals(1)
    path = write_bigwig(tmp_path / "a.bw", intervals, zooms=zooms)
    win = windows_of(all_genes())
    # Windows clipped at both chromosome ends, on a chromosome without data (chrE) and on one
    # absent from the bigWig (chrC) are all in the set.
    assert (win["start"] < 0).any()
    assert (win["start"] + N_BINS * BIN > win["chrom"].map(SIZES).fillna(np.inf)).any()
    assert {"chrC", "chrE"} <= set(win["chrom"])
    got = bin_bigwig(path, win, N_BINS, BIN)
    assert got.dtype == np.float32
    assert got.shape == (len(win), N_BINS)
    want = np.stack(
        [reference_bins(intervals, w.chrom, w.start, w.strand) for w in win.itertuples()]
    )
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    assert np.abs(want).sum() > 0


def _single(tmp_path: Path, entries: list[tuple[int, int, float]]) -> Path:
    return write_bigwig(tmp_path / "one.bw", {"chrA": entries})


def test_minus_strand_bin0_is_most_upstream(tmp_path: Path) -> None:
    # A - strand gene on chrA [20000, 30000): TSS 30000, upstream is [30000, 35000).
    path = _single(tmp_path, [(30_000, 35_000, 7.0)])
    win = pd.DataFrame({"chrom": ["chrA", "chrA"], "strand": ["-", "+"], "start": [25_000, 30_000]})
    got = bin_bigwig(path, win, N_BINS, BIN)
    np.testing.assert_array_equal(got[0, :50], 7.0)  # - strand: upstream first
    np.testing.assert_array_equal(got[0, 50:], 0.0)
    # The same signal seen from a + strand gene with TSS 35000 is upstream too: bins 0..49.
    # (here TSS 35000 means window start 30000: the signal is its first half as well)
    np.testing.assert_array_equal(got[1, :50], 7.0)
    np.testing.assert_array_equal(got[1, 50:], 0.0)


def test_bin_means_weight_bases_and_gaps_count_zero(tmp_path: Path) -> None:
    # Bin [10000, 10100): 30 bp of 2.0 and 20 bp of 5.0, the rest a gap -> (60 + 100) / 100.
    path = _single(tmp_path, [(10_010, 10_040, 2.0), (10_080, 10_100, 5.0), (10_100, 10_300, 1.0)])
    win = pd.DataFrame({"chrom": ["chrA"], "strand": ["+"], "start": [10_000]})
    got = bin_bigwig(path, win, 4, BIN)[0]
    np.testing.assert_allclose(got, [1.6, 1.0, 1.0, 0.0], atol=1e-6)


def test_windows_past_chromosome_ends_are_padded_with_zero(tmp_path: Path) -> None:
    size = SIZES["chrA"]
    path = _single(tmp_path, [(0, 250, 4.0), (size - 150, size, 3.0)])
    win = pd.DataFrame(
        {"chrom": ["chrA", "chrA"], "strand": ["+", "+"], "start": [-200, size - 250]}
    )
    got = bin_bigwig(path, win, 5, BIN)
    # first window: bins [-200,-100) [-100,0) off chromosome, then 100 + 100 + 50 bp of 4.0
    np.testing.assert_allclose(got[0], [0, 0, 4.0, 4.0, 2.0], atol=1e-6)
    # second: [size-250, size-150) gap, then 100 bp + 50 bp of 3.0, then off chromosome
    np.testing.assert_allclose(got[1], [0, 3.0, 1.5, 0, 0], atol=1e-6)


def test_missing_data_counts_as_zero(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_bigwig(tmp_path / "a.bw", make_intervals(2))
    win = pd.DataFrame(
        {"chrom": ["chrE", "chrC", "chrA"], "strand": ["+", "-", "+"], "start": [100, 100, 100]}
    )
    with caplog.at_level(logging.WARNING):
        got = bin_bigwig(path, win, N_BINS, BIN)
    np.testing.assert_array_equal(got[:2], 0.0)  # no data on chrE, chrC not in the bigWig
    assert got[2].sum() > 0
    assert any("chrC" in r.getMessage() for r in caplog.records)


def test_far_apart_and_overlapping_windows(tmp_path: Path) -> None:
    """Windows far apart (separate read blocks) and overlapping ones (one block)."""
    intervals = make_intervals(3)
    path = write_bigwig(tmp_path / "a.bw", intervals)
    starts = [1_000, 1_050, 4_000, 50_000, 49_999, 30_000]
    strands = ["+", "-", "+", "-", "+", "-"]
    win = pd.DataFrame({"chrom": "chrA", "strand": strands, "start": starts})
    got = bin_bigwig(path, win, N_BINS, BIN)
    want = [reference_bins(intervals, "chrA", s, st) for s, st in zip(starts, strands, strict=True)]
    np.testing.assert_allclose(got, np.stack(want), atol=1e-5)


def test_bin_cell_keeps_mark_order(tmp_path: Path) -> None:
    ivs = {m: make_intervals(10 + i) for i, m in enumerate(["m1", "m2", "m3"])}
    paths = {m: str(write_bigwig(tmp_path / f"{m}.bw", iv)) for m, iv in ivs.items()}
    win = windows_of(GENES_DF)
    X = bin_cell(paths, win, N_BINS * BIN, BIN)
    assert X.shape == (len(win), 3, N_BINS) and X.dtype == np.float32
    for j, m in enumerate(paths):
        want = [reference_bins(ivs[m], w.chrom, w.start, w.strand) for w in win.itertuples()]
        np.testing.assert_allclose(X[:, j], np.stack(want), atol=1e-5)


# ---- deepTools computeMatrix reference-point ------------------------------------------------


def read_matrix(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """computeMatrix's gzipped matrix: the BED-like region columns and the value matrix."""
    with gzip.open(path, "rt") as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh if not line.startswith("@")]
    regions = pd.DataFrame(
        [r[:6] for r in rows], columns=["chrom", "start", "end", "name", "score", "strand"]
    )
    values = np.array([[float(v) for v in r[6:]] for r in rows])
    return regions, values


@pytest.mark.skipif(not COMPUTE_MATRIX.exists(), reason="deepTools is a dev dependency")
def test_matches_deeptools_compute_matrix(tmp_path: Path) -> None:
    genes = all_genes()
    ivs = [make_intervals(21), make_intervals(22)]
    # Each track with and without zoom levels: deepTools must read base-level data either way.
    bigwigs = [
        write_bigwig(tmp_path / f"t{i}{'z' if z else ''}.bw", iv, zooms=z)
        for i, iv in enumerate(ivs)
        for z in (False, True)
    ]
    bed = tmp_path / "genes.bed"
    genes.assign(score=0)[["chrom", "start", "end", "gene_id", "score", "strand"]].to_csv(
        bed, sep="\t", header=False, index=False
    )
    out = tmp_path / "matrix.gz"
    cmd = [
        str(COMPUTE_MATRIX), "reference-point", "--referencePoint", "TSS",
        "-b", "5000", "-a", "5000", "--binSize", "100", "--missingDataAsZero",
        "-S", *map(str, bigwigs), "-R", str(bed), "-o", str(out), "-p", "1",
    ]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    regions, values = read_matrix(out)
    # deepTools works per chromosome of the bigWigs: genes on chrC (absent from them) get no
    # row at all; our tss_windows drops them too. Every other gene has a row (--skipZeros is
    # off), including those on chrE (in the header, no data) and windows past the ends.
    genes = genes[genes["chrom"] != "chrC"].reset_index(drop=True)
    assert sorted(regions["name"]) == sorted(genes["gene_id"])
    assert values.shape == (len(genes), N_BINS * len(bigwigs))
    deeptools = pd.DataFrame(values, index=regions["name"]).loc[genes["gene_id"]].to_numpy()

    # Windows past the true chromosome ends are clipped and padded by the binning alone here
    # (tss_windows would drop them); for the other genes they are tss_windows' own windows.
    win = windows_of(genes)
    huge = dict.fromkeys(genes["chrom"], 10**9)
    ann = tss_windows(genes, huge, 5000, 5000).set_index("gene_id")
    assert len(ann) > len(genes) // 2
    pd.testing.assert_series_equal(
        ann["start"], win.set_index("gene_id").loc[ann.index, "start"], check_dtype=False
    )
    for k, path in enumerate(bigwigs):
        ours = bin_bigwig(path, win, N_BINS, BIN)
        theirs = deeptools[:, k * N_BINS : (k + 1) * N_BINS]
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-4, err_msg=path.name)
    assert np.abs(deeptools).sum() > 0
    assert (deeptools[(genes["chrom"] == "chrE").to_numpy()] == 0).all()
