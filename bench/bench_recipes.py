"""Both training recipes on the simulated demo cohort: test AUROC, epochs and CPU time.

The data come from the workflow's own data rules run on ``config.yaml`` (the default
simulated cohort) in ``--workdir``; then, for every architecture, recipe and cell, the model is
trained as ``rule train`` would train it (settings from ``arch_settings``, so the config's
per-architecture hyperparameters apply, e.g. the demo's halved AttentiveChrome) and scored on
the cell's test genes. Each run is timed by process CPU time (one intra-op thread) and wall
time. Writes one row per run to ``--out`` and prints the per-architecture means as a Markdown
table.

    python bench/bench_recipes.py --cells E003 E062 E071 --out results/bench/recipes.tsv
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import torch
import yaml

from deepchrome2 import models
from deepchrome2.training.config_check import arch_hparams, arch_settings
from deepchrome2.training.data import load_cell
from deepchrome2.training.job import evaluate_test, train_model
from deepchrome2.training.loop import TrainSettings

REPO = Path(__file__).resolve().parents[1]


def prepare(workdir: Path, cells: list[str], cores: int) -> None:
    """Run the data rules of config.yaml for ``cells`` in ``workdir`` (skipped when done)."""
    targets = [f"results/features/{c}.npz" for c in cells]
    targets += [f"results/labels/{c}.tsv" for c in cells] + ["results/splits/genes.tsv"]
    if all((workdir / t).exists() for t in targets):
        return
    snakemake = Path(sys.executable).with_name("snakemake")
    cmd = [str(snakemake), "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
           "--configfile", str(REPO / "config.yaml"),
           "--cores", str(cores), *targets]  # fmt: skip
    subprocess.run(cmd, check=True)


def run_one(config: dict, arch: str, recipe: str, cell: str, workdir: Path) -> dict:
    """Train ``arch`` with ``recipe`` on ``cell``; test AUROC, epochs, CPU and wall seconds."""
    train = {**config["train"], "recipe": recipe}
    settings = arch_settings({**config, "train": train}, arch)
    data = load_cell(
        workdir / f"results/features/{cell}.npz",
        workdir / f"results/labels/{cell}.tsv",
        workdir / "results/splits/genes.tsv",
    )
    wall, cpu = time.perf_counter(), time.process_time()
    tm, res = train_model(
        arch, data, TrainSettings.from_dict(settings), arch_hparams(config, arch),
        settings["transform"], "cpu",
    )  # fmt: skip
    test = evaluate_test(tm, data)
    return {
        "arch": arch,
        "recipe": recipe,
        "cell": cell,
        "test_auroc": test["auroc"],
        "valid_auroc": res.best_valid_auroc,
        "epochs": res.epochs_run,
        "best_epoch": res.best_epoch,
        "restarts": settings["restarts"],
        "cpu_s": time.process_time() - cpu,
        "wall_s": time.perf_counter() - wall,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", nargs="+", default=["E003", "E062", "E071"])
    ap.add_argument("--archs", nargs="+", default=None, help="default: config's torch models")
    ap.add_argument("--recipes", nargs="+", default=["fast", "dc2"])
    ap.add_argument("--workdir", type=Path, default=REPO / "results" / "bench" / "recipes")
    ap.add_argument("--out", type=Path, default=REPO / "results" / "bench" / "recipes.tsv")
    args = ap.parse_args()

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    archs = args.archs or [a for a in config["train"]["architectures"] if models.kind(a) == "torch"]
    prepare(args.workdir, args.cells, 2)
    torch.set_num_threads(1)
    load0 = os.getloadavg()[0]
    rows = []
    done = pd.read_csv(args.out, sep="\t") if args.out.exists() else pd.DataFrame()
    for arch in archs:
        for recipe in args.recipes:
            for cell in args.cells:
                if (
                    len(done)
                    and ((done.arch == arch) & (done.recipe == recipe) & (done.cell == cell)).any()
                ):
                    continue
                row = run_one(config, arch, recipe, cell, args.workdir)
                rows.append(row)
                print(
                    "\t".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in row.values()),
                    flush=True,
                )
                table = pd.concat([done, pd.DataFrame(rows)], ignore_index=True)
                args.out.parent.mkdir(parents=True, exist_ok=True)
                table.to_csv(args.out, sep="\t", index=False, float_format="%.4f")
    table = pd.concat([done, pd.DataFrame(rows)], ignore_index=True)
    summary = (
        table.groupby(["arch", "recipe"], sort=False)
        .agg(test_auroc=("test_auroc", "mean"), epochs=("epochs", "mean"), cpu_s=("cpu_s", "mean"),
             wall_s=("wall_s", "mean"), n_cells=("cell", "size"))
        .reset_index()
    )  # fmt: skip
    print(f"load average at start/end: {load0:.1f}/{os.getloadavg()[0]:.1f}")
    print(summary.to_markdown(index=False, floatfmt=".3f"))


if __name__ == "__main__":
    main()
