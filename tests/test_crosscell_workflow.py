"""The cross-cell part of the real workflow on the tiny simulated cohort (2 tissue groups)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _smk import REPO, snakemake, tiny_config

from deepchrome2.config import cells as cfg_cells

CROSSCELL = {
    "architectures": ["linear"],
    "experiments": [
        "inclusive_all",
        "exclusive_all",
        "exclusive_high",
        "inclusive_somewhat",
        "exclusive_random",
        "test_on_rest",
    ],
    "targets": "all",
    "sets": "correlation",
    # the tiny cohort: two tissue groups of two cells (r ~0.85 within, ~0.5 across). No cell
    # reaches r >= 0.99, so exclusive_high is empty (NA rows); somewhat is the group.
    "t_high": 0.99,
    "t_somewhat": 0.7,
    "k_random": 2,
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
    cells = cfg_cells(cfg)
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
    sets = pd.read_csv(work / "results/crosscell/sets.tsv", sep="\t", keep_default_na=False)
    for row in sets.itertuples():
        members = row.train_cells.split(",")
        assert (row.target_cell in members) == row.experiment.startswith(("inclusive", "test"))
    # one pooled job per distinct training set (and architecture), never more
    jobs = list((work / "results/crosscell/pooled/linear").iterdir())
    used = set(sets["train_set"]) - {""}
    assert {j.name for j in jobs} == used
    assert len(used) < (sets["train_set"] != "").sum()  # inclusive_all: one set, 4 targets
    exp = pd.read_csv(work / "results/tables/crosscell_experiments.tsv", sep="\t")
    assert set(exp["experiment"]) == {"per_cell", *CROSSCELL["experiments"]}
    assert len(exp) == len(cells) * (1 + len(CROSSCELL["experiments"]))
    empty = exp["experiment"] == "exclusive_high"
    assert exp.loc[empty, "auroc"].isna().all() and (exp.loc[empty, "n_train_cells"] == 0).all()
    assert exp.loc[~empty, "auroc"].between(0.6, 1.0).all()
    # three of the tiny cohort's cells are DeepChrome 2.0 cells, but the paper trained only its
    # CNN (deepchrome_avgpool) across cells: no paper column beside linear's rows
    # (test_crosscell_plan.py checks the columns of that network)
    assert "paper_auroc" not in exp and "paper_auroc" not in m
    summ = pd.read_csv(work / "results/tables/crosscell_summary.tsv", sep="\t")
    assert "paper_mean_auroc" not in summ
    f3 = pd.read_csv(work / "results/tables/finding3_crosscell.tsv", sep="\t")
    assert f3["architecture"].tolist() == ["linear"] and f3["n_cells"].item() == len(cells)
    for t in TARGETS:
        assert (work / t).stat().st_size > 0


@pytest.mark.parametrize(
    "change, message",
    [
        ({"targets": ["E003", "E071"]}, "crosscell.targets: cells ['E071'] are not in the cohort"),
        ({"t_high": 0.5, "t_somewhat": 0.6}, "must contain the high set"),
        ({"t_high": 2}, "t_high"),
        ({"experiments": ["exclusive_all", "exclusive_best"]}, "valid: inclusive_all,"),
        ({"sets": "dc2"}, "more); add them or use sets: correlation"),
    ],
)
def test_bad_crosscell_config_is_refused_before_any_job(tmp_path, change, message):
    res = snakemake(tmp_path, config(**change), "-n", "--cores", "1")
    assert res.returncode != 0
    assert message in res.stderr + res.stdout
    assert not (tmp_path / "results").exists()


def planned_jobs(stdout: str) -> dict[str, int]:
    """The "Job stats" table of a dry run: rule -> number of jobs."""
    block = stdout.split("Job stats:", 1)[1]
    counts = {}
    for line in block.splitlines()[3:]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit() or parts[0] == "total":
            break
        counts[parts[0]] = int(parts[1])
    return counts


def test_dry_run_plans_one_inclusive_all_job_per_architecture(tmp_path):
    cfg = config(architectures=["linear", "deepchrome"], experiments=["inclusive_all"])
    res = snakemake(tmp_path, cfg, "-n", "--cores", "1", "results/tables/crosscell_summary.tsv")
    assert res.returncode == 0, res.stderr[-2000:]
    jobs = planned_jobs(res.stdout)
    assert len(cfg_cells(cfg)) == 4
    assert jobs["train_crosscell"] == 2  # one per architecture, for all four targets
    # exclusive_all: one set per target; with inclusive_all and exclusive_random (k_random
    # covering every other cell) the random sets are the all sets and add no job
    cfg = config(
        architectures=["linear", "deepchrome"],
        experiments=["inclusive_all", "exclusive_all", "inclusive_random", "exclusive_random"],
        k_random=8,
    )
    res = snakemake(tmp_path, cfg, "-n", "--cores", "1", "results/tables/crosscell_summary.tsv")
    assert res.returncode == 0, res.stderr[-2000:]
    assert planned_jobs(res.stdout)["train_crosscell"] == 2 * (1 + 4)


PAPER_SETS = REPO / "resources/deepchrome2_paper/dc2_experiment_sets.json"


def test_dc2_dry_run_plans_339_pooled_jobs_per_architecture(tmp_path):
    cells = json.loads(PAPER_SETS.read_text())["inclusive_all"]["train"]
    root = tmp_path / "archive"
    for cell in cells:
        (root / cell / "classification").mkdir(parents=True)
        for split in ("train", "valid", "test"):
            (root / cell / "classification" / f"{split}.csv").touch()
    cfg = config(
        architectures=["linear", "deepchrome"],
        experiments=[
            "inclusive_all",
            "exclusive_all",
            "inclusive_high",
            "exclusive_high",
            "inclusive_somewhat",
            "exclusive_somewhat",
            "inclusive_random",
            "exclusive_random",
            "test_on_rest",
        ],
        sets="dc2",
    )
    cfg["source"] = "deepchrome_csv"
    cfg["deepchrome_csv"] = {"root": str(root), "cells": cells}
    res = snakemake(
        tmp_path, cfg, "-n", "--cores", "1", "results/tables/crosscell_summary.tsv", timeout=600
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "20 empty training sets are skipped" in res.stderr + res.stdout
    assert planned_jobs(res.stdout)["train_crosscell"] == 2 * 339


def write_archive(root, cells, n_genes=300):
    """A small archive in the DeepChrome layout: integer counts, no RPKM, one shared split."""
    import numpy as np
    from _training_synth import MARKS, make_signal

    from deepchrome2.data.deepchrome_csv import write_archive_cell
    from deepchrome2.io import Features

    genes = np.array([f"{i:06d}" for i in range(1, n_genes + 1)])
    split = pd.DataFrame(
        {"gene_id": genes, "split": np.array(["train", "valid", "test"])[np.arange(n_genes) % 3]}
    )
    for i, cell in enumerate(cells):
        X, y, _ = make_signal(n_genes, 100, seed=20 + i)
        feats = Features(np.round(X * 3), genes, MARKS, np.arange(100) * 100 - 5000)
        write_archive_cell(root, cell, feats, pd.DataFrame({"gene_id": genes, "label": y}), split)


@pytest.mark.slow
def test_crosscell_runs_on_the_archive_source_without_rpkm(tmp_path):
    cells = ["E003", "E004", "E005"]
    write_archive(tmp_path / "archive", cells)
    cfg = config(
        experiments=["inclusive_all", "exclusive_high", "inclusive_somewhat", "test_on_rest"],
        t_high=0.2,
        t_somewhat=0.0,
    )
    cfg["source"] = "deepchrome_csv"
    cfg["deepchrome_csv"] = {"root": str(tmp_path / "archive"), "cells": cells}
    cfg["gan"]["cells"] = ["E003"]
    res = snakemake(tmp_path, cfg, "--cores", "2", "results/tables/crosscell_summary.tsv")
    assert res.returncode == 0, res.stderr[-3000:]
    assert (
        "correlating the cells' 0/1 labels instead"
        in (tmp_path / "logs/crosscell/sets.log").read_text()
    )
    exp = pd.read_csv(tmp_path / "results/tables/crosscell_experiments.tsv", sep="\t")
    assert len(exp) == len(cells) * 5
    trained = exp[exp["experiment"].isin(["inclusive_all", "inclusive_somewhat"])]
    assert trained["auroc"].between(0.6, 1.0).all()
