"""The whole workflow on the tiny simulated cohort: report, single-figure rebuild, lint."""

from __future__ import annotations

import subprocess
import sys
from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest
from _smk import REPO, job_counts, snakemake, tiny_config

# Lean training so that every stage runs in a few minutes on 2 cores.
LEAN = {"train": {"max_epochs": 3, "patience": 2}}


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    workdir = tmp_path_factory.mktemp("workflow")
    cfg = tiny_config(**LEAN)
    proc = snakemake(workdir, cfg, "--cores", "2", timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return workdir, cfg


def test_default_target_produces_figures_and_tables(full_run: tuple[Path, dict]) -> None:
    workdir, _ = full_run
    figures = sorted(p.name for p in (workdir / "results" / "figures").glob("*.pdf"))
    assert "mark_profiles.pdf" in figures
    assert "auroc_by_architecture.pdf" in figures
    for pdf in figures:
        assert (workdir / "results" / "figures" / pdf).stat().st_size > 1000
        assert (workdir / "results" / "figures" / pdf.replace(".pdf", ".png")).exists()
    assert (workdir / "results" / "tables" / "oracle_auroc.tsv").exists()


def test_default_target_writes_predictions_agreement_and_roc_figures(
    full_run: tuple[Path, dict],
) -> None:
    """`snakemake` with no target writes every model's per-gene predictions, the agreement
    table over them and one ROC figure per cell."""
    workdir, cfg = full_run
    res = workdir / "results"
    cells = [c for group in cfg["simulate"]["tissue_groups"].values() for c in group]
    for arch in cfg["train"]["architectures"]:
        for cell in cells:
            pred = pd.read_csv(res / "predictions" / arch / f"{cell}.tsv", sep="\t")
            assert {"gene_id", "split", "label", "p_high"} <= set(pred.columns), (arch, cell)
    for cell in cells:
        assert (res / "figures" / f"roc_{cell}.pdf").stat().st_size > 1000
    archs = cfg["train"]["architectures"]
    agreement = pd.read_csv(res / "tables" / "prediction_agreement.tsv", sep="\t")
    pairs = {(c, frozenset(p)) for c in cells for p in combinations(archs, 2)}
    found = zip(agreement["cell"], agreement["arch_a"], agreement["arch_b"], strict=True)
    assert len(agreement) == len(pairs)
    assert {(c, frozenset((a, b))) for c, a, b in found} == pairs
    assert agreement["call_agreement"].between(0, 1).all()
    pooled = sorted((res / "crosscell" / "pooled").glob("*/*/metrics.tsv"))
    assert pooled
    for metrics in pooled:
        arch, tset = metrics.parent.parent.name, metrics.parent.name
        assert (res / "predictions" / "crosscell" / arch / f"{tset}.tsv").exists(), metrics


def test_nothing_left_to_do_after_a_run(full_run: tuple[Path, dict]) -> None:
    workdir, cfg = full_run
    proc = snakemake(workdir, cfg, "-n", "--cores", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_report_holds_every_figure_and_table(full_run: tuple[Path, dict]) -> None:
    workdir, cfg = full_run
    report = workdir / "report.html"
    proc = snakemake(workdir, cfg, "--report", str(report))
    assert proc.returncode == 0, proc.stderr[-2000:]
    html = report.read_text(errors="replace")
    figures = sorted((workdir / "results" / "figures").glob("*.pdf"))
    tables = sorted((workdir / "results" / "tables").glob("*.tsv"))
    assert figures and len(tables) >= 9
    for path in [*figures, *tables]:
        # a report result is keyed by its path (a path also shows up in rule code and captions)
        entry = f'"{path.relative_to(workdir)}": {{"name": "{path.name}"'
        assert entry in html, f"{path.name} missing from the report"
    for category in ("data", "per-cell", "cross-cell", "GAN"):
        assert f'"{category}": {{' in html, f"category {category} missing from the report"


def test_one_figure_rebuilds_alone(full_run: tuple[Path, dict]) -> None:
    workdir, cfg = full_run
    target = workdir / "results" / "figures" / "auroc_by_architecture.pdf"
    before = target.read_bytes()
    target.unlink()
    proc = snakemake(workdir, cfg, "--cores", "1", "results/figures/auroc_by_architecture.pdf")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert job_counts(proc.stderr) == {"plot_auroc_by_architecture": 1, "total": 1}
    assert target.read_bytes() == before  # same inputs, same figure


def test_lint_is_clean() -> None:
    proc = snakemake(REPO / ".snakemake" / "lint", tiny_config(), "--lint")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def test_snakefmt_is_clean() -> None:
    snakefmt = Path(sys.executable).parent / "snakefmt"
    assert snakefmt.exists(), "snakefmt not installed"
    files = ["Snakefile", *sorted(str(p) for p in (REPO / "rules").glob("*.smk"))]
    proc = subprocess.run([snakefmt, "--check", *files], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]


# Every shipped config as it is run: the overlays of config/ laid over config.yaml, the test
# configs alone. The download configs' dry-runs ask their servers whether the files exist, so
# this offline test lints them only; test_download and test_dc2_archive run them against a
# local server.
DOWNLOADS = {"config/dc2.yaml", "config/roadmap.yaml"}
CONFIG_RUNS = [
    ["config.yaml"],
    *(["config.yaml", str(p.relative_to(REPO))] for p in sorted(REPO.glob("config/*.yaml"))),
    *([str(p.relative_to(REPO))] for p in sorted(REPO.glob("tests/configs/*.yaml"))),
]


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["--lint", "--dry-run"])
@pytest.mark.parametrize("files", CONFIG_RUNS, ids="+".join)
def test_each_config_dry_runs_and_lints(files: list[str], mode: str, tmp_path: Path) -> None:
    if mode == "--dry-run" and DOWNLOADS & set(files):
        pytest.skip("its dry-run checks remote files (run against a local server elsewhere)")
    (tmp_path / "config").symlink_to(REPO / "config")  # sample sheets named relative to it
    cmd = [
        str(Path(sys.executable).parent / "snakemake"),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(tmp_path),
        "--configfile",
        *(str(REPO / f) for f in files),
        mode,
    ]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    if mode == "--lint":
        assert "Congratulations, your workflow is in a good condition" in proc.stdout + proc.stderr
    else:
        assert "This was a dry-run" in proc.stdout + proc.stderr


def test_an_empty_gan_cells_list_turns_the_gan_off(tmp_path: Path) -> None:
    """`gan.cells: []` plans no GAN job and says so; the rest of the workflow is planned."""
    on = snakemake(tmp_path / "on", tiny_config(), "-n")
    off = snakemake(tmp_path / "off", tiny_config(gan={"cells": []}), "-n")
    assert on.returncode == 0 and off.returncode == 0, off.stderr[-2000:]
    with_gan, without = job_counts(on.stdout + on.stderr), job_counts(off.stdout + off.stderr)
    gan_rules = {r for r in with_gan if "gan" in r}
    assert {"train_gan", "gan_quality"} <= gan_rules
    assert not {r for r in without if "gan" in r}
    assert {r: n for r, n in with_gan.items() if r not in gan_rules and r != "total"} == {
        r: n for r, n in without.items() if r != "total"
    }
    assert "gan.cells is empty: no GAN is trained" in off.stdout + off.stderr
