"""The simulator's knobs (group-specific map, positional shapes, depth spread) and the
reference AUROCs (chromatin state, Bayes-style model on noise-free features)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from deepchrome2.data.simulate import SimulationParams, simulate_annotation
from deepchrome2.data.simulate.reference import (
    bayes_scores,
    expected_features,
    oracle_auroc,
    reference_inputs,
    reference_model,
)
from deepchrome2.data.simulate.regulation import mark_coupling
from deepchrome2.data.simulate.shapes import MARKS, blend_flat, in_window, mark_shape
from deepchrome2.data.simulate.signal import (
    Cohort,
    _bin_windows,
    background_levels,
    peak_offsets,
)
from deepchrome2.data.steps import simulation_params
from deepchrome2.errors import InputError
from deepchrome2.io import load_labels, load_split
from deepchrome2.training.summary import per_cell_auroc

GROUPS = {"ESC": ["E003", "E004"], "BLOOD": ["E062", "E034"]}


def test_blend_flat_keeps_the_window_mean_and_removes_position() -> None:
    d = np.tile(np.arange(-5500, 5500, 25) + 12.5, 2)
    gene = np.repeat([0, 1], len(d) // 2)
    length = np.where(gene == 0, 3000.0, 20000.0)
    window = in_window(d, 5000, 5000)
    for mark in ("H3K4me3", "H3K36me3"):
        shape = mark_shape(mark, d, length)
        assert blend_flat(shape, gene, window, 2, 1.0) is shape
        flat = blend_flat(shape, gene, window, 2, 0.0)
        half = blend_flat(shape, gene, window, 2, 0.5)
        np.testing.assert_allclose(half, 0.5 * shape + 0.5 * flat)
        assert (flat[~window] == 0).all()
        for g in (0, 1):
            inside = window & (gene == g)
            assert np.ptp(flat[inside]) < 1e-12  # flat over the window
            assert flat[inside].mean() == pytest.approx(shape[inside].mean())
            assert np.ptp(shape[inside]) > 0.5  # while the shape itself is not
    with pytest.raises(ValueError, match="positional"):
        blend_flat(shape, gene, window, 2, 1.5)


def test_mark_coupling_inverts_each_mark_in_half_of_the_groups() -> None:
    assert (mark_coupling(3, 3, 5, 0.0) == 1.0).all()
    full = mark_coupling(3, 3, 5, 1.0)
    assert set(np.unique(full)) == {-1.0, 1.0}
    assert ((full == -1.0).sum(axis=0) == 1).all()  # per mark, 1 of 3 groups
    half = mark_coupling(3, 3, 5, 0.5)
    np.testing.assert_array_equal(half == 0.0, full == -1.0)
    two = mark_coupling(3, 2, 5, 1.0)
    assert ((two == -1.0).sum(axis=0) == 1).all()
    assert not np.array_equal(mark_coupling(3, 4, 5, 1.0), mark_coupling(4, 4, 5, 1.0))
    with pytest.raises(ValueError, match="group_specific"):
        mark_coupling(3, 3, 5, -0.1)


def _params(**knobs) -> SimulationParams:
    return SimulationParams(
        seed=5, n_genes=300, genome_scale=0.05, chromosomes=["chr21"], tissue_groups=GROUPS,
        **knobs,
    )  # fmt: skip


def test_group_specific_map_changes_marks_not_expression(tmp_path: Path) -> None:
    simulate_annotation(_params(), tmp_path / "shared")
    simulate_annotation(_params(group_specific=1.0), tmp_path / "specific")
    for rel in ("57epigenomes.RPKM.pc", "truth/activity.tsv", "truth/chromatin.tsv"):
        assert (tmp_path / "shared" / rel).read_bytes() == (
            tmp_path / "specific" / rel
        ).read_bytes()
    k4 = 0  # H3K4me3
    flip = mark_coupling(5, 2, 5, 1.0)[:, k4] < 0
    for name, inverted_groups in (("shared", [False, False]), ("specific", list(flip))):
        npz = np.load(tmp_path / name / "truth" / "class_profiles.npz")
        near = np.abs(npz["bin_starts"] + 50) < 1000
        prof = npz["profiles"][:, :, k4, :][:, :, near].mean(axis=2)  # cells x classes
        for k, inverted in enumerate(np.repeat(inverted_groups, 2)):
            high_more = prof[k, 1] > prof[k, 0]
            assert high_more != inverted, (name, k, prof[k])


def test_positional_zero_is_flat_with_the_same_window_mean(tmp_path: Path) -> None:
    p = dict(seed=6, n_genes=12, genome_scale=0.05, chromosomes=["chr1"], tissue_groups=GROUPS)
    simulate_annotation(SimulationParams(**p), tmp_path / "shaped")
    simulate_annotation(SimulationParams(**p, positional=0.0), tmp_path / "flat")
    shaped = np.load(tmp_path / "shaped" / "truth" / "class_profiles.npz")["profiles"]
    flat = np.load(tmp_path / "flat" / "truth" / "class_profiles.npz")["profiles"]
    # isolated genes (checked in test_data_simulate): each window holds its own gene only
    np.testing.assert_allclose(flat.mean(axis=3), shaped.mean(axis=3), rtol=1e-5)
    assert np.ptp(flat, axis=3).max() < 1e-4
    assert np.ptp(shaped, axis=3).max() > 1.0


def _binned_25bp(params: SimulationParams, mark: str, cells: list[int]) -> tuple:
    """Noise-free signal of ``mark`` at 25 bp over every gene's window: (gene rows, array)."""
    cohort = Cohort.from_params(params)
    genes = cohort.genes
    for _, _, grid, idx, mi, expected in cohort.expected_signal(cells):
        if MARKS[mi] == mark:
            plus = genes.strand[idx] == "+"
            return idx, _bin_windows(expected, grid, genes.tss[idx], plus, 5000, 5000, 25)
    raise AssertionError(f"no {mark} track")


ISOLATED = dict(seed=6, n_genes=12, genome_scale=0.05, chromosomes=["chr1"], tissue_groups=GROUPS)


def test_peak_shift_moves_each_genes_shapes_off_the_tss() -> None:
    # H3K4me3 peaks 200 bp downstream of the TSS (shapes.mark_shape); every gene has some.
    for shift in (0.0, 1500.0):
        params = SimulationParams(**ISOLATED, peak_shift=shift)
        idx, binned = _binned_25bp(params, "H3K4me3", [0])
        summit = binned[:, :, 0].argmax(axis=1) * 25 - 5000 + 12.5  # bp downstream of the TSS
        want = 200.0 + peak_offsets(params, 12)[idx, 0]
        inside = np.abs(want) < 4500
        assert inside.sum() >= 8
        assert np.abs(summit - want)[inside].max() <= 25.0, (shift, summit, want)
    many = peak_offsets(SimulationParams(peak_shift=1500.0), 20000)
    assert many.shape == (20000, 4)
    assert (many == many[:, :1]).all()  # one offset per gene, the same in every cell
    assert abs(many[:, 0].std() - 1500.0) < 50.0 and abs(many.mean()) < 40.0
    assert not peak_offsets(SimulationParams(), 100).any()
    with pytest.raises(ValueError, match="peak_shift"):
        peak_offsets(SimulationParams(peak_shift=-1.0), 10)


def test_peak_shift_cell_draws_a_share_of_the_offset_per_cell() -> None:
    """The offsets of two cells correlate as 1 - share, keep their SD, and leave the gene's own
    draw (all a gene has at share 0) in place."""
    shared = peak_offsets(SimulationParams(peak_shift=1500.0), 20000)[:, 0]
    for share in (0.25, 0.5, 1.0):
        off = peak_offsets(SimulationParams(peak_shift=1500.0, peak_shift_cell=share), 20000)
        r = np.corrcoef(off.T)[np.triu_indices(4, 1)]
        assert np.abs(r - (1.0 - share)).max() < 0.03, (share, r)
        assert np.abs(off.std(axis=0) - 1500.0).max() < 50.0
        r_gene = np.corrcoef(off[:, 0], shared)[0, 1]
        assert abs(r_gene - np.sqrt(1.0 - share)) < 0.03, (share, r_gene)
    with pytest.raises(ValueError, match="peak_shift_cell"):
        peak_offsets(SimulationParams(peak_shift=1.0, peak_shift_cell=1.5), 10)


def test_offsets_per_cell_move_each_cells_peaks_and_agree_across_calls() -> None:
    """With offsets per cell, each cell's H3K4me3 summit sits at its own offset, and a job that
    simulates one cell (the bigWig writers) gets the signal that the all-cells pass (the truth
    profiles) gets for that cell."""
    params = SimulationParams(**ISOLATED, peak_shift=1500.0, peak_shift_cell=1.0)
    off = peak_offsets(params, 12)
    idx, both = _binned_25bp(params, "H3K4me3", [0, 2])
    for k, cell in enumerate((0, 2)):
        summit = both[:, :, k].argmax(axis=1) * 25 - 5000 + 12.5
        want = 200.0 + off[idx, cell]
        inside = np.abs(want) < 4500
        assert inside.sum() >= 6
        assert np.abs(summit - want)[inside].max() <= 25.0, (cell, summit, want)
        _, alone = _binned_25bp(params, "H3K4me3", [cell])
        np.testing.assert_array_equal(alone[:, :, 0], both[:, :, k])
    assert np.abs(off[idx, 0] - off[idx, 2]).max() > 500.0  # the cells' peaks do differ


def test_background_adds_a_flat_level_the_same_in_every_cell() -> None:
    # H3K9me3 is zero on genes outside heterochromatin: their window is baseline plus background.
    for level in (0.0, 2.0):
        params = SimulationParams(**ISOLATED, background=level)
        idx, binned = _binned_25bp(params, "H3K9me3", [0, 1, 2, 3])
        bare = ~Cohort.from_params(params).genes.heterochromatin[idx]
        assert bare.sum() >= 8
        want = 1.0 + background_levels(params, 12)[idx, MARKS.index("H3K9me3")]
        np.testing.assert_allclose(
            binned[bare], np.broadcast_to(want[bare, None, None], binned[bare].shape)
        )
        assert (want[bare] > 1.0).all() == (level > 0)
    levels = background_levels(SimulationParams(background=2.0), 20000)
    assert abs(levels.mean() - 2.0) < 0.1 and levels.min() > 0
    assert levels.std(axis=0).min() > 1.5  # varies between genes: log-SD 1
    with pytest.raises(ValueError, match="background"):
        background_levels(SimulationParams(background=-0.5), 10)


def test_reference_reads_each_marks_summit_under_shifted_peaks_and_background() -> None:
    """With shapes off the TSS and a broad level under them, a mark's height is in no one
    coarse bin: the reference's summit and contrast features are what keep it a ceiling.
    Against the same spline model on the coarse bins alone, on the noise-free features of 1,500
    simulated genes, simulator seeds 1-4 gave +0.043 to +0.066 AUROC."""
    params = SimulationParams(
        seed=1, n_genes=1500, genome_scale=0.05, chromosomes=["chr1", "chr2", "chr3"],
        tissue_groups=GROUPS, peak_shift=3000.0, background=1.0,
    )  # fmt: skip
    cohort = Cohort.from_params(params)
    keep = ~cohort.genes.edge & (cohort.genes.gene_type == "protein_coding")
    X = expected_features(params, cohort.genes.gene_id[keep])[0]
    rpkm = cohort.latent.rpkm[keep, 0]
    y = rpkm > np.median(rpkm)
    fit = np.random.default_rng(0).random(len(y)) < 2 / 3
    Z = reference_inputs(X, summits=False)
    plain = reference_model().fit(Z[fit], y[fit]).predict_proba(Z[~fit])[:, 1]
    full = bayes_scores(X, y, fit, ~fit)
    assert roc_auc_score(y[~fit], full) > roc_auc_score(y[~fit], plain) + 0.02


def test_depth_spread_between_cells() -> None:
    assert (_params().cell_depth() == 4.0).all()
    spread = _params(depth_sd=0.5).cell_depth()
    assert len(np.unique(spread)) == 4 and (spread > 0).all()
    np.testing.assert_array_equal(spread, _params(depth_sd=0.5).cell_depth())


def test_config_knobs_reach_the_simulator() -> None:
    sim = {"seed": 1, "n_genes": 50, "genome_scale": 0.05, "chromosomes": ["chr21"]}
    sim |= {"tissue_groups": GROUPS, "positional": 0.25, "group_specific": 0.5, "depth_sd": 1}
    sim |= {"peak_shift": 800, "background": 1.5}
    p = simulation_params(sim, {"upstream": 5000, "downstream": 5000, "bin_size": 100})
    assert (p.positional, p.group_specific, p.depth_sd, p.sd_chromatin) == (0.25, 0.5, 1.0, 0.9)
    assert (p.peak_shift, p.background) == (800.0, 1.5)


# ---- reference AUROCs on the shared tiny-cohort workflow run ---------------------------------


def test_reference_table_orders_oracle_chromatin_and_models(tiny_run: SimpleNamespace) -> None:
    ref = pd.read_csv(tiny_run.dir / "results/tables/oracle_auroc.tsv", sep="\t")
    ref = ref.set_index("cell")
    assert list(ref.columns) == [
        "n_test",
        "oracle_auroc",
        "chromatin_auroc",
        "bayes_auroc",
        "oracle_pearson_r",
    ]
    chrom = pd.read_csv(tiny_run.sim / "truth/chromatin.tsv", sep="\t", index_col="gene_id")
    act = pd.read_csv(tiny_run.sim / "truth/activity.tsv", sep="\t", index_col="gene_id")
    test = load_split(tiny_run.dir / "results/splits/genes.tsv").query("split == 'test'")
    for cell in tiny_run.cells:
        full = load_labels(tiny_run.dir / f"results/labels/{cell}.tsv").set_index("gene_id")
        lab = full.loc[test["gene_id"], "label"]
        want = roc_auc_score(lab, chrom.loc[lab.index, cell])
        assert ref.loc[cell, "chromatin_auroc"] == pytest.approx(want, abs=1e-4)
        # the regression ceiling: true activity against log RPKM on the test genes
        r = np.corrcoef(act.loc[lab.index, cell], full.loc[lab.index, "log_rpkm"])[0, 1]
        assert ref.loc[cell, "oracle_pearson_r"] == pytest.approx(r, abs=1e-4)
    # chromatin noise that no mark carries lowers every reference below the oracle
    assert (ref["chromatin_auroc"] < ref["oracle_auroc"]).all()
    assert (ref["bayes_auroc"] < ref["oracle_auroc"]).all()
    assert (ref["bayes_auroc"] > 0.7).all()


def test_reference_bad_input(tiny_run: SimpleNamespace, tmp_path: Path) -> None:
    cfg = tiny_run.cfg
    labels = {c: tiny_run.dir / f"results/labels/{c}.tsv" for c in tiny_run.cells}
    split = tiny_run.dir / "results/splits/genes.tsv"
    out = tmp_path / "ref.tsv"
    (tmp_path / "activity.tsv").write_bytes((tiny_run.sim / "truth/activity.tsv").read_bytes())
    with pytest.raises(InputError, match="chromatin.tsv.*not found"):
        oracle_auroc(cfg["simulate"], cfg["window"], tmp_path, labels, split, out)
    truth = tiny_run.sim / "truth"
    bad = {"E999": labels[tiny_run.cells[0]]}
    with pytest.raises(InputError, match="E999 is not in the simulated cohort"):
        oracle_auroc(cfg["simulate"], cfg["window"], truth, bad, split, out)
    assert not out.exists()


def test_per_cell_table_reports_the_best_model_against_the_references() -> None:
    m = pd.DataFrame(
        {
            "arch": ["linear", "deepchrome", "linear", "deepchrome"],
            "cell": ["E003", "E003", "E004", "E004"],
            "auroc": [0.80, 0.78, 0.70, 0.75],
        }
    )
    ref = pd.DataFrame(
        {
            "cell": ["E003", "E004"],
            "oracle_auroc": [0.97, 0.96],
            "chromatin_auroc": [0.85, 0.84],
            "bayes_auroc": [0.82, 0.79],
        }
    )
    t = per_cell_auroc(m, ref, ["linear", "deepchrome"], ["E003", "E004"]).set_index("cell")
    assert list(t["best_arch"]) == ["linear", "deepchrome"]
    np.testing.assert_allclose(t["chromatin_gap"], [0.05, 0.09])
    np.testing.assert_allclose(t["bayes_gap"], [0.02, 0.04])
    only_oracle = per_cell_auroc(m, ref[["cell", "oracle_auroc"]])
    assert "best_arch" not in only_oracle.columns
