"""Peak memory of the largest cross-cell job at the paper's scale: one pooled training set.

DeepChrome 2.0's ``inclusive_all`` pools the training genes of all 55 other cells plus the
target's. This script writes ``--cells`` feature caches of ``--genes`` genes x 5 marks x 100
bins (float32 ``.npy``, as rule ``crosscell_cache`` writes them) with random non-negative
signal, random balanced labels and a random gene split in DeepChrome's thirds. It then runs
the cross-cell training step on them (``train_pooled_tracks``, which rule ``train_crosscell``
runs) with one early-stopping track per cell for ``--epochs`` epochs and, as the job does,
predicts every gene of each track's cell with that track's model. Memory does not grow with
epochs: the pooled arrays are allocated before the first one.

It prints the process's peak resident set size (``VmHWM``), and its anonymous and file-backed
parts at the end (the memory-mapped caches count in RSS while their pages are resident, and the
kernel may drop them), with the CPU seconds. The signal is random, so the AUROC means nothing.
The malloc settings of every workflow step (``deepchrome2.allocator``) apply unless
``--default-malloc`` is given.

    python bench/bench_pooled_memory.py --cells 55 --genes 19802 --workdir /tmp/pooled_mem
"""

from __future__ import annotations

import argparse
import resource
import shutil
import time
from pathlib import Path

import numpy as np

from deepchrome2.allocator import keep_freed_memory
from deepchrome2.crosscell.evaluate import cell_predictions
from deepchrome2.crosscell.pooled import CellRows, train_pooled_tracks
from deepchrome2.runner import set_threads
from deepchrome2.training.loop import TrainSettings

MARKS = ["H3K4me3", "H3K4me1", "H3K36me3", "H3K9me3", "H3K27me3"]
N_BINS = 100


def status_mb(field: str) -> float:
    """A ``/proc/self/status`` memory field (kB there) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def synthetic_cell(i: int, n_genes: int, workdir: Path, rng: np.random.Generator) -> CellRows:
    """One cell's cache file (random signal) opened as the job opens it, with labels and split."""
    path = workdir / f"C{i:03d}.npy"
    if not path.exists():
        X = rng.standard_exponential((n_genes, len(MARKS), N_BINS), dtype=np.float32)
        np.save(path, X)
        del X
    X = np.load(path, mmap_mode="r")
    y = np.zeros(n_genes, dtype=np.int64)
    y[rng.permutation(n_genes)[: n_genes // 2]] = 1
    order = rng.permutation(n_genes)
    third = n_genes // 3
    rows = {
        "train": np.sort(order[:third]),
        "valid": np.sort(order[third : 2 * third]),
        "test": np.sort(order[2 * third :]),
    }
    genes = np.array([f"G{g:05d}" for g in range(n_genes)])
    return CellRows(f"C{i:03d}", X, y, genes, rows, MARKS, np.arange(N_BINS) * 100)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=55)
    ap.add_argument("--genes", type=int, default=19802)
    ap.add_argument("--arch", default="deepchrome")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--keep", action="store_true", help="keep the cache files for a rerun")
    ap.add_argument(
        "--default-malloc", action="store_true", help="glibc's malloc defaults, not the jobs'"
    )
    args = ap.parse_args()

    set_threads(args.threads)
    if not args.default_malloc:
        keep_freed_memory()
    args.workdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    cells = [synthetic_cell(i, args.genes, args.workdir, rng) for i in range(args.cells)]
    before = status_mb("VmHWM")
    cpu0, t0 = time.process_time(), time.perf_counter()
    settings = TrainSettings(max_epochs=args.epochs, patience=5, seed=1)
    tracks = {c.cell: c.cell for c in cells}
    out = train_pooled_tracks(args.arch, cells, tracks, settings, device="cpu")
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    after_training = status_mb("VmHWM")
    cpu0, t0 = time.process_time(), time.perf_counter()
    for cell in cells:  # as the job: every gene of each track's cell, one cell at a time
        cell_predictions(out[cell.cell][0], cell)
    pred_cpu, pred_wall = time.process_time() - cpu0, time.perf_counter() - t0
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.arch}: {args.cells} cells x {args.genes} genes pooled "
        f"({sum(len(c.rows['train']) for c in cells)} training genes), {len(out)} tracks, "
        f"{args.epochs} epoch(s)"
    )
    print(f"peak RSS (VmHWM) {status_mb('VmHWM'):.0f} MB (ru_maxrss {self_peak:.0f} MB)")
    print(f"peak RSS before training (caches written and opened) {before:.0f} MB")
    print(f"peak RSS after training, before the predictions {after_training:.0f} MB")
    print(
        f"at the end: anonymous {status_mb('RssAnon'):.0f} MB, file-backed "
        f"{status_mb('RssFile'):.0f} MB"
    )
    print(f"training step: {wall:.1f} s wall, {cpu:.1f} CPU s")
    print(f"predictions of every gene of every cell: {pred_wall:.1f} s wall, {pred_cpu:.1f} CPU s")
    if not args.keep:
        shutil.rmtree(args.workdir)


if __name__ == "__main__":
    main()
