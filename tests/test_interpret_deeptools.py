"""deepTools-compatible outputs on the tiny simulated cohort: the BED, computeMatrix-format
matrices that deepTools' own plotHeatmap reads, and our heatmap figure."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deepchrome2.data.deeptools import deeptools_matrix, read_matrix, tss_windows_bed
from deepchrome2.errors import InputError
from deepchrome2.io import load_features, load_labels
from deepchrome2.plots.interpret import signal_heatmap

BIN = Path(sys.executable).parent
CELL = "E003"


@pytest.fixture(scope="module")
def tiny(tiny_run) -> dict:
    res = tiny_run.dir / "results"
    return {
        "features": res / "features" / f"{CELL}.npz",
        "labels": res / "labels" / f"{CELL}.tsv",
        "windows": res / "annotation" / "tss_windows.tsv",
        "window": tiny_run.cfg["window"],
        "bigwig": tiny_run.sim / "bigwig" / f"{CELL}-H3K4me3.fc.signal.bigwig",
    }


def test_matrix_holds_every_gene_sorted_by_expression(tiny, tmp_path):
    mat = tmp_path / f"{CELL}.mat.gz"
    header = deeptools_matrix(
        tiny["features"], tiny["labels"], tiny["windows"], mat, tiny["window"]
    )
    head, rows, values = read_matrix(mat)
    assert head == header
    feats, lab = load_features(tiny["features"]), load_labels(tiny["labels"]).set_index("gene_id")
    assert sorted(rows[3]) == sorted(feats.genes)
    assert head["sample_labels"] == feats.marks
    # high-expression genes first, then low; each by log RPKM from highest to lowest
    lr, y = lab.loc[rows[3], "log_rpkm"].to_numpy(), lab.loc[rows[3], "label"].to_numpy()
    n1 = int((y == 1).sum())
    assert head["group_boundaries"] == [0, n1, len(y)] and (y[:n1] == 1).all()
    assert (np.diff(lr[:n1]) <= 0).all() and (np.diff(lr[n1:]) <= 0).all()
    # the values are the features, marks side by side, to the 6 digits written
    idx = {g: i for i, g in enumerate(feats.genes)}
    X = feats.X[[idx[g] for g in rows[3]]].reshape(len(rows), -1)
    np.testing.assert_allclose(values, X, rtol=1e-5, atol=1e-6)


def test_deeptools_plotheatmap_reads_our_matrix(tiny, tmp_path):
    mat = tmp_path / f"{CELL}.mat.gz"
    deeptools_matrix(tiny["features"], tiny["labels"], tiny["windows"], mat, tiny["window"])
    png = tmp_path / "deeptools.png"
    proc = subprocess.run(
        [BIN / "plotHeatmap", "-m", mat, "-o", png, "--sortRegions", "keep"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert png.stat().st_size > 10_000


def test_bed_windows_give_deeptools_the_same_bins(tiny, tmp_path):
    """computeMatrix over our BED (centre = TSS) bins the bigWig as the workflow does."""
    bed = tmp_path / "tss_windows.bed"
    n = tss_windows_bed(tiny["windows"], bed)
    df = pd.read_csv(bed, sep="\t", header=None)
    assert len(df) == n and list(df.columns) == list(range(6))
    sub = tmp_path / "some.bed"
    df.iloc[:40].to_csv(sub, sep="\t", header=False, index=False)  # both strands among them
    assert set(df.iloc[:40][5]) == {"+", "-"}
    out = tmp_path / "cm.mat.gz"
    w = tiny["window"]
    cmd = [BIN / "computeMatrix", "reference-point", "--referencePoint", "center",
           "-b", str(w["upstream"]), "-a", str(w["downstream"]), "--binSize",
           str(w["bin_size"]), "--missingDataAsZero", "-R", sub, "-S", tiny["bigwig"],
           "-o", out, "-p", "1"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    _, rows, theirs = read_matrix(out)
    feats = load_features(tiny["features"])
    idx = {g: i for i, g in enumerate(feats.genes)}
    k = feats.marks.index("H3K4me3")
    ours = feats.X[[idx[g] for g in rows[3]], k]
    np.testing.assert_allclose(theirs, ours, rtol=1e-4, atol=1e-4)


def test_heatmap_figure_is_drawn(tiny, tmp_path):
    mat = tmp_path / f"{CELL}.mat.gz"
    deeptools_matrix(tiny["features"], tiny["labels"], tiny["windows"], mat, tiny["window"])
    pdf, png = tmp_path / "h.pdf", tmp_path / "h.png"
    signal_heatmap(mat, pdf, png, CELL)
    assert pdf.stat().st_size > 10_000 and png.stat().st_size > 10_000


def test_genes_without_label_are_an_input_error(tiny, tmp_path):
    lab = load_labels(tiny["labels"]).iloc[5:]
    bad = tmp_path / "labels.tsv"
    lab.to_csv(bad, sep="\t", index=False)
    out = tmp_path / "x.mat.gz"
    with pytest.raises(InputError, match=r"labels.tsv: 5 genes have no label"):
        deeptools_matrix(tiny["features"], bad, tiny["windows"], out, tiny["window"])
    assert not out.exists()


def test_matrix_without_header_is_an_input_error(tmp_path):
    bad = tmp_path / "bad.mat.gz"
    with gzip.open(bad, "wt") as fh:
        fh.write("chr1\t0\t10\tg\t0\t+\t1\t2\n")
    with pytest.raises(InputError, match="bad.mat.gz: matrix file lacks its '@' JSON header"):
        read_matrix(bad)
