"""GTF to strand-aware TSS windows: strands, filters, dropped genes and their log counts."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import GENES_DF, SIZES, HandMade, write_bigwig, write_gtf

from deepchrome2.data import steps
from deepchrome2.data.annotation import (
    WINDOW_COLUMNS,
    bigwig_chrom_sizes,
    common_chrom_sizes,
    read_bigwig_headers,
    read_genes,
    read_windows,
    refuse_partial_chromosomes,
    tss_windows,
)
from deepchrome2.errors import InputError

WINDOW = {"upstream": 5000, "downstream": 5000, "bin_size": 100}


def messages(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


def test_read_genes_strips_versions_filters_types_and_converts_coordinates(
    tmp_path: Path,
) -> None:
    gtf = write_gtf(tmp_path / "a.gtf")
    genes = read_genes(gtf, ["protein_coding"])
    pc = GENES_DF[GENES_DF["gene_type"] == "protein_coding"]
    assert sorted(genes["gene_id"]) == sorted(pc["bare_id"])  # one row per gene record
    # GTF is 1-based inclusive; windows use 0-based half-open, as the hand-made table.
    got = genes.set_index("gene_id").loc[pc["bare_id"]]
    np.testing.assert_array_equal(got["start"], pc["start"])
    np.testing.assert_array_equal(got["end"], pc["end"])
    np.testing.assert_array_equal(got["chrom"], pc["chrom"])
    np.testing.assert_array_equal(got["strand"], pc["strand"])
    both = read_genes(gtf, ["protein_coding", "lincRNA"])
    assert set(both["gene_id"]) == set(GENES_DF["bare_id"])
    with pytest.raises(InputError, match=r"no genes of types \['snoRNA'\]"):
        read_genes(gtf, ["snoRNA"])


def test_read_genes_accepts_ensembl_gene_biotype(tmp_path: Path) -> None:
    gtf = write_gtf(tmp_path / "a.gtf")
    text = gtf.read_text().replace("gene_type", "gene_biotype")
    ens = tmp_path / "ensembl.gtf"
    ens.write_text(text)
    assert len(read_genes(ens, ["lincRNA"])) == 1


def test_tss_and_window_follow_the_strand() -> None:
    genes = pd.DataFrame(
        {
            "gene_id": ["P", "M"],
            "chrom": ["chrA", "chrA"],
            "start": [10_000, 20_000],
            "end": [12_000, 26_000],
            "strand": ["+", "-"],
        }
    )
    win = tss_windows(genes, {"chrA": 100_000}, upstream=3000, downstream=1000)
    assert list(win.columns) == WINDOW_COLUMNS
    p, m = win.set_index("gene_id").loc["P"], win.set_index("gene_id").loc["M"]
    assert (p["tss"], p["start"], p["end"]) == (10_000, 7_000, 11_000)  # + : TSS = start
    assert (m["tss"], m["start"], m["end"]) == (26_000, 25_000, 29_000)  # - : TSS = end


def test_drops_genes_off_chromosome_ends_and_on_missing_chromosomes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    genes = GENES_DF[GENES_DF["gene_type"] == "protein_coding"].assign(
        gene_id=lambda d: d["bare_id"]
    )
    with caplog.at_level(logging.INFO):
        win = tss_windows(genes, SIZES, 5000, 5000)
    fate = GENES_DF.set_index("bare_id")["fate"]
    expect = fate[fate.isin(["kept", "no_rpkm"])].index
    assert set(win["gene_id"]) == set(expect)
    # the boundary genes (window exactly [0, 10000) and ending exactly at the end) are kept
    assert win["start"].min() == 0
    assert (win["end"] == win["chrom"].map(SIZES)).any()
    assert (win["start"] >= 0).all() and (win["end"] <= win["chrom"].map(SIZES)).all()
    log = messages(caplog)
    assert "dropped 1 genes on chromosomes missing from the bigWigs" in log
    assert "dropped 2 genes whose window runs off a chromosome end" in log
    assert f"kept {len(expect)} genes" in log
    # sorted by chromosome, then TSS
    assert list(win.sort_values(["chrom", "tss"])["gene_id"]) == list(win["gene_id"])


def test_genes_absent_from_expression_table_are_dropped_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    genes = GENES_DF.assign(gene_id=lambda d: d["bare_id"])
    expressed = GENES_DF.loc[GENES_DF["fate"] != "no_rpkm", "bare_id"].to_numpy()
    with caplog.at_level(logging.INFO):
        win = tss_windows(genes, SIZES, 5000, 5000, expressed=expressed)
    assert "ENSG00000000012" not in set(win["gene_id"])
    assert "dropped 1 annotated genes absent from the RPKM table" in messages(caplog)


def test_no_matching_ids_and_empty_gene_set_raise_input_error() -> None:
    genes = GENES_DF.assign(gene_id=lambda d: d["bare_id"])
    with pytest.raises(InputError) as err:
        tss_windows(genes, SIZES, 5000, 5000, expressed=np.array(["X1"]), source="t.pc")
    assert err.value.path == "t.pc" and "matches" in err.value.problem
    with pytest.raises(InputError) as err:  # every window runs off: nothing left
        tss_windows(genes, SIZES, 50_000, 50_000, source="t.pc")
    assert err.value.path == "t.pc" and "no genes left" in err.value.problem


def test_bigwig_chrom_sizes_is_the_intersection(tmp_path: Path) -> None:
    a = write_bigwig(tmp_path / "a.bw", {})
    b = tmp_path / "b.bw"
    import pyBigWig

    bw = pyBigWig.open(str(b), "w")
    bw.addHeader([("chrA", SIZES["chrA"]), ("chrB", SIZES["chrB"]), ("chrZ", 5000)], maxZooms=0)
    bw.close()
    # chrE is only in a, chrZ only in b
    assert bigwig_chrom_sizes([a, b]) == {"chrA": SIZES["chrA"], "chrB": SIZES["chrB"]}


def test_bigwigs_of_different_builds_are_refused(tmp_path: Path) -> None:
    """A chromosome with two sizes: an error naming the file and the chromosome, not a silent
    loss of its genes."""
    import pyBigWig

    a = write_bigwig(tmp_path / "a.bw", {})
    b = tmp_path / "b.bw"
    bw = pyBigWig.open(str(b), "w")
    bw.addHeader([("chrA", SIZES["chrA"]), ("chrB", 999)], maxZooms=0)
    bw.close()
    with pytest.raises(InputError, match="chromosome chrB is 999 bp here but 23,456 bp") as err:
        bigwig_chrom_sizes([a, b])
    assert err.value.path == str(b)


def test_bigwigs_named_chr1_and_1_are_refused_naming_both(tmp_path: Path) -> None:
    import pyBigWig

    a = write_bigwig(tmp_path / "a.bw", {})
    b = tmp_path / "b.bw"
    bw = pyBigWig.open(str(b), "w")
    bw.addHeader([(c.removeprefix("chr"), n) for c, n in SIZES.items()], maxZooms=0)
    bw.close()
    with pytest.raises(InputError, match="no chromosome name in common") as err:
        bigwig_chrom_sizes([a, b])
    assert err.value.path == str(b)
    assert "this file has A, B" in err.value.problem and f"{a} has chrA, chrB" in err.value.problem


def test_a_chromosome_missing_from_one_bigwig_is_refused_when_it_holds_genes(
    tmp_path: Path,
) -> None:
    """The genes of a chromosome that one bigWig lacks would be lost in every cell: refused,
    naming that file; a chromosome without genes is only left out."""
    import pyBigWig

    a = write_bigwig(tmp_path / "a.bw", {})
    b = tmp_path / "b.bw"
    bw = pyBigWig.open(str(b), "w")
    bw.addHeader([(c, n) for c, n in SIZES.items() if c != "chrB"], maxZooms=0)
    bw.close()
    headers = read_bigwig_headers([a, b])
    assert "chrB" not in common_chrom_sizes(headers)
    genes = pd.DataFrame({"chrom": ["chrA", "chrB", "chrB"]})
    with pytest.raises(InputError, match="no chromosome chrB in this bigWig") as err:
        refuse_partial_chromosomes(genes, headers, "g.gtf")
    assert err.value.path == str(b) and "it holds 2 genes of g.gtf" in err.value.problem
    refuse_partial_chromosomes(genes[genes["chrom"] == "chrA"], headers, "g.gtf")  # no error


def test_tss_windows_step_end_to_end(handmade: HandMade, tmp_path: Path) -> None:
    out = tmp_path / "win.tsv"
    bws = [str(handmade.bigwig("E003", m)) for m in handmade.marks]
    steps.tss_windows(
        str(handmade.gtf), str(handmade.rpkm), bws, ["E003"], ["protein_coding"], WINDOW, str(out)
    )
    win = read_windows(out)
    kept = GENES_DF.loc[GENES_DF["fate"] == "kept", "bare_id"]
    assert set(win["gene_id"]) == set(kept)
    assert win["gene_id"].is_unique


def test_read_windows_rejects_other_tables(tmp_path: Path) -> None:
    bad = tmp_path / "w.tsv"
    bad.write_text("gene_id\tchrom\nA\tchr1\n")
    with pytest.raises(InputError, match="w.tsv"):
        read_windows(bad)
