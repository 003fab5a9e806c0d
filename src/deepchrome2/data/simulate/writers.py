"""Files of the simulated cohort in Roadmap's formats, and its truth."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyBigWig

from deepchrome2.data.simulate.genes import Genes
from deepchrome2.data.simulate.latent import Latent
from deepchrome2.data.simulate.params import SimulationParams
from deepchrome2.data.simulate.shapes import GRID, MARKS
from deepchrome2.data.simulate.signal import Cohort, _bin_windows
from deepchrome2.io import write_tsv

log = logging.getLogger(__name__)


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
