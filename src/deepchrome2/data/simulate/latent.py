"""The latent truth: activity, expression, chromatin state and mark amplitudes."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from deepchrome2.data.simulate.genes import Genes
from deepchrome2.data.simulate.params import SimulationParams
from deepchrome2.data.simulate.regulation import mark_coupling
from deepchrome2.data.simulate.shapes import MARKS

log = logging.getLogger(__name__)


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
