"""Seconds per training epoch at the paper's scale, per architecture and recipe, on CPU or CUDA.

The cost of a training job is (seconds per epoch) x (epochs run). Epoch counts come from the
workflow's own runs (metrics.json); this script measures the other factor where the runs
cannot go, e.g. on a GPU machine without the workflow's input tools. It trains every torch
architecture of the registry with the project's own loop (``fit_torch``) and recipes on
synthetic inputs of the paper's shapes:

- per cell: 6,601 training and 6,601 validation genes, 5 marks x 100 bins;
- pooled (``--pooled-archs``): ``--pooled-cells`` x 6,601 training genes, 6,601 validation
  genes, as one cross-cell training job of DeepChrome 2.0's ``inclusive_all``.

Each fit runs ``--epochs`` epochs (patience = epochs, so none stops early); the first epoch
is reported apart (it holds the warm-up), the rest as a median. The inputs are log-normal noise
with a class signal in the promoter bins of the first mark, so that every model learns
something, but only the shapes matter for the time per epoch.

    python bench/bench_epoch.py --device cuda --out epoch_seconds.tsv
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import time

import numpy as np
import pandas as pd
import torch

from deepchrome2 import models
from deepchrome2.training.loop import TrainSettings, fit_torch, resolve_device, seed_everything
from deepchrome2.training.recipes import resolve

N_TRAIN = N_VALID = 6601
N_MARKS, N_BINS = 5, 100


def synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, marks, bins) float32 log-normal signal and 0/1 labels; class 1 raises the TSS bins
    of mark 0."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.lognormal(0.0, 1.0, (n, N_MARKS, N_BINS)).astype(np.float32)
    X[:, 0, 45:55] += 1.5 * y[:, None].astype(np.float32)
    return X, y


def cpu_seconds() -> float:
    """CPU seconds of this process so far (user + system)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def time_fit(
    arch: str,
    recipe: str,
    X: np.ndarray,
    y: np.ndarray,
    Xv: np.ndarray,
    yv: np.ndarray,
    epochs: int,
    device: torch.device,
) -> dict[str, float | str | int]:
    """Fit ``arch`` for ``epochs`` epochs under ``recipe``; time the first and later epochs."""
    s = resolve({"recipe": recipe}, arch)
    settings = TrainSettings.from_dict(
        {**s, "max_epochs": epochs, "patience": epochs, "restarts": 1}
    )
    seed_everything(settings.seed, device)
    model = models.build(arch, N_MARKS, N_BINS)
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    result = fit_torch(model, X, y, Xv, yv, settings, device)
    if device.type == "cuda":
        torch.cuda.synchronize()
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    per_epoch = [h["seconds"] for h in result.history]
    rest = per_epoch[1:] or per_epoch
    return {
        "arch": arch,
        "recipe": recipe,
        "train_genes": len(X),
        "batch_size": settings.batch_size,
        "epochs": len(per_epoch),
        "first_epoch_s": round(per_epoch[0], 3),
        "epoch_s": round(statistics.median(rest), 3),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "best_valid_auroc": round(result.best_valid_auroc, 4),
    }


def cpu_name() -> str:
    """The CPU's model name from /proc/cpuinfo (the platform's name where there is none)."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: leave as is)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--recipes", nargs="+", default=["dc2", "fast"])
    ap.add_argument("--archs", nargs="*", default=None, help="default: every torch architecture")
    ap.add_argument("--pooled-archs", nargs="*", default=["linear", "deepchrome"])
    ap.add_argument("--pooled-cells", type=int, default=55)
    ap.add_argument("--pooled-epochs", type=int, default=2)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_name()
    print(f"device {device} ({name}), torch {torch.__version__}, threads {torch.get_num_threads()}")
    archs = args.archs or [a for a in models.available() if models.kind(a) == "torch"]
    X, y = synthetic(N_TRAIN, 1)
    Xv, yv = synthetic(N_VALID, 2)
    rows = []
    for recipe in args.recipes:
        for arch in archs:
            rows.append(
                {"job": "per_cell", **time_fit(arch, recipe, X, y, Xv, yv, args.epochs, device)}
            )
            print(rows[-1], flush=True)
    if args.pooled_archs and args.pooled_cells > 0:
        Xp, yp = synthetic(N_TRAIN * args.pooled_cells, 3)
        for recipe in args.recipes:
            for arch in args.pooled_archs:
                row = time_fit(arch, recipe, Xp, yp, Xv, yv, args.pooled_epochs, device)
                rows.append({"job": "pooled", **row})
                print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    table.insert(0, "device", name)
    print(table.to_string(index=False))
    if args.out:
        table.to_csv(args.out, sep="\t", index=False)


if __name__ == "__main__":
    main()
