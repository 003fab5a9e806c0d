"""Time GAN training on one cell's training genes and measure the simulator-truth correlation.

Trains the conditional WGAN-GP with the ``gan:`` settings of ``config.yaml`` (``--epochs``
overrides the epoch count) on the training genes of ``--cell``, on the CPU with ``--threads``
threads, and prints: genes, epochs, wall seconds, process CPU seconds, seconds per epoch, the
system load average at the start and end, and, when the simulated truth exists, the Pearson r
per mark between generated and true class-mean profiles (1000 samples per class) next to the r
of the real test genes' class means. Needs the data stage outputs (``results/features``,
``results/labels``, ``results/splits``).

    python bench/bench_gan.py --cell E003 --threads 2
"""

from __future__ import annotations

import argparse
import logging
import os
import time

import torch
import yaml

from deepchrome2.gan.data import load_split_data
from deepchrome2.gan.summary import load_truth, profile_correlation, structured_marks
from deepchrome2.gan.train import GanConfig, fit_gan, sample


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", default="E003")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--config", default="config.yaml")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(args.threads)
    with open(args.config) as fh:
        cfg_all = yaml.safe_load(fh)
    gan_cfg = dict(cfg_all["gan"])
    if args.epochs:
        gan_cfg["epochs"] = args.epochs
    cfg = GanConfig.from_mapping(gan_cfg)
    paths = ([f"results/features/{args.cell}.npz"], [f"results/labels/{args.cell}.tsv"])
    train = load_split_data(*paths, "results/splits/genes.tsv", "train", cfg.min_genes_per_class)
    test = load_split_data(*paths, "results/splits/genes.tsv", "test")
    load0 = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    gan = fit_gan(train.X, train.y, cfg, train.marks, train.bin_starts, args.device)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"cell {args.cell}: {len(train.y)} training genes, {cfg.epochs} epochs, "
          f"{args.threads} threads, device {args.device}")  # fmt: skip
    print(f"wall {wall:.1f} s, CPU {cpu:.1f} s, {wall / cfg.epochs:.2f} s/epoch wall, "
          f"load average {load0:.1f} -> {os.getloadavg()[0]:.1f}")  # fmt: skip
    truth_path = os.path.join(cfg_all["simulate"]["outdir"], "truth", "class_profiles.npz")
    if cfg_all["source"] == "simulate" and os.path.exists(truth_path):
        truth = load_truth(truth_path, args.cell, train.marks)
        X, y = sample(gan, 1000, cfg.seed)
        for c in (0, 1):
            r = profile_correlation(X[y == c].mean(axis=0), truth[c])
            r_real = profile_correlation(test.X[test.y == c].mean(axis=0), truth[c])
            s = structured_marks(truth[c])
            cells = [f"{m}{'*' if st else ''} {a:.3f} ({b:.3f})"
                     for m, a, b, st in zip(train.marks, r, r_real, s, strict=True)]  # fmt: skip
            print(f"class {c} r generated (real test): " + ", ".join(cells))
        print("* = mark with real structure in the truth profile")


if __name__ == "__main__":
    main()
