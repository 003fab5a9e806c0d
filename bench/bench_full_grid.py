"""CPU cost of the whole paper grid, extrapolated from full-scale jobs that are run here.

The grid: ``--grid-cells`` cells (56 Roadmap cells; the cross-cell plan is the paper's 55) x
19,802 genes split 6,601/6,601/6,600 (the ``split:`` of ``config.yaml``); every architecture
of ``train.architectures`` trained per cell (rule ``train``); the nine cross-cell experiments
for ``crosscell.architectures`` with DeepChrome 2.0's own training sets (``sets: dc2``: one
``train_crosscell`` job per distinct training set, from :mod:`deepchrome2.crosscell.sets`);
the transfer jobs; the data jobs; the tables and figures.

Method:

1. Data. ``--cells`` cells of ``--genes`` simulated genes (20,560 keep 19,802, as
   ``bench_train.py``) go through the workflow's data steps (``deepchrome2.calibration``, no
   Snakemake) into ``--workdir``; a rerun reuses them and the CPU recorded for each data job.
   Larger pools reuse those cells' files under other names. **Caveat**: a pool of n cells is
   then a few real cells repeated, which is easier to fit than n different cells, so early
   stopping may come sooner than on a real pool of that size.
2. Measured jobs, each run in this process by the job's own function (CPU: ``process_time``
   of the step, plus the start-up CPU of the job's workflow script in a fresh interpreter, as
   ``bench_startup.py`` measures it):
   ``train``, every architecture on ``--train-cells`` cells; ``train_crosscell``, for each
   cross-cell architecture, one target outside pools of ``--pools`` cells (as the
   ``exclusive_*`` sets) and one pool of ``--shared-pool`` cells used by every real cell with
   the pool's own validation genes (as ``inclusive_all``), each under ``valid_every: cell``
   (after) and ``valid_every: epoch`` (before); ``transfer_eval``, the per-cell models of two
   cells on every cell's test genes (once the cohort, once three times it); the data jobs
   (``simulate_bigwigs``, ``bin_signals``, ``labels``, ``crosscell_cache`` per cell, and the
   one-off ones) as they ran in step 1.
3. Cost model, fitted per architecture over its measured training jobs (non-negative least
   squares): CPU s = a + b x training genes passed + c x validation genes scored + d x genes
   pooled + e x genes predicted. The validations a job runs (until its last track's patience is
   spent) are modelled per architecture, ``valid_every`` and validation kind (a target cell's
   genes, or the pool's own) as alpha + beta x ln(cells pooled), fitted over the measured jobs
   of that kind with the per-cell jobs as the one-cell point; epochs follow from the
   validation interval (``loop.validation_interval``). ``transfer_eval``: a + b x genes
   scored. Data jobs: the mean per job. Each measured job is printed beside its prediction from
   the fit on all jobs and from the fit without it (leave-one-out), and the mean absolute
   relative error of both.
4. The grid, job by job: per-cell jobs at the one-cell point; every dc2 training set at its
   size, tracks and uses; tables, figures, interpretation and GAN jobs (not measured here) at
   the per-job process CPU that a finished demo's logs record (``--demo-run``, as many jobs as
   in it; left out and said so without it). Printed and written to ``--out`` (TSV; the
   measured jobs and the AUROC check go beside it). Before/after differ only in the
   cross-cell ``valid_every``; the AUROC check compares each cross-cell architecture's mean
   test AUROC over its measured pooled jobs between the two.

Full scale (tens of CPU minutes; the data stage alone several)::

    python bench/bench_full_grid.py --workdir /tmp/full_grid --demo-run RUN_DIR --out grid.tsv

``--quick`` runs the same at a tiny scale (about a minute; the numbers mean nothing).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import nnls

from deepchrome2 import calibration
from deepchrome2.allocator import keep_freed_memory
from deepchrome2.crosscell import sets as cc_sets
from deepchrome2.crosscell.evaluate import transfer_eval
from deepchrome2.crosscell.experiments import NAMES
from deepchrome2.crosscell.pooled import crosscell_cache
from deepchrome2.runner import set_threads
from deepchrome2.training.config_check import arch_settings
from deepchrome2.training.loop import TrainSettings, validation_interval

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from bench_startup import probe, script_imports  # noqa: E402

# Demo cells, one tissue group after another in turn, so that a small cohort spans groups.
DEMO_CELLS = {
    "E003": "ESC", "E062": "BLOOD", "E071": "BRAIN", "E004": "ESC",
    "E034": "BLOOD", "E074": "BRAIN", "E005": "ESC", "E045": "BLOOD",
}  # fmt: skip
PER_CELL_DATA = ("simulate_bigwigs", "bin_signals", "labels", "crosscell_cache")
ONE_OFF_DATA = ("simulate_cohort", "tss_windows", "split_genes", "oracle_auroc")
MEASURED_RULES = {"train", "train_crosscell", "transfer_eval", *PER_CELL_DATA, *ONE_OFF_DATA}
MODES = ("epoch", "cell")  # valid_every before the speed work, and the fast recipe's now
LOG_DONE = re.compile(
    r"rule (\S+) done in [\d.]+ s, [\d.]+ CPU s \(([\d.]+) CPU s for the process\)"
)


@dataclass
class Job:
    """One measured training job: its size, how long it trained, its CPU and test AUROC."""

    kind: str  # train | train_crosscell
    arch: str
    mode: str  # valid_every
    regime: str  # validation genes: "target" (a cell's) or "pool" (the pool's own; per-cell)
    n_cells: int
    n_train: int  # training genes pooled
    n_valid: int  # validation genes scored at each validation
    n_predicted: int  # genes predicted after training (every gene of each use's target)
    validations: int
    epochs: float
    cpu_s: float
    auroc: float

    def features(self) -> np.ndarray:
        """The cost model's regressors of this job (:func:`regressors`)."""
        return regressors(
            self.epochs, self.n_train, self.validations, self.n_valid, self.n_predicted
        )


def regressors(
    epochs: float, n_train: int, validations: float, n_valid: int, n_predicted: int
) -> np.ndarray:
    """The cost model's regressors of a training job: 1, training genes passed, validation
    genes scored, genes pooled (training and validation) and genes predicted afterwards."""
    return np.array([1.0, epochs * n_train, validations * n_valid, n_train + n_valid, n_predicted])


# ---------------------------------------------------------------- data


def cohort_config(config: dict[str, Any], n_cells: int, n_genes: int) -> dict[str, Any]:
    """``config`` with a simulated cohort of ``n_cells`` demo cells of ``n_genes`` genes (the
    genome scaled with the genes, as bench_train.py: 0.3 of hg19 for 20,560 genes)."""
    if not 2 <= n_cells <= len(DEMO_CELLS):
        raise SystemExit(f"bench_full_grid: --cells {n_cells}: must be 2 to {len(DEMO_CELLS)}")
    groups: dict[str, list[str]] = {}
    for cell in list(DEMO_CELLS)[:n_cells]:
        groups.setdefault(DEMO_CELLS[cell], []).append(cell)
    out = json.loads(json.dumps(config))
    out["simulate"].update(
        n_genes=n_genes, tissue_groups=groups, genome_scale=max(0.05, 0.3 * n_genes / 20560)
    )
    return out


def prepare_data(
    config: dict[str, Any], workdir: Path
) -> tuple[calibration.SimulatedRun, dict[str, list[float]]]:
    """The cohort's data stage and feature caches in ``workdir`` (reused when there), and the
    CPU seconds of each data job as they ran the first time."""
    record = workdir / "data_cpu.json"
    stamp = json.dumps(config["simulate"], sort_keys=True)
    if record.exists():
        saved = json.loads(record.read_text())
        if saved["simulate"] == stamp:
            run = calibration.SimulatedRun(workdir, calibration.cohort_cells(config))
            return run, saved["cpu_s"]
    timings: dict[str, list[float]] = {}
    run = calibration.prepare(config, workdir, timings)
    for c in run.cells:
        t = time.process_time()
        crosscell_cache(run.features(c), run.cache(c))
        timings.setdefault("crosscell_cache", []).append(time.process_time() - t)
    record.write_text(json.dumps({"simulate": stamp, "cpu_s": timings}))
    return run, timings


def split_sizes(split: Path) -> dict[str, int]:
    """Genes per split of the cohort."""
    return pd.read_csv(split, sep="\t")["split"].value_counts().to_dict()


# ---------------------------------------------------------------- measured jobs


def startup_cpu(scripts: Sequence[str], repeats: int) -> dict[str, float]:
    """Median start-up CPU s of each workflow script (imports in a fresh interpreter)."""
    out = {}
    for name in scripts:
        imports = script_imports(REPO / "workflow_scripts" / f"{name}.py")
        out[name] = statistics.median(probe(imports, REPO / "src")["cpu"] for _ in range(repeats))
    return out


def timed(func: Callable[[], Any]) -> float:
    """Process CPU seconds of ``func()``."""
    t = time.process_time()
    func()
    return time.process_time() - t


def run_train(run: calibration.SimulatedRun, config: dict, arch: str, cell: str) -> Job:
    """One ``rule train`` job, as the rule runs it (predictions included)."""
    d = run.workdir / "jobs" / "train" / arch / cell
    settings = arch_settings(config, arch)
    cpu = timed(lambda: calibration.train_one(run, config, arch, cell, d, predictions=True))
    m = json.loads((d / "metrics.json").read_text())
    sizes = split_sizes(run.split)
    history = pd.read_csv(d / "history.tsv", sep="\t")
    return Job(
        "train", arch, settings.get("valid_every", "epoch"), "pool", 1, int(m["n_train"]),
        sizes["valid"], sum(sizes.values()), len(history), float(m["epochs"]), cpu,
        float(m["auroc"]),
    )  # fmt: skip


@dataclass
class Pool:
    """A training set of the measured cross-cell jobs: its cells (aliases of the cohort's)
    and its uses (target cell, track)."""

    name: str
    cells: list[str]
    uses: list[tuple[str, str]]

    @property
    def regime(self) -> str:
        return "pool" if any(track == cc_sets.POOLED for _, track in self.uses) else "target"


def alias_cells(cells: Sequence[str], n: int) -> list[str]:
    """``n`` cell names cycling over ``cells``: the first round their own names, then
    ``{cell}_r{k}`` for the k-th repeat."""
    names = []
    for i in range(n):
        cell, k = cells[i % len(cells)], i // len(cells)
        names.append(cell if k == 0 else f"{cell}_r{k}")
    return names


def real_cell(alias: str) -> str:
    """The cohort cell behind an alias."""
    return alias.split("_r")[0]


def pools(cells: Sequence[str], sizes: Sequence[int], shared: int) -> list[Pool]:
    """One target (the first cell) outside pools of ``sizes`` of the other cells, and one pool
    of ``shared`` cells used by every cohort cell on the pool's own validation genes."""
    out = [Pool(f"exclusive_{n}", alias_cells(cells[1:], n), [(cells[0], cells[0])]) for n in sizes]
    if shared:
        members = alias_cells(cells, shared)
        out.append(Pool(f"shared_{shared}", members, [(c, cc_sets.POOLED) for c in cells]))
    return out


def write_plan(pool: Pool, path: Path) -> str:
    """The pool as a one-set plan (sets.tsv); returns its training-set name."""
    tset = cc_sets.set_id(pool.cells)
    rows = [
        {
            "target_cell": target, "experiment": "inclusive_all" if track == cc_sets.POOLED
            else "exclusive_all", "includes_target": target in pool.cells,
            "n_train_cells": len(pool.cells), "train_cells": cc_sets.SEP.join(pool.cells),
            "train_set": tset, "track": track, "evaluated_on": target, "mean_correlation": "",
        }
        for target, track in pool.uses
    ]  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=cc_sets.PLAN_COLUMNS).to_csv(path, sep="\t", index=False)
    return tset


def run_pooled(
    run: calibration.SimulatedRun, config: dict, arch: str, pool: Pool, mode: str
) -> Job:
    """One ``rule train_crosscell`` job on ``pool`` with ``valid_every: mode``."""
    d = run.workdir / "jobs" / "train_crosscell" / arch / mode / pool.name
    plan = d / "sets.tsv"
    tset = write_plan(pool, plan)
    names = sorted({*pool.cells, *(t for t, _ in pool.uses)})
    cpu = timed(
        lambda: calibration.train_pooled_one(
            run, config, arch, plan, tset, names, d, real_cell, {"valid_every": mode}, True
        )
    )
    metrics = pd.read_csv(d / "metrics.tsv", sep="\t")
    history = pd.read_csv(d / "history.tsv", sep="\t")
    sizes = split_sizes(run.split)
    n_valid = sizes["valid"] * len(scored_cells(pool))
    return Job(
        "train_crosscell", arch, mode, pool.regime, len(pool.cells),
        int(metrics["n_train"].iloc[0]), n_valid, sum(sizes.values()) * len(pool.uses),
        int(history.groupby("track").size().max()), float(history["epoch"].max()), cpu,
        float(metrics["auroc"].mean()),
    )  # fmt: skip


def scored_cells(pool: Pool) -> set[str]:
    """Cells whose validation genes a pooled job scores (as ``pooled.scored_cells``)."""
    tracked = {t for _, t in pool.uses if t != cc_sets.POOLED}
    return tracked | (set(pool.cells) if pool.regime == "pool" else set())


def run_transfer(
    run: calibration.SimulatedRun, arch: str, cell: str, repeats: int
) -> tuple[int, float]:
    """One ``rule transfer_eval`` job: ``cell``'s per-cell model on the test genes of every
    cohort cell, ``repeats`` times under other names; returns (genes scored, CPU s)."""
    names = alias_cells(run.cells, repeats * len(run.cells))
    d = run.workdir / "jobs" / "transfer_eval" / arch
    out = d / f"{cell}_{len(names)}.tsv"
    model = run.workdir / "jobs" / "train" / arch / cell / "model.pt"
    cpu = timed(
        lambda: transfer_eval(
            model,
            out,
            cell,
            names,
            *run.cell_files(names, real_cell),
            run.split,
            device="cpu",
        )
    )
    return int(pd.read_csv(out, sep="\t")["n_test"].sum()), cpu


# ---------------------------------------------------------------- cost models


def fit_nnls(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Non-negative least squares, columns scaled to unit size first."""
    scale = np.where(np.abs(X).max(axis=0) > 0, np.abs(X).max(axis=0), 1.0)
    coef, _ = nnls(X / scale, y)
    return coef / scale


def loo_predictions(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each row predicted by the fit on the other rows (NaN when only one row)."""
    out = np.full(len(y), np.nan)
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        if keep.any():
            out[i] = X[i] @ fit_nnls(X[keep], y[keep])
    return out


@dataclass
class ValidationModel:
    """Validations a job runs: alpha + beta x ln(cells pooled), at least ``patience + 1``."""

    alpha: float
    beta: float
    floor: int

    def __call__(self, n_cells: float) -> float:
        return max(float(self.floor), self.alpha + self.beta * math.log(n_cells))


def fit_validations(jobs: Sequence[Job], patience: int) -> ValidationModel:
    """Fit :class:`ValidationModel` over ``jobs`` (a mean where they have one size)."""
    n = np.log([j.n_cells for j in jobs])
    v = np.array([j.validations for j in jobs], dtype=float)
    if len(set(n)) < 2:
        return ValidationModel(float(v.mean()), 0.0, patience + 1)
    beta, alpha = np.polyfit(n, v, 1)
    return ValidationModel(float(alpha), float(beta), patience + 1)


@dataclass
class Shape:
    """A grid job's size: cells pooled, genes per split, validation genes scored, uses."""

    n_cells: int
    regime: str
    n_valid_cells: int
    uses: int


def predict_job(
    shape: Shape,
    coef: np.ndarray,
    vmodel: ValidationModel,
    settings: TrainSettings,
    sizes: dict[str, int],
) -> tuple[float, float, float]:
    """(CPU s, validations, epochs) of a training job of ``shape``."""
    n_train = shape.n_cells * sizes["train"]
    n_valid = shape.n_valid_cells * sizes["valid"]
    s = replace(settings, cell_rows=sizes["train"] if shape.n_cells > 1 else 0)
    every = validation_interval(s, n_train, n_valid)
    per_epoch = math.ceil(n_train / every)
    validations = min(vmodel(shape.n_cells), settings.max_epochs * per_epoch)
    epochs = validations / per_epoch
    x = regressors(epochs, n_train, validations, n_valid, shape.uses * sum(sizes.values()))
    return float(x @ coef), validations, epochs


def plan_shapes() -> list[Shape]:
    """Every distinct training set of the paper's cross-cell plan (``sets: dc2``)."""
    paper = cc_sets.load_dc2_sets()["inclusive_all"]
    plan = cc_sets.build_plan(paper, paper, list(NAMES), sets="dc2")
    shapes = []
    for _, uses in plan[plan["train_set"] != ""].groupby("train_set"):
        pooled = set(uses["train_cells"].iloc[0].split(cc_sets.SEP))
        tracks = set(uses["track"])
        scored = {t for t in tracks if t != cc_sets.POOLED}
        regime = "pool" if cc_sets.POOLED in tracks else "target"
        if regime == "pool":
            scored |= pooled
        shapes.append(Shape(len(pooled), regime, len(scored), len(uses)))
    return shapes


def demo_jobs(run_dir: Path) -> pd.DataFrame:
    """Per rule not measured here: jobs and mean process CPU s, from a finished run's logs."""
    rows = []
    for log in sorted(run_dir.glob("logs/**/*.log")):
        m = LOG_DONE.search(log.read_text(errors="replace"))
        if m and m.group(1) not in MEASURED_RULES:
            rows.append({"rule": m.group(1), "cpu_s": float(m.group(2))})
    if not rows:
        raise SystemExit(f"bench_full_grid: no finished job logs under {run_dir}/logs")
    return pd.DataFrame(rows).groupby("rule")["cpu_s"].agg(["size", "mean"]).reset_index()


# ---------------------------------------------------------------- the grid

GRID_COLUMNS = ["job_type", "arch", "jobs", "cpu_s_per_job_before", "cpu_s_per_job_after", "source"]


@dataclass
class Measured:
    """Everything measured: training jobs, transfer jobs, data jobs and start-up CPU."""

    run: calibration.SimulatedRun
    jobs: list[Job]
    transfers: dict[str, list[tuple[int, float]]]  # arch -> (genes scored, CPU s) per job
    data_cpu: dict[str, list[float]]
    startup: dict[str, float]


def measure(args: argparse.Namespace, config: dict, archs: list[str], cross: list[str]) -> Measured:
    """Run the data stage (or reuse it) and every measured job; CPU s include start-up."""
    args.workdir.mkdir(parents=True, exist_ok=True)
    run, data_cpu = prepare_data(config, args.workdir)
    scripts = ["train", "train_crosscell", "transfer_eval", *PER_CELL_DATA, *ONE_OFF_DATA]
    startup = startup_cpu(scripts, args.startup_repeats)
    print(f"cohort {run.cells}: genes per split {split_sizes(run.split)}")
    print("start-up CPU s: " + ", ".join(f"{k} {v:.2f}" for k, v in startup.items()))
    jobs: list[Job] = []
    for arch in sorted(set(archs) | set(cross)):
        for cell in run.cells[: args.train_cells]:
            jobs.append(run_train(run, config, arch, cell))
            print(f"train {arch} {cell}: {jobs[-1].cpu_s:.1f} CPU s", flush=True)
    sizes = [int(n) for n in args.pools.split(",")]
    for arch in cross:
        for pool in pools(run.cells, sizes, args.shared_pool):
            for mode in MODES:
                jobs.append(run_pooled(run, config, arch, pool, mode))
                print(
                    f"train_crosscell {arch} {pool.name} {mode}: {jobs[-1].cpu_s:.1f} CPU s",
                    flush=True,
                )
    for j in jobs:
        j.cpu_s += startup[j.kind]
    # three jobs of 1, 2 and 3 times the cohort's test genes, so that the fit can be checked
    transfers = {
        arch: [
            (n, cpu + startup["transfer_eval"])
            for n, cpu in (run_transfer(run, arch, run.cells[k % 2], k + 1) for k in range(3))
        ]
        for arch in cross
    }
    return Measured(run, jobs, transfers, data_cpu, startup)


def training_rows(
    m: Measured, config: dict, archs: list[str], cross: list[str], grid_cells: int
) -> tuple[list[tuple], pd.DataFrame]:
    """Grid rows of ``train``, ``train_crosscell`` and ``transfer_eval``, and the measured
    training jobs beside their fitted and leave-one-out predictions."""
    sizes = {k: int(v) for k, v in config["split"]["proportions"].items()}
    shapes = plan_shapes()
    rows, fits = [], []
    for arch in sorted(set(archs) | set(cross)):
        mine = [j for j in m.jobs if j.arch == arch]
        X = np.array([j.features() for j in mine])
        y = np.array([j.cpu_s for j in mine])
        coef = fit_nnls(X, y)
        fits.append(report_fit(mine, coef, loo_predictions(X, y)))
        print(
            f"{arch}: CPU s = {coef[0]:.2f} + {coef[1] * 1e6:.1f} us x training genes passed + "
            f"{coef[2] * 1e6:.1f} us x validation genes scored + {coef[3] * 1e6:.1f} us x "
            f"genes pooled + {coef[4] * 1e6:.1f} us x genes predicted"
        )
        settings = TrainSettings.from_dict(arch_settings(config, arch))
        per_cell = [j for j in mine if j.kind == "train"]
        vm = fit_validations(per_cell, settings.patience)
        cpu, _, _ = predict_job(Shape(1, "pool", 1, 1), coef, vm, settings, sizes)
        if arch in archs:
            rows.append(("train", arch, grid_cells, cpu, cpu, "measured, fit"))
        if arch not in cross:
            continue
        per_job = {}
        for mode in MODES:
            s = replace(settings, valid_every=mode)
            models = {}
            for regime in ("target", "pool"):
                same = [j for j in mine if j.mode == mode and j.regime == regime]
                models[regime] = fit_validations(per_cell + same, settings.patience)
                print(f"{arch} valid_every {mode}, {regime} validation: {models[regime]}")
            cost = [predict_job(sh, coef, models[sh.regime], s, sizes)[0] for sh in shapes]
            per_job[mode] = float(np.mean(cost))
        rows.append(
            ("train_crosscell", arch, len(shapes), per_job["epoch"], per_job["cell"],
             "measured, fit (before: valid_every epoch)")
        )  # fmt: skip
        job = transfer_cost(m.transfers[arch], grid_cells * sizes["test"])
        rows.append(("transfer_eval", arch, grid_cells, job, job, "measured, fit"))
    return rows, pd.concat(fits, ignore_index=True)


def transfer_fit(jobs: Sequence[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Fitted and leave-one-out CPU s of transfer jobs, by a + b x genes scored."""
    X = np.array([[1.0, n] for n, _ in jobs])
    y = np.array([c for _, c in jobs])
    return X @ fit_nnls(X, y), loo_predictions(X, y)


def transfer_cost(jobs: Sequence[tuple[int, float]], scored: int) -> float:
    """CPU s of a transfer job scoring ``scored`` genes, by a + b x genes scored."""
    X = np.array([[1.0, n] for n, _ in jobs])
    return float(np.array([1.0, scored]) @ fit_nnls(X, np.array([c for _, c in jobs])))


def data_rows(m: Measured, grid_cells: int) -> list[tuple]:
    """Grid rows of the data jobs: the mean measured CPU per job."""
    rows = []
    for rule in (*PER_CELL_DATA, *ONE_OFF_DATA):
        cpu = float(np.mean(m.data_cpu[rule])) + m.startup[rule]
        if rule in PER_CELL_DATA:
            rows.append((rule, "", grid_cells, cpu, cpu, "measured, mean"))
        else:
            rows.append((rule, "", 1, cpu, cpu, f"measured on {len(m.run.cells)} cells"))
    return rows


def other_rows(demo_run: Path | None) -> list[tuple]:
    """One grid row for the tables, figures, interpretation and GAN jobs, from a demo's logs."""
    if demo_run is None:
        print("tables, figures, interpretation and GAN jobs: not costed (no --demo-run)")
        return []
    d = demo_jobs(demo_run)
    jobs = int(d["size"].sum())
    cpu = float((d["size"] * d["mean"]).sum() / jobs)
    source = f"{len(d)} rules, as many jobs as the demo, its CPU per job"
    return [("tables, figures, interpretation, GAN", "", jobs, cpu, cpu, source)]


def grid_table(rows: list[tuple]) -> pd.DataFrame:
    """The grid rows with CPU hours, and a total row."""
    grid = pd.DataFrame(rows, columns=GRID_COLUMNS)
    order = {"train": 0, "train_crosscell": 1, "transfer_eval": 2}
    grid = grid.sort_values("job_type", key=lambda t: t.map(order).fillna(3), kind="stable")
    for when in ("before", "after"):
        grid[f"cpu_h_{when}"] = grid["jobs"] * grid[f"cpu_s_per_job_{when}"] / 3600
    total = {
        "job_type": "total",
        "arch": "",
        "jobs": int(grid["jobs"].sum()),
        "source": "",
        "cpu_h_before": grid["cpu_h_before"].sum(),
        "cpu_h_after": grid["cpu_h_after"].sum(),
    }
    return pd.concat([grid, pd.DataFrame([total])], ignore_index=True)


def auroc_check(measured: pd.DataFrame) -> pd.DataFrame:
    """Per cross-cell architecture: mean test AUROC of its measured pooled jobs before
    (``valid_every: epoch``) and after (``cell``), their difference, and whether it is within
    0.003 (a drop of at most 0.003)."""
    pooled = measured[measured["kind"] == "train_crosscell"]
    auroc = pooled.pivot_table(index="arch", columns="mode", values="auroc", aggfunc="mean")
    auroc = auroc.rename(columns={"epoch": "auroc_before", "cell": "auroc_after"})
    auroc = auroc[["auroc_before", "auroc_after"]].rename_axis(columns=None).reset_index()
    auroc["difference"] = auroc["auroc_after"] - auroc["auroc_before"]
    auroc["within_0.003"] = auroc["difference"] >= -0.003
    return auroc


# ---------------------------------------------------------------- report


def report_fit(jobs: list[Job], coef: np.ndarray, loo: np.ndarray) -> pd.DataFrame:
    """The measured training jobs beside their predictions."""
    df = pd.DataFrame([asdict(j) for j in jobs])
    df["predicted_cpu_s"] = [float(j.features() @ coef) for j in jobs]
    df["loo_cpu_s"] = loo
    return df


def rel_error(measured: pd.Series | np.ndarray, predicted: pd.Series | np.ndarray) -> float:
    """Mean absolute relative error."""
    measured, predicted = np.asarray(measured), np.asarray(predicted)
    return float(np.mean(np.abs(predicted - measured) / measured))


def print_fit(measured: pd.DataFrame, m: Measured) -> None:
    """Each measured job beside its prediction, and the fit errors per job type."""
    cols = ["kind", "arch", "mode", "n_cells", "validations", "epochs", "cpu_s",
            "predicted_cpu_s", "loo_cpu_s", "auroc"]  # fmt: skip
    print("## measured jobs (CPU s, start-up included) and the fit")
    print(measured[cols].round(3).to_string(index=False))
    for kind, g in measured.groupby("kind"):
        print(
            f"{kind}: fit error {rel_error(g['cpu_s'], g['predicted_cpu_s']):.1%}, "
            f"leave-one-out {rel_error(g['cpu_s'], g['loo_cpu_s']):.1%} (mean |relative|)"
        )
    for arch, jobs in m.transfers.items():
        fit, loo = transfer_fit(jobs)
        cpu = np.array([c for _, c in jobs])
        each = ", ".join(
            f"{n} genes {c:.2f} (fit {f:.2f}, loo {o:.2f})"
            for (n, c), f, o in zip(jobs, fit, loo, strict=True)
        )
        print(
            f"transfer_eval {arch}: {each} CPU s; fit error {rel_error(cpu, fit):.1%}, "
            f"leave-one-out {rel_error(cpu, loo):.1%}"
        )
    for rule, cpu in m.data_cpu.items():
        print(f"{rule}: {len(cpu)} jobs, step CPU s {', '.join(f'{c:.2f}' for c in cpu)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, required=True, help="data and jobs (data reused)")
    ap.add_argument("--out", type=Path, required=True, help="the grid table (TSV)")
    ap.add_argument("--demo-run", type=Path, help="a finished demo run: tables/figures CPU")
    ap.add_argument("--config", type=Path, default=REPO / "config.yaml")
    ap.add_argument("--cells", type=int, default=4, help="simulated cells")
    ap.add_argument("--genes", type=int, default=20560, help="simulated genes per cell")
    ap.add_argument("--train-cells", type=int, default=2, help="cells per architecture")
    ap.add_argument("--pools", default="8,24", help="pool sizes with one target outside")
    ap.add_argument("--shared-pool", type=int, default=8, help="pool used by every cell")
    ap.add_argument("--archs", help="per-cell architectures (default: the config's)")
    ap.add_argument("--grid-cells", type=int, default=56)
    ap.add_argument("--startup-repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="tiny scale, for a test")
    args = ap.parse_args()
    base = yaml.safe_load(args.config.read_text())
    if args.quick:
        args.cells, args.genes, args.pools, args.shared_pool = 3, 450, "3,6", 3
        args.startup_repeats = 1
        base["train"].update(max_epochs=3, patience=1)
    config = cohort_config(base, args.cells, args.genes)
    set_threads(int(config["train"]["threads"]))
    keep_freed_memory()  # as every workflow step does (runner.run_step)
    archs = args.archs.split(",") if args.archs else list(config["train"]["architectures"])
    cross = list(config["crosscell"]["architectures"])

    m = measure(args, config, archs, cross)
    rows, measured = training_rows(m, config, archs, cross, args.grid_cells)
    grid = grid_table(rows + data_rows(m, args.grid_cells) + other_rows(args.demo_run))
    auroc = auroc_check(measured)

    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    print_fit(measured, m)
    n_genes = sum(int(v) for v in config["split"]["proportions"].values())
    print(f"## the grid: {args.grid_cells} cells x {n_genes} genes")
    print(grid.round(3).to_string(index=False))
    print("## AUROC check (mean test AUROC of the measured pooled jobs)")
    print(auroc.round(4).to_string(index=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    grid.to_csv(args.out, sep="\t", index=False, float_format="%.6g")
    measured.to_csv(args.out.with_suffix(".jobs.tsv"), sep="\t", index=False, float_format="%.4f")
    auroc.to_csv(args.out.with_suffix(".auroc.tsv"), sep="\t", index=False, float_format="%.4f")


if __name__ == "__main__":
    main()
