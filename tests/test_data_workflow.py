"""The data stage through the real workflow: `files` and `deepchrome_csv` sources end to end,
and the products of the shared tiny simulated cohort."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyBigWig
import pytest
from _smk import snakemake, tiny_config
from conftest import (
    GENES_DF,
    MARKS,
    TOY_DIR,
    dense_tracks,
    make_handmade,
    reference_bins,
    reference_from_dense,
    window_start,
)

from deepchrome2.data.deepchrome_csv import ARCHIVE_MARKS
from deepchrome2.io import load_features, load_labels, load_split

DATA_TARGETS = ["results/features/E003.npz", "results/labels/E003.tsv", "results/splits/genes.tsv"]
SPLITS = ("train", "valid", "test")


@pytest.fixture(scope="module")
def files_run(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """`source: files` on hand-made inputs outside resources/, a single cell."""
    root = tmp_path_factory.mktemp("files_source")
    hm = make_handmade(root / "my_downloads", cells=("E003",))
    cfg = tiny_config(source="files", files=hm.files_config())
    res = snakemake(root / "work", cfg, "--cores", "2", *DATA_TARGETS)
    return SimpleNamespace(hm=hm, res=res, work=root / "work")


def test_files_source_single_cell(files_run: SimpleNamespace) -> None:
    assert files_run.res.returncode == 0, files_run.res.stderr[-4000:]
    work, hm = files_run.work, files_run.hm
    feats = load_features(work / "results/features/E003.npz")
    kept = GENES_DF[GENES_DF["fate"] == "kept"].sort_values(["chrom", "start"])
    assert sorted(feats.genes) == sorted(kept["bare_id"])
    assert feats.X.shape == (len(kept), 5, 100) and feats.X.dtype == np.float32
    assert feats.marks == MARKS
    np.testing.assert_array_equal(feats.bin_starts, np.arange(-5000, 5000, 100))
    genes = GENES_DF.set_index("bare_id").loc[feats.genes]
    for j, m in enumerate(MARKS):
        want = [
            reference_bins(
                hm.intervals["E003", m], g.chrom, window_start(g.start, g.end, g.strand), g.strand
            )
            for g in genes.itertuples()
        ]
        np.testing.assert_allclose(feats.X[:, j], np.stack(want), atol=1e-5, err_msg=m)

    labels = load_labels(work / "results/labels/E003.tsv")
    assert list(labels["gene_id"]) == list(feats.genes)
    rpkm = pd.read_csv(hm.rpkm, sep="\t", index_col="gene_id")["E003"].loc[feats.genes]
    np.testing.assert_array_equal(labels["label"], (rpkm > rpkm.median()).astype(int))
    np.testing.assert_allclose(labels["log_rpkm"], np.log1p(rpkm), rtol=1e-5)

    split = load_split(work / "results/splits/genes.tsv")
    assert sorted(split["gene_id"]) == sorted(feats.genes)
    assert split["split"].value_counts().to_dict() == {"train": 2, "valid": 2, "test": 3}

    log = (work / "logs/tss_windows.log").read_text()
    assert "dropped 1 genes on chromosomes missing from the bigWigs" in log
    assert "dropped 2 genes whose window runs off a chromosome end" in log
    assert "dropped 1 annotated genes absent from the RPKM table" in log
    assert not (work / "resources").exists()  # inputs were read where they are


@pytest.fixture(scope="module")
def csv_run(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """`source: deepchrome_csv` on the toy archive, exported back out."""
    root = tmp_path_factory.mktemp("csv_source")
    archive = root / "archive"
    (archive / "E003" / "classification").mkdir(parents=True)
    for s in SPLITS:
        (archive / "E003" / "classification" / f"{s}.csv").write_bytes(
            (TOY_DIR / f"{s}.csv").read_bytes()
        )
    cfg = tiny_config(
        source="deepchrome_csv",
        deepchrome_csv={"root": str(archive), "cells": ["E003"]},
        export_deepchrome_csv=True,
    )
    exported = [f"results/deepchrome_csv/E003/classification/{s}.csv" for s in SPLITS]
    res = snakemake(root / "work", cfg, "--cores", "2", *DATA_TARGETS, *exported)
    return SimpleNamespace(res=res, work=root / "work")


def test_deepchrome_csv_source_and_export_round_trip(csv_run: SimpleNamespace) -> None:
    assert csv_run.res.returncode == 0, csv_run.res.stderr[-4000:]
    work = csv_run.work
    feats = load_features(work / "results/features/E003.npz")
    assert feats.X.shape == (29, 5, 100) and feats.marks == MARKS
    raw = np.concatenate([np.loadtxt(TOY_DIR / f"{s}.csv", delimiter=",") for s in SPLITS])
    for j, m in enumerate(MARKS):
        want = raw[:, 2 + ARCHIVE_MARKS.index(m)].reshape(29, 100)
        np.testing.assert_array_equal(feats.X[:, j], want, err_msg=m)
    labels = load_labels(work / "results/labels/E003.tsv")
    np.testing.assert_array_equal(labels["label"], raw[::100, 7])
    split = load_split(work / "results/splits/genes.tsv").set_index("gene_id")["split"]
    assert split.value_counts().to_dict() == {"train": 10, "valid": 10, "test": 9}
    for s in SPLITS:
        ids = pd.read_csv(TOY_DIR / f"{s}.csv", header=None, dtype=str)[0].unique()
        assert (split.loc[ids] == s).all()
        out = work / "results/deepchrome_csv/E003/classification" / f"{s}.csv"
        assert out.read_bytes() == (TOY_DIR / f"{s}.csv").read_bytes(), s


# ---- products of the shared tiny simulated cohort ------------------------------------------


def test_tiny_cohort_products(tiny_run: SimpleNamespace) -> None:
    truth = pd.read_csv(tiny_run.sim / "truth/genes.tsv", sep="\t", index_col="gene_id")
    expect = truth.index[(truth["gene_type"] == "protein_coding") & (truth["edge"] == 0)]
    split = load_split(tiny_run.dir / "results/splits/genes.tsv")
    rpkm = pd.read_csv(tiny_run.sim / "57epigenomes.RPKM.pc", sep="\t", index_col="gene_id")
    for cell in tiny_run.cells:
        feats = load_features(tiny_run.dir / f"results/features/{cell}.npz")
        # kept genes: protein-coding ones whose window fits (the simulator's 'edge' genes don't)
        assert sorted(feats.genes) == sorted(expect)
        assert feats.X.shape == (len(expect), 5, 100) and feats.marks == MARKS
        assert np.isfinite(feats.X).all() and (feats.X >= 0).all()
        lab = load_labels(tiny_run.dir / f"results/labels/{cell}.tsv")
        r = rpkm.loc[feats.genes, cell]
        np.testing.assert_array_equal(lab["label"], (r > r.median()).astype(int))
    assert sorted(split["gene_id"]) == sorted(expect)
    n = len(expect)
    sizes = split["split"].value_counts()
    assert sizes["train"] == round(n * 6601 / 19802) and sizes["valid"] == round(n * 6601 / 19802)
    log = (tiny_run.dir / "logs/tss_windows.log").read_text()
    n_edge = int(((truth["gene_type"] == "protein_coding") & (truth["edge"] == 1)).sum())
    assert f"dropped {n_edge} genes whose window runs off a chromosome end" in log


def test_tiny_cohort_features_match_reference_binning(tiny_run: SimpleNamespace) -> None:
    """Features of one cell against the numpy reference, read from the simulated bigWigs."""
    cell = tiny_run.cells[-1]
    feats = load_features(tiny_run.dir / f"results/features/{cell}.npz")
    win = pd.read_csv(tiny_run.dir / "results/annotation/tss_windows.tsv", sep="\t")
    assert list(win["gene_id"]) == list(feats.genes)
    for j, m in enumerate(MARKS):
        bw = pyBigWig.open(str(tiny_run.sim / "bigwig" / f"{cell}-{m}.fc.signal.bigwig"))
        sizes = dict(bw.chroms())
        dense = dense_tracks({c: bw.intervals(c) or [] for c in sizes}, sizes)
        bw.close()
        want = np.stack(
            [reference_from_dense(dense, w.chrom, w.start, w.strand) for w in win.itertuples()]
        )
        np.testing.assert_allclose(feats.X[:, j], want, rtol=1e-6, atol=1e-5, err_msg=m)
