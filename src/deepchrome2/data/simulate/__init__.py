"""Simulated Roadmap-like cohort with a known latent truth.

The generative model, per gene ``g`` and cell ``c`` (cell ``c`` in tissue group ``t(c)``):

- latent activity ``a[g, c] = gene[g] + group[g, t(c)] + cell[g, c]``; cells of one tissue
  group share the group term, so they are highly correlated, cells of other groups only
  somewhat. Heterochromatin genes get a negative shift;
- expression ``log(RPKM + 1) = max(0, mu + beta * a + noise)``;
- chromatin follows a noisy copy of the activity, ``h = a + noise`` (marks do not reveal
  expression perfectly); each mark is driven by ``c * h`` plus its own noise, where the
  coupling ``c`` is 1 unless ``group_specific`` inverts the mark in some tissue groups
  (:mod:`.regulation`), and each mark has a positional shape around
  the TSS (:mod:`.shapes`; ``positional`` < 1 blends every shape
  toward a flat profile over the window):

  - H3K4me3: a peak just downstream of active TSSs;
  - H3K4me1: two flanking peaks about 2 kb either side of active promoters;
  - H3K36me3: over the transcribed body, downstream of the TSS only, rising towards 3';
  - H3K27me3: a broad domain over repressed Polycomb-target genes;
  - H3K9me3: a broad heterochromatin domain over a subset of genes (low expression);
  - bivalent promoters (Polycomb targets that are repressed in a cell) carry both H3K4me3
    and H3K27me3 while expression stays low, so position and combination both matter.

  ``peak_shift`` moves every mark's shape of a gene by one offset from the annotated TSS (as
  an alternative TSS would; ``peak_shift_cell`` draws a share of it per cell), and
  ``background`` adds a broad level over each gene's window that says nothing about its
  expression (:mod:`.signal`);

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

The package by concern: :mod:`.params` (the knobs), :mod:`.genes` (placing genes),
:mod:`.latent` (the truth), :mod:`.regulation` (mark coupling per tissue group),
:mod:`.shapes` (each mark's shape around the TSS), :mod:`.signal` (expected signal on the
grid), :mod:`.writers` (the files) and :mod:`.reference` (the reference classifier's AUROC).
The names below load their module on first use, so that reading :data:`MARKS` (the config
check does, while the workflow is parsed) imports no bigWig or sparse-matrix library.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "HG19_SIZES": "params",
    "KNOBS": "params",
    "SimulationParams": "params",
    "Genes": "genes",
    "chrom_sizes": "genes",
    "Latent": "latent",
    "MARKS": "shapes",
    "GRID": "shapes",
    "mark_shape": "shapes",
    "in_window": "shapes",
    "blend_flat": "shapes",
    "mark_coupling": "regulation",
    "ChromGrid": "signal",
    "Cohort": "signal",
    "simulate_annotation": "writers",
    "simulate_bigwigs": "writers",
    "write_gtf": "writers",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
