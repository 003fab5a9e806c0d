"""Data-stage steps, one per workflow rule; the adapters in workflow_scripts/ call these."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from deepchrome2.config import window_bins
from deepchrome2.data import annotation, binning, deepchrome_csv, expression, simulate
from deepchrome2.data.split import assign_splits
from deepchrome2.errors import InputError
from deepchrome2.io import (
    Features,
    load_features,
    load_labels,
    load_split,
    save_features,
    write_tsv,
)

log = logging.getLogger(__name__)


def simulation_params(
    sim: Mapping[str, Any], window: Mapping[str, int]
) -> simulate.SimulationParams:
    """Simulator parameters from the ``simulate`` and ``window`` config sections.

    The generative model's knobs (:data:`simulate.KNOBS`) are optional in the config; an absent
    one keeps the simulator's default.
    """
    return simulate.SimulationParams(
        seed=sim["seed"],
        n_genes=sim["n_genes"],
        genome_scale=sim["genome_scale"],
        chromosomes=list(sim["chromosomes"]),
        tissue_groups=dict(sim["tissue_groups"]),
        upstream=window["upstream"],
        downstream=window["downstream"],
        bin_size=window["bin_size"],
        **{k: float(sim[k]) for k in simulate.KNOBS if k in sim},
    )


def n_bins(window: Mapping[str, int]) -> int:
    """Bins per window; the window must be a whole number of bins."""
    return window_bins(window)


def tss_windows(
    gtf: str,
    rpkm: str,
    bigwigs: list[str],
    cells: list[str],
    gene_types: list[str],
    window: Mapping[str, int],
    out: str,
    gene_id: str = "gene_id",
) -> None:
    """GTF + RPKM + bigWig headers -> the kept genes' TSS windows."""
    n_bins(window)
    table = expression.read_rpkm(rpkm, cells, gene_id)
    genes = annotation.read_genes(gtf, gene_types)
    headers = annotation.read_bigwig_headers(bigwigs)
    sizes = annotation.common_chrom_sizes(headers)
    genes = annotation.harmonise_chroms(genes, sizes, gtf, bigwigs[0])
    annotation.refuse_partial_chromosomes(genes, headers, gtf)
    log.info(
        "%d annotated genes of types %s; %d chromosomes in all bigWigs",
        len(genes),
        gene_types,
        len(sizes),
    )
    win = annotation.tss_windows(
        genes,
        sizes,
        window["upstream"],
        window["downstream"],
        expressed=table.index.to_numpy(),
        source=rpkm,
    )
    write_tsv(out, win)


def bin_signals(
    windows: str, bigwigs: Mapping[str, str], window: Mapping[str, int], out: str
) -> None:
    """Bin one cell's bigWigs over the TSS windows into ``results/features/{cell}.npz``."""
    win = annotation.read_windows(windows)
    X = binning.bin_cell(
        dict(bigwigs), win, window["upstream"] + window["downstream"], window["bin_size"]
    )
    starts = np.arange(-window["upstream"], window["downstream"], window["bin_size"])
    save_features(
        out, Features(X=X, genes=win["gene_id"].to_numpy(), marks=list(bigwigs), bin_starts=starts)
    )


def labels(rpkm: str, windows: str, cell: str, out: str, gene_id: str = "gene_id") -> None:
    """High/low expression labels of one cell over the kept genes."""
    table = expression.read_rpkm(rpkm, [cell], gene_id)
    genes = annotation.read_windows(windows)["gene_id"].to_numpy()
    write_tsv(out, expression.make_labels(table, cell, genes), float_format="%.6g")


def split_genes(windows: str, proportions: Mapping[str, float], seed: int, out: str) -> None:
    """The shared gene split over the kept genes."""
    genes = annotation.read_windows(windows)["gene_id"].to_numpy()
    split = assign_splits(genes, dict(proportions), seed)
    log.info("split sizes: %s", split["split"].value_counts().to_dict())
    write_tsv(out, split)


def import_deepchrome_csv(
    root: str,
    cell: str,
    marks: list[str],
    window: Mapping[str, int],
    features_out: str,
    labels_out: str,
) -> None:
    """One cell of a DeepChrome CSV archive -> features and labels."""
    feats, lab, _ = deepchrome_csv.read_archive_cell(
        root, cell, marks, window["bin_size"], n_bins(window)
    )
    save_features(features_out, feats)
    write_tsv(labels_out, lab)


def import_deepchrome_split(root: str, cells: list[str], out: str) -> None:
    """The archive's gene split, checked to be identical across cells."""
    ref: pd.DataFrame | None = None
    for cell in cells:
        split = (
            pd.concat(
                [
                    pd.DataFrame(
                        {
                            "gene_id": pd.read_csv(
                                deepchrome_csv.split_path(root, cell, s),
                                header=None,
                                usecols=[0],
                                dtype=str,
                            )[0].unique(),
                            "split": s,
                        }
                    )
                    for s in ("train", "valid", "test")
                ]
            )
            .sort_values("gene_id")
            .reset_index(drop=True)
        )
        if ref is not None and not ref.equals(split):
            raise InputError(
                deepchrome_csv.split_path(root, cell, "train"),
                f"gene split of {cell} differs from that of {cells[0]}",
            )
        ref = split
    assert ref is not None
    write_tsv(out, ref)


def export_deepchrome_csv(
    features: str, labels_file: str, split: str, root: str, cell: str
) -> None:
    """Write one cell's tensors back out in the DeepChrome CSV archive layout."""
    deepchrome_csv.write_archive_cell(
        root, cell, load_features(features), load_labels(labels_file), load_split(split)
    )


def simulate_cohort(sim: Mapping[str, Any], window: Mapping[str, int], outdir: str | Path) -> None:
    """Annotation, expression table and truth of the simulated cohort."""
    simulate.simulate_annotation(simulation_params(sim, window), outdir)


def simulate_bigwigs(
    sim: Mapping[str, Any], window: Mapping[str, int], cell: str, paths: Mapping[str, str]
) -> None:
    """One simulated cell's bigWigs."""
    simulate.simulate_bigwigs(simulation_params(sim, window), cell, dict(paths))
