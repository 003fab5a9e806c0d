"""Time one training step of every architecture on CPU and print a Markdown table.

For each torch architecture: forward + cross-entropy + backward on a batch of random
(batch, 5, 100) inputs, after warm-up; the median over repeats of the process CPU time with one
intra-op thread (barely affected by other load on the machine) and of the wall time with
``--threads`` threads. For the random forest: the median CPU time of fit and of predict_proba on
``--rf-genes`` synthetic genes with one job.

    python bench/bench_models.py --threads 2 --batch 256 --repeats 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
from torch.nn import functional

from deepchrome2 import models

N_MARKS, N_BINS = 5, 100


def time_torch(
    name: str, threads: int, batch: int, repeats: int, warmup: int, clock: Callable[[], float]
) -> float:
    """Median seconds (by ``clock``) of forward + backward for one batch on ``threads``."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = models.build(name, N_MARKS, N_BINS).train()
    x = torch.randn(batch, N_MARKS, N_BINS)
    y = torch.randint(0, 2, (batch,))
    times = []
    for i in range(warmup + repeats):
        start = clock()
        model.zero_grad(set_to_none=True)
        functional.cross_entropy(model(x), y).backward()
        if i >= warmup:
            times.append(clock() - start)
    return statistics.median(times)


def time_forest(n_genes: int, repeats: int) -> tuple[float, float, int]:
    """Median CPU seconds of fit and predict_proba on ``n_genes`` genes, and the node count."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_genes, N_MARKS, N_BINS)).astype(np.float32)
    y = (X[:, 0, 40:60].mean(1) + 0.5 * rng.normal(size=n_genes) > 0).astype(int)
    fits, predicts = [], []
    for _ in range(repeats):
        model = models.build("random_forest", N_MARKS, N_BINS)
        start = time.process_time()
        model.fit(X, y)
        fits.append(time.process_time() - start)
        start = time.process_time()
        model.predict_proba(X)
        predicts.append(time.process_time() - start)
    return statistics.median(fits), statistics.median(predicts), models.n_parameters(model)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rf-genes", type=int, default=6601)
    args = parser.parse_args()

    print(
        f"Batch {args.batch}, median of {args.repeats} after {args.warmup} warm-up steps; "
        f"load average before: {os.getloadavg()[0]:.2f}\n"
    )
    print(
        "| architecture | parameters | CPU ms/batch, 1 thread "
        f"| wall ms/batch, {args.threads} threads |"
    )
    print("|---|---:|---:|---:|")
    for name in models.available():
        if models.kind(name) != "torch":
            continue
        n_params = models.n_parameters(models.build(name, N_MARKS, N_BINS))
        cpu = time_torch(name, 1, args.batch, args.repeats, args.warmup, time.process_time)
        wall = time_torch(
            name, args.threads, args.batch, args.repeats, args.warmup, time.perf_counter
        )
        ms = [1000 * cpu, 1000 * wall]
        print(f"| {name} | {n_params:,} | " + " | ".join(f"{m:.1f}" for m in ms) + " |")
    fit, predict, nodes = time_forest(args.rf_genes, repeats=3)
    print(
        f"\nrandom_forest on {args.rf_genes:,} genes (n_jobs=1, defaults): CPU fit {fit:.2f} s, "
        f"predict_proba {predict:.2f} s, {nodes:,} tree nodes; "
        f"load average after: {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
