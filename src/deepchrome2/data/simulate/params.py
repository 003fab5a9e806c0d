"""Knobs of the simulated cohort's generative model, and hg19's chromosome sizes."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

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
    "peak_shift",
    "peak_shift_cell",
    "background",
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
    # SD (bp) of a per-gene offset of every mark's shape from the annotated TSS
    peak_shift: float = 0.0
    # share of that offset's variance drawn anew in each cell (0: the same offset in every cell)
    peak_shift_cell: float = 0.0
    # mean fold enrichment of a broad, expression-independent level over each gene's window
    background: float = 0.0
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
