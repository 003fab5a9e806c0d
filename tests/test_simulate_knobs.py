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
from deepchrome2.data.simulate.reference import oracle_auroc
from deepchrome2.data.simulate.regulation import mark_coupling
from deepchrome2.data.simulate.shapes import blend_flat, in_window, mark_shape
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


def test_depth_spread_between_cells() -> None:
    assert (_params().cell_depth() == 4.0).all()
    spread = _params(depth_sd=0.5).cell_depth()
    assert len(np.unique(spread)) == 4 and (spread > 0).all()
    np.testing.assert_array_equal(spread, _params(depth_sd=0.5).cell_depth())


def test_config_knobs_reach_the_simulator() -> None:
    sim = {"seed": 1, "n_genes": 50, "genome_scale": 0.05, "chromosomes": ["chr21"]}
    sim |= {"tissue_groups": GROUPS, "positional": 0.25, "group_specific": 0.5, "depth_sd": 1}
    p = simulation_params(sim, {"upstream": 5000, "downstream": 5000, "bin_size": 100})
    assert (p.positional, p.group_specific, p.depth_sd, p.sd_chromatin) == (0.25, 0.5, 1.0, 0.9)


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
