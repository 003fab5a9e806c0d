"""Expression labels (DeepChrome's median rule) and the shared gene split."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deepchrome2.data.expression import make_labels, read_rpkm, strip_version
from deepchrome2.data.split import assign_splits
from deepchrome2.data.steps import split_genes
from deepchrome2.io import load_split, write_tsv


def test_strip_version() -> None:
    got = strip_version(pd.Series(["ENSG00000000003.10", "ENSG00000000005", "ENSG1.2.3"]))
    assert list(got) == ["ENSG00000000003", "ENSG00000000005", "ENSG1"]


def test_labels_use_the_median_over_kept_genes_only() -> None:
    # Kept genes A..E have median 5; the extra genes (not kept) would move the median to 50.
    rpkm = pd.DataFrame(
        {"E003": [1.0, 5.0, 9.0, 2.0, 7.0, 50.0, 60.0, 70.0, 80.0]},
        index=["A", "B", "C", "D", "E", "X1", "X2", "X3", "X4"],
    )
    kept = np.array(["C", "A", "B", "E", "D"])
    lab = make_labels(rpkm, "E003", kept)
    assert list(lab["gene_id"]) == list(kept)  # rows follow the kept genes
    # high = RPKM > median (strict): B equals the median (5) and is low
    assert list(lab["label"]) == [1, 0, 0, 1, 0]
    np.testing.assert_allclose(lab["log_rpkm"], np.log([10.0, 2.0, 6.0, 8.0, 3.0]))


def test_labels_even_count_median_and_ties() -> None:
    rpkm = pd.DataFrame({"c": [0.0, 0.0, 0.0, 3.0, 4.0, 4.0]}, index=list("abcdef"))
    lab = make_labels(rpkm, "c", np.array(list("abcdef")))
    assert list(lab["label"]) == [0, 0, 0, 1, 1, 1]  # median (0 + 3) / 2 = 1.5
    rpkm = pd.DataFrame({"c": [0.0, 0.0, 0.0, 0.0, 4.0]}, index=list("abcde"))
    assert make_labels(rpkm, "c", np.array(list("abcde")))["label"].sum() == 1


def test_read_rpkm_strips_versions_and_keeps_requested_cells(tmp_path: Path) -> None:
    path = tmp_path / "r.pc"
    pd.DataFrame(
        {
            "gene_id": ["ENSG00000000003.4", "ENSG00000000005"],
            "E003": [1.5, 0.0],
            "E004": [np.nan, -1.0],  # not requested: not checked
        }
    ).to_csv(path, sep="\t", index=False)
    df = read_rpkm(path, ["E003"])
    assert list(df.index) == ["ENSG00000000003", "ENSG00000000005"]
    assert list(df.columns) == ["E003"]
    assert df.loc["ENSG00000000003", "E003"] == 1.5


def test_read_rpkm_drops_the_chry_copies_of_pseudoautosomal_genes(tmp_path: Path, caplog) -> None:
    """GENCODE quantifications list a PAR gene twice, its chrY copy as ``..._PAR_Y``, often
    with other values; the chrX row stands for the gene, as in the annotation."""
    path = tmp_path / "r.tsv"
    pd.DataFrame(
        {
            "gene_id": ["ENSG00000182378.14", "ENSG00000182378.14_PAR_Y", "ENSG00000000005.6",
                        "ENSG00000000007.2_PAR_Y"],
            "E003": [12.0, 0.0, 3.0, 4.0],
        }
    ).to_csv(path, sep="\t", index=False)  # fmt: skip
    with caplog.at_level(logging.WARNING):
        df = read_rpkm(path, ["E003"])
    assert df["E003"].to_dict() == {
        "ENSG00000182378": 12.0,
        "ENSG00000000005": 3.0,
        "ENSG00000000007": 4.0,  # no chrX row: the only record of its gene
    }
    assert "1 chrY copies of pseudoautosomal genes" in caplog.text
    assert "ENSG00000182378.14_PAR_Y" in caplog.text


def test_split_sizes_of_deepchrome() -> None:
    genes = np.array([f"ENSG{i:011d}" for i in range(19_802)])
    split = assign_splits(genes, {"train": 6601, "valid": 6601, "test": 6600}, seed=2016)
    assert split["split"].value_counts().to_dict() == {"train": 6601, "valid": 6601, "test": 6600}
    # a partition: every gene exactly once
    assert split["gene_id"].is_unique and set(split["gene_id"]) == set(genes)


def test_split_is_deterministic_per_seed_and_independent_of_gene_order() -> None:
    rng = np.random.default_rng(0)
    genes = np.array([f"G{i}" for i in range(1000)])
    props = {"train": 6601, "valid": 6601, "test": 6600}
    a = assign_splits(genes, props, seed=3)
    b = assign_splits(rng.permutation(genes), props, seed=3)
    pd.testing.assert_frame_equal(a, b)
    c = assign_splits(genes, props, seed=4)
    assert not a["split"].equals(c["split"])
    # proportions are honoured for other sizes too (fractions or counts)
    d = assign_splits(genes, {"train": 0.5, "valid": 0.25, "test": 0.25}, seed=3)
    assert d["split"].value_counts().to_dict() == {"train": 500, "valid": 250, "test": 250}


def test_split_rejects_duplicate_genes() -> None:
    with pytest.raises(ValueError, match="unique"):
        assign_splits(np.array(["A", "A", "B"]), {"train": 1, "valid": 1, "test": 1}, seed=0)


def test_split_genes_step_writes_a_disjoint_split(tmp_path: Path) -> None:
    genes = [f"ENSG{i:011d}" for i in range(300)]
    win = pd.DataFrame(
        {
            "gene_id": genes,
            "chrom": "chr1",
            "tss": np.arange(300) * 20_000 + 10_000,
            "strand": "+",
            "start": np.arange(300) * 20_000 + 5_000,
            "end": np.arange(300) * 20_000 + 15_000,
        }
    )
    write_tsv(tmp_path / "w.tsv", win)
    out = tmp_path / "s.tsv"
    split_genes(str(tmp_path / "w.tsv"), {"train": 6601, "valid": 6601, "test": 6600}, 9, str(out))
    split = load_split(out)
    assert split["gene_id"].is_unique and set(split["gene_id"]) == set(genes)
    assert split["split"].value_counts().to_dict() == {"train": 100, "valid": 100, "test": 100}
    first = out.read_bytes()
    split_genes(str(tmp_path / "w.tsv"), {"train": 6601, "valid": 6601, "test": 6600}, 9, str(out))
    assert out.read_bytes() == first
