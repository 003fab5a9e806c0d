"""The expected signal of every mark on the 25 bp grid around the genes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from deepchrome2.data.simulate.genes import Genes, _place_genes, chrom_sizes
from deepchrome2.data.simulate.latent import Latent, _latent
from deepchrome2.data.simulate.params import SimulationParams
from deepchrome2.data.simulate.shapes import GRID, MARKS, blend_flat, in_window, mark_shape

log = logging.getLogger(__name__)

WINDOW = "window"  # key of the TSS-window indicator among the shape matrices


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
    offset: np.ndarray,
) -> dict[str, sparse.csr_matrix]:
    """Sparse (grid cells x genes) unit shapes of each mark, moved by each gene's ``offset``
    (bp, :func:`peak_offsets`) and blended toward flat by ``params.positional``; with a
    ``background``, under :data:`WINDOW` the indicator of each gene's TSS window."""
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
    shifted = d - np.repeat(offset, ncell)
    shape = (grid.size, len(idx))
    out = {
        m: sparse.csr_matrix(
            (
                blend_flat(
                    mark_shape(m, shifted, length), col, window, len(idx), params.positional
                ),
                (row, col),
            ),
            shape=shape,
        )
        for m in marks
    }
    if params.background:
        out[WINDOW] = sparse.csr_matrix((window.astype(float), (row, col)), shape=shape)
    return out


def peak_offsets(params: SimulationParams, n_genes: int) -> np.ndarray:
    """Offset (bp, downstream) of every mark's shape from the annotated TSS, genes x cells.

    Normal with SD ``peak_shift``. A share ``peak_shift_cell`` of its variance is drawn anew
    in each cell, as when cell types use different TSSs of a gene; the rest is the gene's, the
    same in every cell (at 0, one offset per gene). Both draws come from their own seeded
    streams, so ``peak_shift`` 0 leaves the cohort byte-identical.
    """
    if params.peak_shift < 0:
        raise ValueError(f"peak_shift must be >= 0, got {params.peak_shift}")
    share = params.peak_shift_cell
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"peak_shift_cell must lie in [0, 1], got {share}")
    n_cells = len(params.cells)
    z = np.random.default_rng([params.seed, 0x5F7]).normal(size=n_genes)
    if share == 0.0:
        return np.repeat((params.peak_shift * z)[:, None], n_cells, axis=1)
    zc = np.random.default_rng([params.seed, 0x5F8]).normal(size=(n_genes, n_cells))
    return params.peak_shift * (np.sqrt(1.0 - share) * z[:, None] + np.sqrt(share) * zc)


def background_levels(params: SimulationParams, n_genes: int) -> np.ndarray:
    """Broad expression-independent level of each gene's window, genes x marks.

    Log-normal with mean ``background`` (log-SD 1), the same in every cell: a broad domain the
    gene sits in, which says nothing about its expression. Its own seeded stream, as above.
    """
    if params.background < 0:
        raise ValueError(f"background must be >= 0, got {params.background}")
    z = np.random.default_rng([params.seed, 0xB6]).normal(size=(n_genes, len(MARKS)))
    return params.background * np.exp(z - 0.5)


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
        n_genes = len(self.genes.gene_id)
        offsets = peak_offsets(self.params, n_genes)[:, cells]
        background = background_levels(self.params, n_genes)
        for ci, (chrom, size) in enumerate(self.sizes.items()):
            idx = np.flatnonzero(self.genes.chrom == chrom)
            if len(idx) == 0:
                continue
            lo, hi = _gene_spans(self.genes, idx, size, self.params.flank)
            grid = _merge_blocks(lo, hi)
            shapes = _shape_matrices(
                self.genes, idx, grid, lo, hi, list(MARKS), self.params, offsets[idx, 0]
            )
            for mi, m in enumerate(MARKS):
                amp = self.latent.amplitude[m][idx][:, cells]
                expected = 1.0 + self._shaped(shapes, m, amp, idx, grid, lo, hi, offsets[idx])
                if self.params.background:
                    expected += (shapes[WINDOW] @ background[idx, mi])[:, None]
                yield ci, chrom, grid, idx, mi, expected

    def _shaped(
        self,
        shapes: dict[str, sparse.csr_matrix],
        mark: str,
        amp: np.ndarray,
        idx: np.ndarray,
        grid: ChromGrid,
        lo: np.ndarray,
        hi: np.ndarray,
        offsets: np.ndarray,
    ) -> np.ndarray:
        """Grid x cells signal of ``mark`` above 1: ``shapes`` (at the first cell's offsets)
        times the amplitudes, or, with offsets drawn per cell, each cell's own shapes."""
        if self.params.peak_shift_cell == 0.0:
            return shapes[mark] @ amp
        out = np.empty((grid.size, amp.shape[1]))
        for j in range(amp.shape[1]):
            own = _shape_matrices(self.genes, idx, grid, lo, hi, [mark], self.params, offsets[:, j])
            out[:, j] = own[mark] @ amp[:, j]
        return out
