"""The cross-cell part of the real workflow on the tiny simulated cohort (2 tissue groups)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _smk import cells_of, snakemake, tiny_config

CROSSCELL = {
    "architectures": ["linear"],
    "experiments": ["exclusive_all", "inclusive_high", "exclusive_random", "test_on_rest"],
    "targets": "all",
    "k": 1,
    "seed": 3,
}
TARGETS = [
    "results/tables/cross_cell_linear.tsv",
    "results/tables/crosscell_experiments.tsv",
    "results/tables/crosscell_summary.tsv",
    "results/tables/finding3_crosscell.tsv",
    "results/figures/crosscell_heatmap_linear.png",
    "results/figures/crosscell_experiments.pdf",
    "results/figures/crosscell_within_vs_exclusive.png",
]


def config(**crosscell):
    return tiny_config(
        # deepchrome is listed for the GAN stage's config check; no target here trains it
        train={"architectures": ["linear", "deepchrome"], "max_epochs": 8, "patience": 3},
        crosscell={**CROSSCELL, **crosscell},
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work = tmp_path_factory.mktemp("crosscell")
    cfg = config()
    res = snakemake(work, cfg, "--cores", "2", *TARGETS)
    assert res.returncode == 0, res.stderr[-3000:]
    return work, cfg


@pytest.mark.slow
def test_transfer_matrix_experiments_and_figures(run):
    work, cfg = run
    cells = cells_of(cfg)
    m = pd.read_csv(work / "results/tables/cross_cell_linear.tsv", sep="\t")
    assert len(m) == len(cells) ** 2
    assert set(m["train_cell"]) == set(m["test_cell"]) == set(cells)
    # one transfer job per model, one row per test cell
    for cell in cells:
        rows = pd.read_csv(work / f"results/crosscell/transfer/linear/{cell}.tsv", sep="\t")
        assert list(rows["test_cell"]) == cells
    # the diagonal is the per-cell model's own test AUROC
    for cell in cells:
        own = json.loads((work / f"results/models/linear/{cell}/metrics.json").read_text())
        diag = m[(m["train_cell"] == cell) & (m["test_cell"] == cell)]["auroc"].item()
        assert diag == pytest.approx(own["auroc"], abs=1e-6)
    sets = pd.read_csv(work / "results/crosscell/sets.tsv", sep="\t")
    for row in sets.itertuples():
        members = row.train_cells.split(",")
        assert (row.target_cell in members) == (
            row.experiment != "exclusive_all" and row.experiment != "exclusive_random"
        )
    exp = pd.read_csv(work / "results/tables/crosscell_experiments.tsv", sep="\t")
    assert set(exp["experiment"]) == {"per_cell", *CROSSCELL["experiments"]}
    assert len(exp) == len(cells) * (1 + len(CROSSCELL["experiments"]))
    assert exp["auroc"].between(0.6, 1.0).all()
    f3 = pd.read_csv(work / "results/tables/finding3_crosscell.tsv", sep="\t")
    assert f3["architecture"].tolist() == ["linear"] and f3["n_cells"].item() == len(cells)
    for t in TARGETS:
        assert (work / t).stat().st_size > 0


@pytest.mark.parametrize(
    "change, message",
    [
        ({"targets": ["E003", "E071"]}, "crosscell.targets: cells ['E071'] are not in the cohort"),
        ({"k": 4}, "crosscell.k: k=4 but a target cell has only 3 other cells"),
        ({"experiments": ["exclusive_all", "exclusive_best"]}, "exclusive_best"),
    ],
)
def test_bad_crosscell_config_is_refused_before_any_job(tmp_path, change, message):
    res = snakemake(tmp_path, config(**change), "-n", "--cores", "1")
    assert res.returncode != 0
    assert message in res.stderr + res.stdout
    assert not (tmp_path / "results").exists()
