"""Findings 1 and 3 on a simulated cohort, run through the workflow's own step functions.

The data stage (simulated bigWigs, TSS windows, binning, labels, split, reference AUROCs), the
per-cell training jobs and the pooled ``exclusive_all`` jobs are the functions that the rules
call, in one process and without Snakemake; Finding 1 and Finding 3 come from the same table
functions as ``results/tables/finding1_linear_vs_cnn.tsv`` and ``finding3_crosscell.tsv``.
``bench/bench_simulator.py`` uses it to calibrate the simulator against DeepChrome 2.0's real-data
facts, and the tests use it to show that the findings tables can come out either way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from deepchrome2.crosscell.config_check import plan_options
from deepchrome2.crosscell.experiment import train_crosscell
from deepchrome2.crosscell.pooled import crosscell_cache
from deepchrome2.crosscell.sets import crosscell_sets, training_sets
from deepchrome2.crosscell.summary import experiments_table, finding3_comparison, read_experiments
from deepchrome2.data import steps
from deepchrome2.data.simulate import reference as simulate_reference
from deepchrome2.training.config_check import arch_hparams, arch_settings
from deepchrome2.training.job import train
from deepchrome2.training.summary import (
    collect_metrics,
    load_oracle,
    paired_comparison,
    per_cell_auroc,
)

log = logging.getLogger(__name__)


@dataclass
class SimulatedRun:
    """Paths of one simulated cohort's data-stage outputs under ``workdir``."""

    workdir: Path
    cells: list[str]

    def features(self, cell: str) -> Path:
        return self.workdir / "results" / "features" / f"{cell}.npz"

    def labels(self, cell: str) -> Path:
        return self.workdir / "results" / "labels" / f"{cell}.tsv"

    def cache(self, cell: str) -> Path:
        return self.workdir / "results" / "crosscell" / "cache" / f"{cell}.npy"

    @property
    def split(self) -> Path:
        return self.workdir / "results" / "splits" / "genes.tsv"

    @property
    def sim(self) -> Path:
        return self.workdir / "simulated"

    @property
    def references(self) -> Path:
        return self.workdir / "results" / "tables" / "oracle_auroc.tsv"

    def job(self, arch: str, name: str) -> Path:
        return self.workdir / "results" / "models" / arch / name

    def cell_files(
        self, names: Sequence[str], real: Callable[[str], str] = str
    ) -> tuple[list[Path], list[Path], list[Path]]:
        """The caches, features and labels of cells ``names``, each read from the files of
        cohort cell ``real(name)``, as the cross-cell jobs take them."""
        cells = [real(c) for c in names]
        return (
            [self.cache(c) for c in cells],
            [self.features(c) for c in cells],
            [self.labels(c) for c in cells],
        )


def cohort_cells(config: Mapping[str, Any]) -> list[str]:
    """The simulated cells, in tissue-group order."""
    return [c for cs in config["simulate"]["tissue_groups"].values() for c in cs]


@contextmanager
def _timed(timings: dict[str, list[float]] | None, job: str) -> Iterator[None]:
    """Append the process CPU seconds of the block to ``timings[job]`` (when given)."""
    t = time.process_time()
    yield
    if timings is not None:
        timings.setdefault(job, []).append(time.process_time() - t)


def prepare(
    config: Mapping[str, Any],
    workdir: str | Path,
    timings: dict[str, list[float]] | None = None,
) -> SimulatedRun:
    """Simulate the cohort of ``config`` and run the data stage into ``workdir``.

    With ``timings``, the process CPU seconds of each step are appended under its rule's
    name, one entry per job (per cell for the per-cell rules).
    """
    run = SimulatedRun(Path(workdir), cohort_cells(config))
    sim, window, marks = config["simulate"], config["window"], list(config["marks"])
    with _timed(timings, "simulate_cohort"):
        steps.simulate_cohort(sim, window, run.sim)
    bigwigs = {
        c: {m: str(run.sim / "bigwig" / f"{c}-{m}.fc.signal.bigwig") for m in marks}
        for c in run.cells
    }
    for c in run.cells:
        with _timed(timings, "simulate_bigwigs"):
            steps.simulate_bigwigs(sim, window, c, bigwigs[c])
    windows = run.workdir / "results" / "annotation" / "tss_windows.tsv"
    rpkm, gtf = run.sim / "57epigenomes.RPKM.pc", run.sim / "gencode.annotation.gtf"
    every = [p for c in run.cells for p in bigwigs[c].values()]
    with _timed(timings, "tss_windows"):
        steps.tss_windows(
            str(gtf), str(rpkm), every, run.cells, config["gene_types"], window, str(windows)
        )
    for c in run.cells:
        with _timed(timings, "bin_signals"):
            steps.bin_signals(str(windows), bigwigs[c], window, str(run.features(c)))
        with _timed(timings, "labels"):
            steps.labels(str(rpkm), str(windows), c, str(run.labels(c)))
    split = config["split"]
    with _timed(timings, "split_genes"):
        steps.split_genes(str(windows), split["proportions"], split["seed"], str(run.split))
    with _timed(timings, "oracle_auroc"):
        simulate_reference.oracle_auroc(
            sim,
            window,
            run.sim / "truth",
            {c: run.labels(c) for c in run.cells},
            run.split,
            run.references,
        )
    return run


def train_one(
    run: SimulatedRun,
    config: Mapping[str, Any],
    arch: str,
    cell: str,
    out: Path,
    predictions: bool = False,
) -> Path:
    """``rule train`` of ``arch`` on ``cell`` into folder ``out`` (model.pt, metrics.json,
    history.tsv, and predictions.tsv with ``predictions``); returns the metrics.json path."""
    settings = arch_settings(config, arch)
    train(
        run.features(cell),
        run.labels(cell),
        run.split,
        out / "model.pt",
        out / "metrics.json",
        out / "history.tsv",
        arch=arch,
        cell=cell,
        settings=settings,
        hparams=arch_hparams(config, arch),
        transform=settings["transform"],
        device="cpu",
        predictions_out=out / "predictions.tsv" if predictions else None,
    )
    return out / "metrics.json"


def train_per_cell(
    run: SimulatedRun, config: Mapping[str, Any], archs: Sequence[str]
) -> list[Path]:
    """``rule train`` for every architecture and cell; returns the metrics.json paths."""
    return [train_one(run, config, a, c, run.job(a, c)) for a in archs for c in run.cells]


def train_exclusive_all(
    run: SimulatedRun, config: Mapping[str, Any], archs: Sequence[str]
) -> list[Path]:
    """``rule crosscell_sets`` and ``rule train_crosscell`` for ``exclusive_all`` (one
    training set per target cell) for every architecture; returns the metrics.tsv paths."""
    sets = run.workdir / "results" / "crosscell" / "sets.tsv"
    labels = {c: run.labels(c) for c in run.cells}
    options = plan_options(config) if config.get("crosscell") else {}
    plan = crosscell_sets(
        labels,
        run.split,
        sets,
        sets.with_name("correlation.tsv"),
        cohort=run.cells,
        targets=run.cells,
        experiments=["exclusive_all"],
        **{**options, "sets": "correlation"},
    )
    for c in run.cells:
        crosscell_cache(run.features(c), run.cache(c))
    return [
        train_pooled_one(run, config, arch, sets, tset, run.cells, run.job(arch, f"sets/{tset}"))
        for arch in archs
        for tset in training_sets(plan)["train_set"]
    ]


def train_pooled_one(
    run: SimulatedRun,
    config: Mapping[str, Any],
    arch: str,
    plan: Path,
    train_set: str,
    names: Sequence[str],
    out: Path,
    real: Callable[[str], str] = str,
    overrides: Mapping[str, Any] | None = None,
    predictions: bool = False,
) -> Path:
    """``rule train_crosscell`` of ``arch`` on ``train_set`` of ``plan`` into folder ``out``,
    with the cells ``names`` (each read from the files of cohort cell ``real(name)``) and the
    training settings ``overrides``; returns the metrics.tsv path."""
    settings = {**arch_settings(config, arch), **(overrides or {})}
    train_crosscell(
        plan,
        train_set,
        names,
        *run.cell_files(names, real),
        run.split,
        out / "models.pt",
        out / "metrics.tsv",
        out / "history.tsv",
        arch=arch,
        settings=settings,
        hparams=arch_hparams(config, arch),
        transform=settings["transform"],
        device="cpu",
        predictions_out=out / "predictions.tsv" if predictions else None,
    )
    return out / "metrics.tsv"


def finding3_table(
    per_cell: Sequence[Path], pooled: Sequence[Path], cells: Sequence[str], archs: Sequence[str]
) -> pd.DataFrame:
    """Finding 3 from the per-cell jobs (the transfer matrix's diagonal: each cell's model on
    its own test genes) and the ``exclusive_all`` jobs' metrics.tsv, by the workflow's table
    functions."""
    m = collect_metrics(per_cell)
    diagonal = pd.DataFrame(
        {"arch": m["arch"], "train_cell": m["cell"], "test_cell": m["cell"], "auroc": m["auroc"]}
    )
    table = experiments_table(diagonal, read_experiments(pooled), ["exclusive_all"], cells, archs)
    return finding3_comparison(table, archs)


@dataclass
class Findings:
    """What one simulated run says: per-cell AUROC with references, Finding 1, Finding 3."""

    per_cell: pd.DataFrame
    finding1: dict[str, Any] | None
    finding3: pd.DataFrame | None
    seconds: dict[str, float]


def run_findings(
    config: Mapping[str, Any],
    workdir: str | Path,
    archs: Sequence[str] = ("linear", "deepchrome"),
    crosscell: Sequence[str] | None = None,
) -> Findings:
    """Simulate, train ``archs`` per cell and ``crosscell`` (default: ``archs``) on
    ``exclusive_all``; return the tables. Timings are process CPU seconds per stage."""
    cross = list(archs if crosscell is None else crosscell)
    secs: dict[str, float] = {}
    t = time.process_time()
    run = prepare(config, workdir)
    secs["data"] = time.process_time() - t
    t = time.process_time()
    per_cell = train_per_cell(run, config, archs)
    secs["per_cell"] = time.process_time() - t
    metrics = collect_metrics(per_cell)
    table = per_cell_auroc(metrics, load_oracle(run.references), list(archs), run.cells)
    f1 = (
        paired_comparison(metrics, "deepchrome", "linear")
        if {"deepchrome", "linear"} <= set(archs)
        else None
    )
    f3 = None
    if cross:
        t = time.process_time()
        pooled = train_exclusive_all(run, config, cross)
        secs["exclusive_all"] = time.process_time() - t
        f3 = finding3_table(per_cell, pooled, run.cells, cross)
    return Findings(table, f1, f3, secs)
