"""bench/bench_full_grid.py at a tiny scale: the grid table's structure and arithmetic, its job
counts against the paper's training lists, and the measured jobs it fits on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from deepchrome2 import paper

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "bench" / "bench_full_grid.py"
PAPER_SETS = REPO / "resources/deepchrome2_paper/dc2_experiment_sets.json"
# the paper's eight trained experiments (test_on_rest trains nothing)
TRAINED = [e for e in paper.CROSSCELL_SETTINGS if e != "test_on_rest"]


def bench(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=900
    )


def paper_training_sets() -> int:
    """Distinct non-empty training lists of the paper's eight trained experiments."""
    lists = json.loads(PAPER_SETS.read_text())
    shared = lists["inclusive_all"]["train"]
    found = set()
    for cell in shared:
        for exp in TRAINED:
            cells = (
                shared if exp == "inclusive_all" else lists.get(f"{exp}_{cell}", {}).get("train")
            )
            if cells:
                found.add(tuple(sorted(cells)))
    return len(found)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    work = tmp_path_factory.mktemp("grid")
    res = bench("--quick", "--workdir", str(work), "--out", str(work / "grid.tsv"))
    assert res.returncode == 0, res.stderr[-3000:]
    return work, res.stdout


def test_grid_rows_add_up_and_count_the_paper_grid(quick):
    work, stdout = quick
    grid = pd.read_csv(work / "grid.tsv", sep="\t", keep_default_na=False, na_values=[""])
    rows, total = grid[grid["job_type"] != "total"], grid[grid["job_type"] == "total"]
    assert len(total) == 1
    for when in ("before", "after"):
        per_row = rows["jobs"] * rows[f"cpu_s_per_job_{when}"] / 3600
        assert per_row.to_numpy() == pytest.approx(rows[f"cpu_h_{when}"].to_numpy(), rel=1e-3)
        assert total[f"cpu_h_{when}"].iloc[0] == pytest.approx(
            rows[f"cpu_h_{when}"].sum(), rel=1e-3
        )
        assert (rows[f"cpu_s_per_job_{when}"] > 0).all()
    assert total["jobs"].iloc[0] == rows["jobs"].sum()

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    train = rows[rows["job_type"] == "train"]
    assert sorted(train["arch"]) == sorted(config["train"]["architectures"])
    assert (train["jobs"] == 56).all()
    cross = rows[rows["job_type"] == "train_crosscell"].set_index("arch")
    assert sorted(cross.index) == sorted(config["crosscell"]["architectures"])
    assert (cross["jobs"] == paper_training_sets()).all()
    assert paper_training_sets() == 339
    transfer = rows[rows["job_type"] == "transfer_eval"]
    assert sorted(transfer["arch"]) == sorted(config["crosscell"]["architectures"])
    assert (transfer["jobs"] == 56).all()
    # per-cell data jobs once per cell; the valid_every switch changes only the pooled jobs
    for rule in ("simulate_bigwigs", "bin_signals", "labels", "crosscell_cache"):
        assert rows.loc[rows["job_type"] == rule, "jobs"].tolist() == [56]
    same = rows[rows["job_type"] != "train_crosscell"]
    assert (same["cpu_s_per_job_before"] == same["cpu_s_per_job_after"]).all()
    assert "not costed (no --demo-run)" in stdout


def test_measured_jobs_and_auroc_check(quick):
    work, stdout = quick
    jobs = pd.read_csv(work / "grid.jobs.tsv", sep="\t")
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    per_cell = jobs[jobs["kind"] == "train"]
    assert (per_cell.groupby("arch").size() >= 2).all()
    assert set(per_cell["arch"]) == set(config["train"]["architectures"])
    pooled = jobs[jobs["kind"] == "train_crosscell"]
    for arch in config["crosscell"]["architectures"]:
        mine = pooled[pooled["arch"] == arch]
        # every pool run under both validation settings, pools of two sizes at least
        assert mine.groupby("mode").size().to_dict() == {"cell": 3, "epoch": 3}
        assert mine["n_cells"].nunique() >= 2
    assert (jobs["n_train"] == jobs["n_cells"] * per_cell["n_train"].iloc[0]).all()
    assert (jobs["cpu_s"] > 0).all() and (jobs["predicted_cpu_s"] >= 0).all()
    assert "leave-one-out" in stdout

    auroc = pd.read_csv(work / "grid.auroc.tsv", sep="\t").set_index("arch")
    assert sorted(auroc.index) == sorted(config["crosscell"]["architectures"])
    for arch in auroc.index:
        mine = pooled[pooled["arch"] == arch]
        before = mine.loc[mine["mode"] == "epoch", "auroc"].mean()
        after = mine.loc[mine["mode"] == "cell", "auroc"].mean()
        assert auroc.loc[arch, "auroc_before"] == pytest.approx(before, abs=1e-4)
        assert auroc.loc[arch, "difference"] == pytest.approx(after - before, abs=2e-4)
        assert bool(auroc.loc[arch, "within_0.003"]) == (after - before >= -0.003)


def test_too_few_cells_is_one_clear_line(tmp_path):
    res = bench("--cells", "1", "--workdir", str(tmp_path / "w"), "--out", str(tmp_path / "g.tsv"))
    assert res.returncode != 0
    assert res.stderr.strip().splitlines()[-1] == "bench_full_grid: --cells 1: must be 2 to 8"
    assert not (tmp_path / "g.tsv").exists()


def test_allocator_bench_runs_jobs_both_ways_with_the_same_arithmetic(quick):
    work, _ = quick
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), OMP_NUM_THREADS="1")
    res = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_allocator.py"), "--workdir", str(work),
         "--cells", "3", "--genes", "450", "--archs", "linear,deepchrome"],
        capture_output=True, text=True, env=env, timeout=900,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    table = pd.read_csv(pd.io.common.StringIO(res.stdout), sep="\t")
    assert sorted(zip(table["arch"], table["mode"], strict=True)) == [
        ("deepchrome", "default"), ("deepchrome", "kept"), ("linear", "default"), ("linear", "kept")
    ]  # fmt: skip
    assert (table["cpu_s"] > 0).all() and (table["peak_rss_mb"] > 0).all()
    # the settings change where memory comes from, never a number the job computes
    assert table.groupby("arch")["history"].nunique().eq(1).all()
