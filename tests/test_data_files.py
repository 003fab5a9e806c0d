"""Files as people download them: sample sheets, gzipped tables and GTFs, Ensembl naming,
repeated gene IDs. Function level; tests/test_cohort.py runs them through the workflow."""

from __future__ import annotations

import gzip
import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import GENES_DF, SIZES, write_gtf

from deepchrome2.data.annotation import harmonise_chroms, read_genes
from deepchrome2.data.expression import read_rpkm, strip_version
from deepchrome2.errors import InputError
from deepchrome2.messages import first_few
from deepchrome2.samples import cohort_from_pattern, cohort_from_sheet

MARKS = ["H3K4me3", "H3K27ac"]


def write_sheet(path: Path, rows: list[tuple], header: str = "cell\tmark\tbigwig") -> Path:
    path.write_text(header + "\n" + "".join("\t".join(r) + "\n" for r in rows))
    return path


def full_rows(cells=("K562", "GM12878"), marks=MARKS) -> list[tuple]:
    return [(c, m, f"bw/{c}.{m}.bigWig") for c in cells for m in marks]


def test_sheet_gives_cells_marks_and_files(tmp_path: Path) -> None:
    rows = [(c, m, b, "blood", "") for c, m, b in full_rows()]
    rows[3] = ("GM12878", "H3K27ac", "https://example.org/GM12878.bw", "blood", "ENCODE")
    sheet = write_sheet(tmp_path / "s.tsv", rows, "cell\tmark\tbigwig\ttissue\tdescription")
    cohort = cohort_from_sheet(sheet)
    assert cohort.cells == ["K562", "GM12878"] and cohort.marks == MARKS
    assert cohort.bigwigs["K562", "H3K27ac"] == "bw/K562.H3K27ac.bigWig"
    assert cohort.is_url("GM12878", "H3K27ac") and not cohort.is_url("K562", "H3K27ac")
    assert cohort.tissue == {"K562": "blood", "GM12878": "blood"}


def test_config_marks_in_another_order_set_the_input_channels(tmp_path: Path) -> None:
    """With marks: listing the sheet's marks in another order, that order is the models'
    channel order; without marks:, the sheet's own."""
    from deepchrome2.config import cohort

    sheet = write_sheet(tmp_path / "s.tsv", full_rows())
    cfg = {"source": "files", "files": {"samples": str(sheet)}}
    assert cohort(cfg).marks == MARKS
    reordered = list(reversed(MARKS))
    got = cohort({**cfg, "marks": reordered})
    assert got.marks == reordered
    assert got.bigwigs["K562", MARKS[0]] == f"bw/K562.{MARKS[0]}.bigWig"
    assert cohort(cfg).marks == MARKS  # the sheet's cohort is not changed in place


def test_pattern_shorthand_equals_the_sheet_it_stands_for(tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path / "s.tsv", full_rows())
    pattern = cohort_from_pattern("bw/{cell}.{mark}.bigWig", ["K562", "GM12878"], MARKS)
    assert pattern == cohort_from_sheet(sheet)


def test_twenty_marks_but_not_twenty_one(tmp_path: Path) -> None:
    marks = [f"M{i}" for i in range(21)]
    ok = write_sheet(tmp_path / "ok.tsv", full_rows(("A",), marks[:20]))
    assert len(cohort_from_sheet(ok).marks) == 20
    bad = write_sheet(tmp_path / "bad.tsv", full_rows(("A",), marks))
    with pytest.raises(InputError, match="21 marks; at most 20"):
        cohort_from_sheet(bad)


@pytest.mark.parametrize(
    "rows, header, problem",
    [
        (full_rows()[:-1], None, "cell GM12878 has no row for mark(s) H3K27ac"),
        ([*full_rows(), full_rows()[0]], None, "duplicate rows for cell K562 mark H3K4me3"),
        ([("K562 (rep 1)", "H3K4me3", "a.bw")], None, "line 2: cell 'K562 (rep 1)'"),
        ([("K562", "H3K4me3", "s3://bucket/a.bw")], None, "scheme 's3'"),
        ([("K562", "H3K4me3", "a.bw")], "cell\tmark\tbigwig\ttisue", "unknown column 'tisue'"),
        ([("K562", "a.bw")], "cell\tbigwig", "lacks column(s) mark"),
        ([], None, "no rows"),
    ],
    ids=[
        "missing_mark",
        "duplicate",
        "bad_cell_id",
        "bad_scheme",
        "column_typo",
        "no_mark",
        "empty",
    ],
)
def test_bad_sheet_is_named(tmp_path: Path, rows, header, problem: str) -> None:
    if header and header.endswith("tisue"):
        rows = [(*r, "blood") for r in rows]
    sheet = write_sheet(tmp_path / "s.tsv", rows, header or "cell\tmark\tbigwig")
    with pytest.raises(InputError) as err:
        cohort_from_sheet(sheet)
    assert err.value.path == str(sheet)
    assert problem in err.value.problem


def test_every_missing_mark_is_named_and_a_mark_typo_gets_a_hint(tmp_path: Path) -> None:
    rows = full_rows(("K562", "GM12878", "HepG2"))
    rows[5] = ("HepG2", "H3k27ac", "bw/HepG2.H3k27ac.bigWig")  # a typo on one row
    sheet = write_sheet(tmp_path / "s.tsv", rows)
    with pytest.raises(InputError) as err:
        cohort_from_sheet(sheet)
    problem = err.value.problem
    for cell, mark in [("K562", "H3k27ac"), ("GM12878", "H3k27ac"), ("HepG2", "H3K27ac")]:
        assert f"cell {cell} has no row for mark(s) {mark}" in problem
    assert "mark H3k27ac is on 1 of 3 cells (did you mean 'H3K27ac'?)" in problem
    assert "mark H3K27ac is on" not in problem  # the mark on most cells is not the typo


def test_a_sheet_bigwig_path_that_is_not_a_file_names_the_sheet(tmp_path: Path) -> None:
    from deepchrome2 import config as cfg

    rows = [(c, m, str(tmp_path / f"{c}.{m}.bw")) for c, m, _ in full_rows()]
    rows[1] = ("K562", "H3K27ac", "https://example.org/K562.bw")  # a URL is downloaded
    for _, _, path in rows[2:]:
        Path(path).write_bytes(b"")
    sheet = write_sheet(tmp_path / "s.tsv", rows)
    config = {"source": "files", "files": {"samples": str(sheet)}, "download": {}}
    found = cohort_from_sheet(sheet)
    with pytest.raises(InputError) as err:
        cfg.check_local_bigwigs(config, found)
    assert err.value.path == str(sheet)
    assert err.value.problem == f"bigWig of cell K562 mark H3K4me3 not found: {rows[0][2]}"
    Path(rows[0][2]).write_bytes(b"")
    cfg.check_local_bigwigs(config, found)  # every path a file now; the URL is not checked


def test_unknown_column_names_the_nearest(tmp_path: Path) -> None:
    rows = [(*r, "blood") for r in full_rows()]
    sheet = write_sheet(tmp_path / "s.tsv", rows, "cell\tmark\tbigwig\ttisue")
    with pytest.raises(InputError, match="did you mean 'tissue'"):
        cohort_from_sheet(sheet)


def test_strip_version_only_from_ensembl_ids() -> None:
    ids = ["ENSG00000000003.14", "ENSG00000182378.14_PAR_Y", "ENSMUSG00000000001.4", "RP11-34P13.3"]
    assert list(strip_version(ids)) == [
        "ENSG00000000003",
        "ENSG00000182378",
        "ENSMUSG00000000001",
        "RP11-34P13.3",
    ]


def _table(tmp_path: Path, rows: list[tuple], name: str = "t.tsv.gz") -> Path:
    path = tmp_path / name
    pd.DataFrame(rows, columns=["gene", "K562", "HepG2"]).to_csv(path, sep="\t", index=False)
    return path


def test_gzipped_table_with_own_gene_column(tmp_path: Path) -> None:
    path = _table(tmp_path, [("ENSG1.3", 1.5, 0.0), ("ENSG2.1", 7.0, 2.0)])
    assert gzip.decompress(path.read_bytes())[:4] == b"gene"  # really gzipped
    df = read_rpkm(path, ["HepG2"], gene_id="gene")
    assert list(df.index) == ["ENSG1", "ENSG2"] and list(df["HepG2"]) == [0.0, 2.0]
    with pytest.raises(InputError, match="no 'gene_id' column"):
        read_rpkm(path, ["HepG2"])


def test_repeated_gene_with_equal_values_is_kept_once(tmp_path: Path, caplog) -> None:
    path = _table(tmp_path, [("ENSG1.3", 1.5, 0.0), ("ENSG2.1", 7.0, 2.0), ("ENSG1.4", 1.5, 0.0)])
    with caplog.at_level(logging.WARNING):
        df = read_rpkm(path, ["K562", "HepG2"], gene_id="gene")
    assert list(df.index) == ["ENSG1", "ENSG2"]
    assert "1 repeated rows of 1 gene IDs with equal values kept once" in caplog.text


def test_repeated_gene_with_different_values_is_refused(tmp_path: Path) -> None:
    path = _table(tmp_path, [("ENSG1.3", 1.5, 0.0), ("ENSG2.1", 7.0, 2.0), ("ENSG1.4", 1.5, 3.0)])
    with pytest.raises(InputError) as err:
        read_rpkm(path, ["K562", "HepG2"], gene_id="gene")
    assert err.value.path == str(path)
    assert "gene ENSG1 is listed more than once with different values" in err.value.problem


def ensembl_gtf(tmp_path: Path) -> Path:
    """The hand-made GTF the Ensembl way: chromosomes without 'chr', gene_biotype, gzipped."""
    plain = write_gtf(tmp_path / "g.gtf")
    text = plain.read_text().replace("\tchr", "\t").replace("gene_type", "gene_biotype")
    text = "\n".join(line[3:] if line.startswith("chr") else line for line in text.splitlines())
    out = tmp_path / "Homo_sapiens.gtf.gz"
    out.write_bytes(gzip.compress((text + "\n").encode()))
    return out


def test_ensembl_gtf_gz_read_without_warnings(tmp_path: Path) -> None:
    gtf = ensembl_gtf(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        genes = read_genes(gtf, ["protein_coding"])
    coding = GENES_DF[GENES_DF["gene_type"] == "protein_coding"]
    assert sorted(genes["gene_id"]) == sorted(coding["bare_id"])
    assert set(genes["chrom"]) == {"A", "B", "C", "E"}


def test_gtf_drops_the_chry_copies_of_pseudoautosomal_genes(tmp_path: Path, caplog) -> None:
    """A GENCODE GTF lists a PAR gene on chrX and again as ``..._PAR_Y``; the record without
    the suffix is kept. The copy is put where it comes first in the file and in any sort by
    chromosome and position, so that keeping the first record would keep the copy."""
    coding = GENES_DF[GENES_DF["gene_type"] == "protein_coding"]
    gene = coding[coding["chrom"] == "chrB"].iloc[[0]]
    copy = gene.assign(gene_id=gene["gene_id"] + "_PAR_Y", chrom="chrA", start=100, end=900)
    gtf = write_gtf(tmp_path / "par.gtf", pd.concat([copy, GENES_DF], ignore_index=True))
    with caplog.at_level(logging.INFO):
        genes = read_genes(gtf, ["protein_coding"]).set_index("gene_id")
    assert sorted(genes.index) == sorted(coding["bare_id"])
    kept = genes.loc[gene["bare_id"].iloc[0]]
    assert (kept["chrom"], kept["start"]) == ("chrB", gene["start"].iloc[0])
    assert "1 chrY copies of pseudoautosomal genes (_PAR_Y) dropped from the GTF" in caplog.text


def test_chromosome_names_matched_to_the_bigwigs(tmp_path: Path, caplog) -> None:
    genes = read_genes(ensembl_gtf(tmp_path), ["protein_coding"])
    with caplog.at_level(logging.INFO):
        out = harmonise_chroms(genes, SIZES, "g.gtf.gz", "a.bw")
    assert set(out["chrom"]) == {"chrA", "chrB", "chrC", "chrE"}
    on_bigwigs = int(np.isin(out["chrom"], list(SIZES)).sum())
    assert on_bigwigs == len(genes) - 1  # the chrC gene has no bigWig chromosome
    assert f"{on_bigwigs} of {len(genes)} genes are on chromosomes of the bigWigs" in caplog.text
    # and back: a GENCODE GTF against Ensembl-named bigWigs
    bare = {c[3:]: s for c, s in SIZES.items()}
    assert set(harmonise_chroms(out, bare, "g.gtf", "a.bw")["chrom"]) == {"A", "B", "C", "E"}


def test_mitochondrion_names() -> None:
    genes = pd.DataFrame({"gene_id": ["g1"], "chrom": ["MT"]})
    assert list(harmonise_chroms(genes, {"chrM": 16569}, "g", "b")["chrom"]) == ["chrM"]
    genes = pd.DataFrame({"gene_id": ["g1"], "chrom": ["chrM"]})
    assert list(harmonise_chroms(genes, {"MT": 16569}, "g", "b")["chrom"]) == ["MT"]


def test_no_shared_chromosome_names_both_files(tmp_path: Path) -> None:
    genes = pd.DataFrame({"gene_id": ["g1", "g2"], "chrom": ["scaffold_1", "scaffold_2"]})
    with pytest.raises(InputError) as err:
        harmonise_chroms(genes, {"chr1": 10, "chr2": 10}, "g.gtf", "K562.bw")
    assert err.value.path == "g.gtf"
    assert (
        "the GTF has scaffold_1, scaffold_2; the bigWigs (K562.bw, ...) share chr1, chr2"
        in err.value.problem
    )


def test_shipped_sheets_are_valid() -> None:
    repo = Path(__file__).resolve().parents[1]
    example = cohort_from_sheet(repo / "config" / "samples.tsv")
    assert example.cells == ["K562", "GM12878", "HepG2"] and "H3K27ac" in example.marks
    roadmap = cohort_from_sheet(repo / "config" / "roadmap_samples.tsv")
    assert len(roadmap.cells) == 56 and len(roadmap.marks) == 5
    assert all(roadmap.is_url(c, m) for c in roadmap.cells for m in roadmap.marks)


def test_empty_sheet_file(tmp_path: Path) -> None:
    sheet = tmp_path / "s.tsv"
    sheet.write_text("")
    with pytest.raises(InputError, match="the sample sheet is empty"):
        cohort_from_sheet(sheet)


def test_a_sheet_lacking_a_mark_on_many_cells_names_five_and_counts_the_rest(
    tmp_path: Path,
) -> None:
    cells = tuple(f"C{i}" for i in range(1, 8))
    rows = [r for r in full_rows(cells) if r[1] != "H3K27ac" or r[0] == "C1"]
    sheet = write_sheet(tmp_path / "s.tsv", rows)
    with pytest.raises(InputError) as err:
        cohort_from_sheet(sheet)
    problem = err.value.problem
    assert "\n" not in problem
    for cell in ("C2", "C3", "C4", "C5", "C6"):
        assert f"cell {cell} has no row for mark(s) H3K27ac" in problem
    assert "cell C7" not in problem
    assert "cell C6 has no row for mark(s) H3K27ac and 1 more;" in problem


@pytest.mark.parametrize(
    ("items", "limit", "expected"),
    [
        (["a", "b"], 5, "a, b"),
        (["a", "b", "c"], 3, "a, b, c"),
        (["a", "b", "c", "d"], 2, "a, b and 2 more"),
        ([], 3, ""),
    ],
)
def test_first_few_shortens_a_list(items: list[str], limit: int, expected: str) -> None:
    assert first_few(items, limit) == expected
