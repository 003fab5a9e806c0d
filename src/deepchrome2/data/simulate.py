"""Simulated Roadmap-like cohort with a known latent truth.

The generative model, per gene ``g`` and cell ``c`` (cell ``c`` in tissue group ``t(c)``):

- latent activity ``a[g, c] = gene[g] + group[g, t(c)] + cell[g, c]``; cells of one tissue
  group share the group term, so they are highly correlated, cells of other groups only
  somewhat. Heterochromatin genes get a negative shift;
- expression ``log(RPKM + 1) = max(0, mu + beta * a + noise)``;
- chromatin follows a noisy copy of the activity, ``h = a + noise`` (marks do not reveal
  expression perfectly); each mark is driven by ``c * h`` plus its own noise, where the
  coupling ``c`` is 1 unless ``group_specific`` inverts the mark in some tissue groups
  (:mod:`deepchrome2.data.simulate_regulation`), and each mark has a positional shape around
  the TSS (:mod:`deepchrome2.data.simulate_shapes`; ``positional`` < 1 blends every shape
  toward a flat profile over the window):

  - H3K4me3: a peak just downstream of active TSSs;
  - H3K4me1: two flanking peaks about 2 kb either side of active promoters;
  - H3K36me3: over the transcribed body, downstream of the TSS only, rising towards 3';
  - H3K27me3: a broad domain over repressed Polycomb-target genes;
  - H3K9me3: a broad heterochromatin domain over a subset of genes (low expression);
  - bivalent promoters (Polycomb targets that are repressed in a cell) carry both H3K4me3
    and H3K27me3 while expression stays low, so position and combination both matter.

- observed fold-enrichment per 25 bp is count-like: ``Poisson(depth * E * Gamma) / depth``,
  with a per-cell depth spread by ``depth_sd``.

Files are written in Roadmap's formats: ``bigwig/{cell}-{mark}.fc.signal.bigwig``,
``57epigenomes.RPKM.pc``, a GENCODE-style GTF and ``chrom.sizes``. bigWigs carry no zoom
levels (readers here use base-level data). Signal is written around
genes only; the rest of each chromosome is left without data (read as 0).

The truth goes to ``truth/``: ``activity.tsv``, ``chromatin.tsv`` (the state the marks are
drawn from), ``genes.tsv`` (gene classes), ``cells.tsv``
(tissue groups) and ``class_profiles.npz`` (noise-free expected binned signal per cell, class,
mark and bin, where class is the high/low-expression label).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyBigWig
from scipy import sparse

from deepchrome2.data.simulate_regulation import mark_coupling
from deepchrome2.data.simulate_shapes import GRID, MARKS, blend_flat, in_window, mark_shape
from deepchrome2.io import write_tsv

log = logging.getLogger(__name__)

HG19_SIZES: dict[str, int] = {
    "chr1": 249250621,
    "chr2": 243199373,
    "chr3": 198022430,
    "chr4": 191154276,
    "chr5": 180915260,
    "chr6": 171115067,
    "chr7": 159138663,
    "chr8": 146364022,
    "chr9": 141213431,
    "chr10": 135534747,
    "chr11": 135006516,
    "chr12": 133851895,
    "chr13": 115169878,
    "chr14": 107349540,
    "chr15": 102531392,
    "chr16": 90354753,
    "chr17": 81195210,
    "chr18": 78077248,
    "chr19": 59128983,
    "chr20": 63025520,
    "chr21": 48129895,
    "chr22": 51304566,
    "chrX": 155270560,
}

# Knobs of the generative model that the ``simulate:`` config section may set.
KNOBS = (
    "group_specific",
    "positional",
    "sd_chromatin",
    "sd_chromatin_spread",
    "sd_mark",
    "sd_rna",
    "depth",
    "depth_sd",
)


@dataclass
class SimulationParams:
    """Knobs of the generative model. Defaults give per-cell AUROC near real data."""

    seed: int = 2022
    n_genes: int = 3000
    genome_scale: float = 0.05
    chromosomes: list[str] = field(default_factory=lambda: list(HG19_SIZES)[:8])
    tissue_groups: dict[str, list[str]] = field(
        default_factory=lambda: {"ESC": ["E003", "E004"], "BLOOD": ["E062", "E034"]}
    )
    sd_group: float = 0.8
    sd_cell: float = 0.35
    sd_chromatin: float = 0.9
    # spread of chromatin noise between cells: sd_chromatin x exp(spread x N(0, 1)) per cell
    sd_chromatin_spread: float = 0.0
    sd_mark: float = 0.35
    sd_rna: float = 0.6
    # 0: one histone-to-expression map for all cells; up to 1: marks invert between groups
    group_specific: float = 0.0
    # 1: marks keep their positional shapes; 0: each is flat over the TSS window
    positional: float = 1.0
    frac_polycomb: float = 0.3
    frac_heterochromatin: float = 0.08
    frac_bivalent: float = 0.5
    frac_noncoding: float = 0.03
    frac_edge: float = 0.005
    depth: float = 4.0
    # spread of sequencing depth between cells: depth x exp(depth_sd x N(0, 1)) per cell
    depth_sd: float = 0.0
    dispersion: float = 4.0
    upstream: int = 5000
    downstream: int = 5000
    bin_size: int = 100

    @property
    def flank(self) -> int:
        """bp of signal written on each side of a TSS."""
        return max(self.upstream, self.downstream) + 500

    @property
    def cells(self) -> list[str]:
        return [c for cs in self.tissue_groups.values() for c in cs]

    def cell_sd_chromatin(self) -> np.ndarray:
        """Chromatin-state noise of each cell (its own seeded stream; all ``sd_chromatin`` at
        ``sd_chromatin_spread`` 0): how tightly the marks' state follows expression."""
        z = np.random.default_rng([self.seed, 0xC4]).normal(size=len(self.cells))
        return self.sd_chromatin * np.exp(self.sd_chromatin_spread * z)

    def cell_depth(self) -> np.ndarray:
        """Sequencing depth of each cell (its own seeded stream; all ``depth`` at
        ``depth_sd`` 0)."""
        z = np.random.default_rng([self.seed, 0xDE9]).normal(size=len(self.cells))
        return self.depth * np.exp(self.depth_sd * z)


@dataclass
class Genes:
    """Gene annotation of the simulated cohort (0-based, half-open coordinates)."""

    gene_id: np.ndarray
    chrom: np.ndarray
    start: np.ndarray
    end: np.ndarray
    strand: np.ndarray
    gene_type: np.ndarray
    polycomb: np.ndarray
    heterochromatin: np.ndarray
    edge: np.ndarray

    @property
    def tss(self) -> np.ndarray:
        return np.where(self.strand == "+", self.start, self.end)


def chrom_sizes(params: SimulationParams) -> dict[str, int]:
    """hg19 sizes of the configured chromosomes, scaled and rounded to the 25 bp grid."""
    return {c: int(HG19_SIZES[c] * params.genome_scale) // GRID * GRID for c in params.chromosomes}


def _place_genes(params: SimulationParams, rng: np.random.Generator) -> Genes:
    sizes = chrom_sizes(params)
    n = params.n_genes
    weights = np.array(list(sizes.values()), dtype=float)
    per_chrom = rng.multinomial(n, weights / weights.sum())
    lengths = np.clip(rng.lognormal(np.log(8000), 0.8, n), 1000, 40000)
    lengths = (lengths // GRID * GRID).astype(np.int64)
    strand = np.where(rng.random(n) < 0.5, "+", "-")
    edge = rng.random(n) < params.frac_edge
    chroms, tss = [], []
    for (chrom, size), k in zip(sizes.items(), per_chrom, strict=True):
        margin = params.flank + 45000
        if size < 2 * margin:
            raise ValueError(f"chromosome {chrom} too small at genome_scale {params.genome_scale}")
        pos = rng.integers(margin // GRID, (size - margin) // GRID, size=k) * GRID
        chroms += [chrom] * k
        tss.append(np.sort(pos))
    chrom_arr = np.array(chroms)
    tss_arr = np.concatenate(tss).astype(np.int64)
    # A few genes sit right at a chromosome end: their window runs off and they get dropped.
    for i in np.flatnonzero(edge):
        size = sizes[chrom_arr[i]]
        tss_arr[i] = 2000 if strand[i] == "+" else size - 2000
    lengths[edge] = 1000
    plus = strand == "+"
    start = np.where(plus, tss_arr, tss_arr - lengths)
    end = np.where(plus, tss_arr + lengths, tss_arr)
    start = np.clip(start, 0, None)
    end = np.minimum(end, [sizes[c] for c in chrom_arr])
    ids = rng.choice(np.arange(1, 300000), size=n, replace=False) * 10 + 3
    gene_type = np.where(rng.random(n) < params.frac_noncoding, "lincRNA", "protein_coding")
    return Genes(
        gene_id=np.array([f"ENSG{i:011d}" for i in ids]),
        chrom=chrom_arr,
        start=start.astype(np.int64),
        end=end.astype(np.int64),
        strand=strand,
        gene_type=gene_type,
        polycomb=rng.random(n) < params.frac_polycomb,
        heterochromatin=rng.random(n) < params.frac_heterochromatin,
        edge=edge,
    )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class Latent:
    """Latent truth: activity, RPKM, chromatin state and per-mark amplitudes (genes x cells)."""

    activity: np.ndarray
    rpkm: np.ndarray
    chromatin: np.ndarray
    bivalent: np.ndarray
    amplitude: dict[str, np.ndarray]


def _latent(params: SimulationParams, genes: Genes, rng: np.random.Generator) -> Latent:
    n = len(genes.gene_id)
    groups = list(params.tissue_groups)
    group_of = np.array([groups.index(g) for g, cs in params.tissue_groups.items() for _ in cs])
    n_cells = len(group_of)
    gene_eff = rng.normal(0.0, 1.0, n) - 1.2 * genes.heterochromatin
    group_eff = rng.normal(0.0, params.sd_group, (n, len(groups)))
    cell_eff = rng.normal(0.0, params.sd_cell, (n, n_cells))
    activity = gene_eff[:, None] + group_eff[:, group_of] + cell_eff
    log_rpkm = np.maximum(0.0, 1.5 + 1.6 * activity + rng.normal(0, params.sd_rna, activity.shape))
    rpkm = np.round(np.expm1(log_rpkm), 3)

    sd = params.cell_sd_chromatin() / params.sd_chromatin if params.sd_chromatin else 1.0
    chromatin = activity + sd * rng.normal(0.0, params.sd_chromatin, activity.shape)
    coupling = mark_coupling(params.seed, len(groups), len(MARKS), params.group_specific)

    def h(mark: str) -> np.ndarray:
        c = coupling[group_of, MARKS.index(mark)]
        return c[None, :] * chromatin + rng.normal(0.0, params.sd_mark, activity.shape)

    pcg = genes.polycomb[:, None]
    repressed = chromatin < -0.2
    bivalent = pcg & repressed & (rng.random(activity.shape) < params.frac_bivalent)
    het = genes.heterochromatin[:, None]
    amplitude = {
        "H3K4me3": 14.0 * _sigmoid(2.0 * (h("H3K4me3") - 0.2)) + 5.0 * bivalent,
        "H3K4me1": 3.5 * _sigmoid(2.0 * (h("H3K4me1") + 0.4)),
        "H3K36me3": 4.0 * _sigmoid(2.0 * (h("H3K36me3") - 0.3)),
        "H3K27me3": pcg * 5.0 * _sigmoid(-2.5 * (h("H3K27me3") + 0.2)) + 1.5 * bivalent,
        "H3K9me3": het * (2.0 + 2.0 * _sigmoid(-h("H3K9me3"))),
    }
    return Latent(activity, rpkm, chromatin, bivalent, amplitude)


@dataclass
class ChromGrid:
    """The 25 bp cells of one chromosome that carry signal, as merged blocks."""

    block_start: np.ndarray  # bp, multiple of GRID
    block_len: np.ndarray  # in grid cells
    block_offset: np.ndarray  # index of the block's first cell in the concatenated grid

    @property
    def size(self) -> int:
        return int(self.block_len.sum())

    def index(self, pos: np.ndarray) -> np.ndarray:
        """Concatenated-grid index of genomic positions (must lie inside blocks)."""
        b = np.searchsorted(self.block_start, pos, side="right") - 1
        return self.block_offset[b] + (pos - self.block_start[b]) // GRID


def _gene_spans(
    genes: Genes, idx: np.ndarray, size: int, flank: int
) -> tuple[np.ndarray, np.ndarray]:
    tss = genes.tss[idx]
    plus = genes.strand[idx] == "+"
    lo = np.where(plus, tss - flank, np.minimum(tss - flank, genes.start[idx] - 500))
    hi = np.where(plus, np.maximum(tss + flank, genes.end[idx] + 500), tss + flank)
    return np.clip(lo, 0, size), np.clip(hi, 0, size)


def _merge_blocks(lo: np.ndarray, hi: np.ndarray) -> ChromGrid:
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], hi[order]
    run_hi = np.maximum.accumulate(hi)
    new = np.ones(len(lo), dtype=bool)
    new[1:] = lo[1:] > run_hi[:-1]
    starts = lo[new]
    ends = np.maximum.reduceat(run_hi, np.flatnonzero(new))
    lens = (ends - starts) // GRID
    offsets = np.concatenate([[0], np.cumsum(lens)[:-1]])
    return ChromGrid(starts, lens, offsets)


def _shape_matrices(
    genes: Genes,
    idx: np.ndarray,
    grid: ChromGrid,
    lo: np.ndarray,
    hi: np.ndarray,
    marks: list[str],
    params: SimulationParams,
) -> dict[str, sparse.csr_matrix]:
    """Sparse (grid cells x genes) unit shapes of each mark, blended toward flat by
    ``params.positional``."""
    ncell = (hi - lo) // GRID
    col = np.repeat(np.arange(len(idx)), ncell)
    first = np.repeat(np.cumsum(ncell) - ncell, ncell)
    within = np.arange(ncell.sum()) - first
    pos = np.repeat(lo, ncell) + within * GRID
    row = grid.index(pos)
    centre = pos + GRID / 2
    tss = np.repeat(genes.tss[idx], ncell)
    plus = np.repeat(genes.strand[idx] == "+", ncell)
    d = np.where(plus, centre - tss, tss - centre)
    length = np.repeat(genes.end[idx] - genes.start[idx], ncell)
    window = in_window(d, params.upstream, params.downstream)
    shape = (grid.size, len(idx))
    return {
        m: sparse.csr_matrix(
            (
                blend_flat(mark_shape(m, d, length), col, window, len(idx), params.positional),
                (row, col),
            ),
            shape=shape,
        )
        for m in marks
    }


def _bin_windows(
    track: np.ndarray,
    grid: ChromGrid,
    tss: np.ndarray,
    plus: np.ndarray,
    upstream: int,
    downstream: int,
    bin_size: int,
) -> np.ndarray:
    """Expected signal binned over TSS windows: (genes, bins, ...) from a (grid, ...) track."""
    per_bin = bin_size // GRID
    n_cells = (upstream + downstream) // GRID
    first = grid.index(np.where(plus, tss - upstream, tss - downstream))
    rows = first[:, None] + np.arange(n_cells)[None, :]
    vals = track[rows]  # genes x cells_in_window x ...
    binned = vals.reshape(len(tss), n_cells // per_bin, per_bin, *track.shape[1:]).mean(axis=2)
    binned[~plus] = binned[~plus, ::-1]
    return binned


@dataclass
class Cohort:
    """Genes and latent truth, regenerated identically from the seed by every job."""

    params: SimulationParams
    sizes: dict[str, int]
    genes: Genes
    latent: Latent

    @classmethod
    def from_params(cls, params: SimulationParams) -> Cohort:
        rng = np.random.default_rng(params.seed)
        genes = _place_genes(params, rng)
        return cls(params, chrom_sizes(params), genes, _latent(params, genes, rng))

    def expected_signal(
        self, cells: list[int]
    ) -> Iterator[tuple[int, str, ChromGrid, np.ndarray, int, np.ndarray]]:
        """Yield (chrom index, chrom, grid, gene indices, mark index, grid x cells signal)."""
        for ci, (chrom, size) in enumerate(self.sizes.items()):
            idx = np.flatnonzero(self.genes.chrom == chrom)
            if len(idx) == 0:
                continue
            lo, hi = _gene_spans(self.genes, idx, size, self.params.flank)
            grid = _merge_blocks(lo, hi)
            shapes = _shape_matrices(self.genes, idx, grid, lo, hi, list(MARKS), self.params)
            for mi, m in enumerate(MARKS):
                amp = self.latent.amplitude[m][idx][:, cells]
                yield ci, chrom, grid, idx, mi, 1.0 + shapes[m] @ amp


def simulate_annotation(params: SimulationParams, outdir: str | Path) -> None:
    """Write the RPKM table, GTF, chrom.sizes and the truth under ``outdir``."""
    out = Path(outdir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    cohort = Cohort.from_params(params)
    genes, latent, cells = cohort.genes, cohort.latent, params.cells
    log.info(
        "simulating %d genes x %d cells on %d chromosomes (%.1f Mb)",
        len(genes.gene_id),
        len(cells),
        len(cohort.sizes),
        sum(cohort.sizes.values()) / 1e6,
    )
    coding = (genes.gene_type == "protein_coding") & ~genes.edge
    median = np.median(latent.rpkm[coding], axis=0)
    label = latent.rpkm > median[None, :]
    if params.bin_size % GRID or (params.upstream + params.downstream) % params.bin_size:
        raise ValueError(f"bin size and window must be multiples of {GRID} bp and of the bin size")
    n_bins = (params.upstream + params.downstream) // params.bin_size
    profile_sum = np.zeros((len(cells), 2, len(MARKS), n_bins))
    for _, _, grid, idx, mi, expected in cohort.expected_signal(list(range(len(cells)))):
        keep = coding[idx]
        binned = _bin_windows(
            expected,
            grid,
            genes.tss[idx][keep],
            genes.strand[idx][keep] == "+",
            params.upstream,
            params.downstream,
            params.bin_size,
        )
        lab = label[idx][keep]
        for k in range(len(cells)):
            for cls in (0, 1):
                profile_sum[k, cls, mi] += binned[lab[:, k] == cls, :, k].sum(axis=0)
    n_class = np.stack([(~label[coding]).sum(0), label[coding].sum(0)], axis=1)
    np.savez(
        out / "truth" / "class_profiles.npz",
        profiles=(profile_sum / n_class[:, :, None, None]).astype(np.float32),
        cells=np.array(cells),
        marks=np.array(MARKS),
        bin_starts=np.arange(-params.upstream, params.downstream, params.bin_size),
    )
    _write_tables(params, genes, latent, cohort.sizes, out)
    log.info("annotation, expression and truth written to %s", out)


def simulate_bigwigs(params: SimulationParams, cell: str, paths: dict[str, str]) -> None:
    """Write one cell's bigWigs (``paths``: mark -> output path), one per mark."""
    if cell not in params.cells:
        raise ValueError(f"cell {cell} is not in the simulated cohort {params.cells}")
    k = params.cells.index(cell)
    depth = float(params.cell_depth()[k])
    cohort = Cohort.from_params(params)
    writers = {}
    for m in MARKS:
        if m not in paths:
            continue
        Path(paths[m]).parent.mkdir(parents=True, exist_ok=True)
        writers[m] = pyBigWig.open(str(paths[m]), "w")
        writers[m].addHeader(list(cohort.sizes.items()), maxZooms=0)
    try:
        for ci, chrom, grid, _, mi, expected in cohort.expected_signal([k]):
            if MARKS[mi] not in writers:
                continue
            crng = np.random.default_rng([params.seed, ci, mi, k])
            lam = depth * expected[:, 0]
            lam *= crng.gamma(params.dispersion, 1.0 / params.dispersion, lam.shape)
            fe = crng.poisson(lam) / depth
            bw = writers[MARKS[mi]]
            for s, n0, off in zip(grid.block_start, grid.block_len, grid.block_offset, strict=True):
                bw.addEntries(chrom, int(s), values=fe[off : off + n0], span=GRID, step=GRID)
    finally:
        for bw in writers.values():
            bw.close()
    log.info("cell %s: %d bigWigs written", cell, len(writers))


def _write_tables(
    params: SimulationParams, genes: Genes, latent: Latent, sizes: dict[str, int], out: Path
) -> None:
    cells = params.cells
    bare = genes.gene_id
    rpkm = pd.DataFrame(latent.rpkm, columns=cells)
    rpkm.insert(0, "gene_id", bare)
    write_tsv(out / "57epigenomes.RPKM.pc", rpkm, float_format="%.3f")
    for name, values in (("activity", latent.activity), ("chromatin", latent.chromatin)):
        table = pd.DataFrame(values, columns=cells)
        table.insert(0, "gene_id", bare)
        write_tsv(out / "truth" / f"{name}.tsv", table, float_format="%.5f")
    write_tsv(
        out / "truth" / "genes.tsv",
        pd.DataFrame(
            {
                "gene_id": bare,
                "gene_type": genes.gene_type,
                "polycomb": genes.polycomb.astype(int),
                "heterochromatin": genes.heterochromatin.astype(int),
                "edge": genes.edge.astype(int),
                "bivalent_cells": latent.bivalent.sum(axis=1),
            }
        ),
    )
    write_tsv(
        out / "truth" / "cells.tsv",
        pd.DataFrame(
            {
                "cell": cells,
                "tissue_group": [g for g, cs in params.tissue_groups.items() for _ in cs],
            }
        ),
    )
    (out / "chrom.sizes").write_text("".join(f"{c}\t{s}\n" for c, s in sizes.items()))
    write_gtf(out / "gencode.annotation.gtf", genes)


def write_gtf(path: str | Path, genes: Genes) -> None:
    """Write gene and transcript records in GENCODE's GTF layout (1-based, inclusive)."""
    rows = []
    for i in np.argsort(genes.chrom, kind="stable"):
        gid = f"{genes.gene_id[i]}.{1 + i % 9}"
        gtype = genes.gene_type[i]
        common = (
            f'gene_id "{gid}"; transcript_id "{gid}"; gene_type "{gtype}"; '
            f'gene_status "KNOWN"; gene_name "SIM{i}";'
        )
        loc = f"{genes.chrom[i]}\tHAVANA\t{{}}\t{genes.start[i] + 1}\t{genes.end[i]}\t.\t{genes.strand[i]}\t."  # noqa: E501
        rows.append(f"{loc.format('gene')}\t{common} level 2;\n")
        tid = f"ENST{genes.gene_id[i][4:]}.1"
        rows.append(
            f'{loc.format("transcript")}\tgene_id "{gid}"; transcript_id "{tid}"; '
            f'gene_type "{gtype}"; gene_status "KNOWN"; gene_name "SIM{i}"; '
            f'transcript_type "{gtype}"; level 2;\n'
        )
    header = "##description: simulated cohort, GENCODE-style gene annotation\n##format: gtf\n"
    Path(path).write_text(header + "".join(rows))
