"""Genes of the simulated cohort: placement on the chromosomes, strand, classes."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from deepchrome2.data.simulate.params import HG19_SIZES, SimulationParams
from deepchrome2.data.simulate.shapes import GRID

log = logging.getLogger(__name__)


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
