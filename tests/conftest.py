"""Shared fixtures of the data-layer tests.

- hand-made inputs in Roadmap's formats (bigWigs with variable-length intervals and gaps, a
  GENCODE-style GTF, an RPKM table), small enough to check by hand;
- an independent pure-numpy reference for the binning (one dense array per chromosome);
- the DeepChrome toy archive (tests/data/deepchrome_toy/);
- one shared run of the real workflow on the tiny simulated cohort.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyBigWig
import pytest
from _smk import snakemake, tiny_config

from deepchrome2.config import cells as cfg_cells

TESTS = Path(__file__).resolve().parent
TOY_DIR = TESTS / "data" / "deepchrome_toy"
MARKS = ["H3K4me3", "H3K4me1", "H3K36me3", "H3K9me3", "H3K27me3"]
UP = DOWN = 5000
BIN = 100
N_BINS = (UP + DOWN) // BIN

# Chromosomes of the hand-made bigWigs. chrE is in the header but holds no data; chrB's size
# is not a multiple of the bin size. chrC (below) is annotated but absent from every bigWig.
SIZES = {"chrA": 60_000, "chrB": 23_456, "chrE": 30_000}

# gene_id (with version), chrom, start (0-based), end (exclusive), strand, gene_type, fate
GENES = [
    ("ENSG00000000001.3", "chrA", 10_000, 18_000, "+", "protein_coding", "kept"),
    ("ENSG00000000002.1", "chrA", 9_000, 14_050, "-", "protein_coding", "kept"),
    ("ENSG00000000003.12", "chrA", 45_000, 46_000, "+", "protein_coding", "kept"),
    ("ENSG00000000004.2", "chrA", 1_200, 6_000, "+", "protein_coding", "off_start"),
    ("ENSG00000000005.1", "chrB", 15_000, 23_000, "-", "protein_coding", "off_end"),
    ("ENSG00000000006.1", "chrB", 2_000, 5_000, "-", "protein_coding", "kept"),
    ("ENSG00000000007.4", "chrB", 18_456, 20_000, "+", "protein_coding", "kept"),
    ("ENSG00000000008.1", "chrC", 5_000, 9_000, "+", "protein_coding", "no_chrom"),
    ("ENSG00000000009.1", "chrA", 30_000, 32_000, "-", "lincRNA", "wrong_type"),
    ("ENSG00000000010.1", "chrE", 12_000, 15_000, "+", "protein_coding", "kept"),
    ("ENSG00000000011.2", "chrA", 52_000, 54_000, "-", "protein_coding", "kept"),
    ("ENSG00000000012.1", "chrA", 25_000, 27_000, "+", "protein_coding", "no_rpkm"),
]
GENES_DF = pd.DataFrame(
    GENES, columns=["gene_id", "chrom", "start", "end", "strand", "gene_type", "fate"]
)
GENES_DF["bare_id"] = GENES_DF["gene_id"].str.split(".").str[0]


Intervals = dict[str, list[tuple[int, int, float]]]


def random_intervals(rng: np.random.Generator, size: int, gap_prob: float = 0.3) -> list:
    """Sorted, non-overlapping (start, end, value) covering ``[0, size)`` with gaps.

    Interval lengths vary from 1 to 400 bp; the last one ends exactly at the chromosome end.
    """
    out, pos = [], 0
    while pos < size:
        end = min(size, pos + int(rng.integers(1, 401)))
        if end == size or rng.random() >= gap_prob:
            value = float(np.float32(rng.gamma(2.0, 3.0)))  # bigWigs store float32
            out.append((pos, end, value))
        pos = end
    return out


def write_bigwig(path: Path, intervals: Intervals, zooms: bool = False) -> Path:
    """bedGraph-style bigWig over :data:`SIZES`; ``zooms`` adds pyBigWig's zoom levels."""
    path.parent.mkdir(parents=True, exist_ok=True)
    bw = pyBigWig.open(str(path), "w")
    if zooms:
        bw.addHeader(list(SIZES.items()), maxZooms=10)
    else:
        bw.addHeader(list(SIZES.items()), maxZooms=0)
    for chrom in SIZES:
        iv = intervals.get(chrom, [])
        if iv:
            bw.addEntries(
                [chrom] * len(iv),
                [s for s, _, _ in iv],
                ends=[e for _, e, _ in iv],
                values=[v for _, _, v in iv],
            )
    bw.close()
    return path


def make_intervals(seed: int) -> Intervals:
    rng = np.random.default_rng(seed)
    return {
        "chrA": random_intervals(rng, SIZES["chrA"]),
        "chrB": random_intervals(rng, SIZES["chrB"]),
    }


def dense_tracks(intervals: Intervals, sizes: dict[str, int]) -> dict[str, np.ndarray]:
    """One base-level array per chromosome: the interval values, 0 in gaps."""
    dense = {}
    for chrom, size in sizes.items():
        arr = np.zeros(size)
        for s, e, v in intervals.get(chrom, []):
            arr[s:e] = v
        dense[chrom] = arr
    return dense


def reference_from_dense(
    dense: dict[str, np.ndarray], chrom: str, start: int, strand: str, n_bins: int = N_BINS
) -> np.ndarray:
    """Bin means of the window at ``start``; bases without data or off the chromosome are 0;
    - strand windows are reversed (bin 0 = most upstream)."""
    base = np.zeros(n_bins * BIN)
    if chrom in dense:
        pos = start + np.arange(n_bins * BIN)
        inside = (pos >= 0) & (pos < len(dense[chrom]))
        base[inside] = dense[chrom][pos[inside]]
    bins = base.reshape(n_bins, BIN).mean(axis=1)
    return bins[::-1] if strand == "-" else bins


def reference_bins(
    intervals: Intervals, chrom: str, start: int, strand: str, n_bins: int = N_BINS
) -> np.ndarray:
    """Independent reference binning of one window over the hand-made chromosomes."""
    return reference_from_dense(dense_tracks(intervals, SIZES), chrom, start, strand, n_bins)


def window_start(start: int, end: int, strand: str) -> int:
    """Window start of a gene: TSS - 5 kb on +; on -, the TSS is ``end`` and the window
    is [end - 5 kb, end + 5 kb)."""
    return start - UP if strand == "+" else end - DOWN


def write_gtf(path: Path, genes: pd.DataFrame = GENES_DF) -> Path:
    """GENCODE-style GTF (1-based inclusive) with gene and transcript records."""
    rows = ["##description: hand-made test annotation\n"]
    for g in genes.itertuples():
        attrs = f'gene_id "{g.gene_id}"; gene_type "{g.gene_type}"; gene_name "{g.bare_id}";'
        loc = f"{g.chrom}\tHAVANA\t{{}}\t{g.start + 1}\t{g.end}\t.\t{g.strand}\t."
        rows.append(f"{loc.format('gene')}\t{attrs} level 2;\n")
        rows.append(
            f'{loc.format("transcript")}\t{attrs} transcript_id "ENST{g.bare_id[4:]}.1"; level 2;\n'
        )
    path.write_text("".join(rows))
    return path


def rpkm_values(cells: list[str]) -> pd.DataFrame:
    """An RPKM table over every hand-made gene except the 'no_rpkm' one, plus extra genes."""
    genes = GENES_DF[GENES_DF["fate"] != "no_rpkm"]["bare_id"].tolist()
    genes += ["ENSG00000099998", "ENSG00000099999"]  # not annotated
    rng = np.random.default_rng(11)
    df = pd.DataFrame({"gene_id": genes})
    for cell in cells:
        df[cell] = np.round(rng.gamma(1.0, 20.0, len(genes)), 3)
    return df


@dataclass
class HandMade:
    """Paths and truth of a hand-made `files` input set."""

    root: Path
    cells: list[str]
    marks: list[str]
    gtf: Path
    rpkm: Path
    bigwig_pattern: str
    intervals: dict[tuple[str, str], Intervals] = field(default_factory=dict)

    def bigwig(self, cell: str, mark: str) -> Path:
        return Path(self.bigwig_pattern.format(cell=cell, mark=mark))

    def files_config(self, cells: list[str] | None = None) -> dict:
        return {
            "bigwig": self.bigwig_pattern,
            "rpkm": str(self.rpkm),
            "gtf": str(self.gtf),
            "cells": list(cells or self.cells),
        }


def make_handmade(root: Path, cells: tuple[str, ...] = ("E003",), zooms: bool = False) -> HandMade:
    """Write bigWigs for every (cell, mark), the GTF and the RPKM table under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    hm = HandMade(
        root=root,
        cells=list(cells),
        marks=list(MARKS),
        gtf=write_gtf(root / "genes.gtf"),
        rpkm=root / "rpkm.pc",
        bigwig_pattern=str(root / "bigwig" / "{cell}-{mark}.fc.signal.bigwig"),
    )
    # one more column, as in Roadmap's table of 57 epigenomes: a cell that is not configured
    rpkm_values([*cells, "E999"]).to_csv(hm.rpkm, sep="\t", index=False, float_format="%.3f")
    for ci, cell in enumerate(cells):
        for mi, mark in enumerate(MARKS):
            iv = make_intervals(100 * ci + mi)
            hm.intervals[cell, mark] = iv
            write_bigwig(hm.bigwig(cell, mark), iv, zooms=zooms)
    return hm


@pytest.fixture
def handmade(tmp_path: Path) -> HandMade:
    """One cell (E003) of hand-made inputs in ``tmp_path/inputs``."""
    return make_handmade(tmp_path / "inputs")


@pytest.fixture
def toy_archive(tmp_path: Path) -> Path:
    """The DeepChrome toy split laid out as ``{root}/E003/classification/*.csv``."""
    root = tmp_path / "archive"
    (root / "E003" / "classification").mkdir(parents=True)
    for s in ("train", "valid", "test"):
        shutil.copyfile(TOY_DIR / f"{s}.csv", root / "E003" / "classification" / f"{s}.csv")
    return root


def error_lines(stderr: str) -> list[str]:
    """The ``error: <file>: <problem>`` lines of a failed step."""
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


# One run of the data stage on the tiny simulated cohort, shared by all tests that need it.
# genome_scale 0.1 gives the tiny cohort the gene density of the default cohort (about one
# gene per 25 kb); at tiny.yaml's 0.02 neighbouring genes' windows overlap heavily.
@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    cfg = tiny_config(simulate={"genome_scale": 0.1})
    work = tmp_path_factory.mktemp("tiny_cohort")
    cells = cfg_cells(cfg)
    targets = [f"results/features/{c}.npz" for c in cells]
    targets += [f"results/labels/{c}.tsv" for c in cells]
    targets += ["results/splits/genes.tsv", "results/tables/oracle_auroc.tsv"]
    res = snakemake(work, cfg, "--cores", "2", *targets)
    assert res.returncode == 0, res.stderr[-4000:]
    sim = work / cfg["simulate"]["outdir"]
    return SimpleNamespace(dir=work, cfg=cfg, cells=cells, sim=sim)


@pytest.fixture(scope="module")
def one_torch_thread():
    """One intra-op torch thread for a module of small-tensor tests (no pool overhead)."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
