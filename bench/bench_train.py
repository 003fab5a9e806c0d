"""Time training one architecture on one cell at full scale, to early stop, on CPU.

The data come from the workflow's own data path: the simulator writes one cell of
``--n-genes`` genes (the default 20,560 keeps 19,802 protein-coding genes once the
simulator's lincRNAs and chromosome-end genes are dropped, hence DeepChrome's 6,601 training
genes), and Snakemake runs the data rules into ``--workdir`` (skipped when the files are
already there). Then the training of ``--arch`` with the settings of ``config.yaml`` (lr,
batch size, max epochs, patience, seed) is timed end to end: loading the files, fitting the
transform, the epochs, restoring the best one and scoring the test genes. Reported: wall
time, process CPU time, epochs, and the load average of the machine during the run (other
jobs inflate wall time).

    python bench/bench_train.py --threads 2 --arch deepchrome
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import torch
import yaml

from deepchrome2.training.config_check import arch_hparams, arch_settings
from deepchrome2.training.data import load_cell
from deepchrome2.training.job import evaluate_test, train_model
from deepchrome2.training.loop import TrainSettings

REPO = Path(__file__).resolve().parents[1]
CELL = "E003"


def prepare(workdir: Path, n_genes: int, cores: int) -> dict[str, Path]:
    """Run the workflow's data rules for one simulated cell of ``n_genes`` genes."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["simulate"].update(n_genes=n_genes, tissue_groups={"ESC": [CELL]}, genome_scale=0.3)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    paths = {
        "features": workdir / f"results/features/{CELL}.npz",
        "labels": workdir / f"results/labels/{CELL}.tsv",
        "split": workdir / "results/splits/genes.tsv",
    }
    if not all(p.exists() for p in paths.values()):
        snakemake = Path(sys.executable).with_name("snakemake")
        targets = [str(p.relative_to(workdir)) for p in paths.values()]
        cmd = [str(snakemake), "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
               "--cores", str(cores), *targets]  # fmt: skip
        subprocess.run(cmd, check=True)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="deepchrome")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n-genes", type=int, default=20560)
    ap.add_argument("--workdir", type=Path, default=REPO / "results" / "bench" / "train")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    paths = prepare(args.workdir, args.n_genes, max(2, args.threads))
    torch.set_num_threads(args.threads)
    resolved = arch_settings(config, args.arch)
    settings = TrainSettings.from_dict(resolved)

    load0 = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    data = load_cell(paths["features"], paths["labels"], paths["split"])
    tm, res = train_model(
        args.arch, data, settings, arch_hparams(config, args.arch),
        resolved["transform"], args.device,
    )  # fmt: skip
    test = evaluate_test(tm, data)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    load1 = os.getloadavg()[0]

    sizes = data.sizes()
    print(f"arch {args.arch}, device {tm.settings['device']}, threads {args.threads}")
    print(f"genes train/valid/test {sizes['train']}/{sizes['valid']}/{sizes['test']}")
    print(f"settings {vars(settings)}")
    print(
        f"epochs {res.epochs_run} (best {res.best_epoch}), valid AUROC "
        f"{res.best_valid_auroc:.4f}, test AUROC {test['auroc']:.4f}"
    )
    print(f"wall {wall:.1f} s ({wall / res.epochs_run:.2f} s/epoch), process CPU {cpu:.1f} s")
    print(f"load average at start/end: {load0:.1f}/{load1:.1f}")


if __name__ == "__main__":
    main()
