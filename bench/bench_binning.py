"""Time TSS-window binning against deepTools ``computeMatrix reference-point``.

Simulates a one-cell cohort (``--genes`` protein-coding genes, 5 marks, all 23 hg19
chromosomes at ``--genome-scale``) into a scratch directory, then on the same bigWigs and genes:

- (a) ``deepchrome2.data.binning.bin_cell``: wall and process CPU time, best of ``--repeats``;
- (b) ``computeMatrix reference-point --referencePoint TSS -b 5000 -a 5000 --binSize 100
  --missingDataAsZero -p 2`` on a BED6 of the TSSs: wall and CPU time of the subprocess and its
  children (``getrusage``), best of ``--deeptools-repeats``;

checks that the two matrices agree to 1e-4 (max abs difference, rows matched by gene ID, marks
in the same order) and prints the seconds, the ratios and the simulation time.

    python bench/bench_binning.py --scratch /tmp/deepchrome2-bench-binning
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyBigWig

from deepchrome2.data import annotation, binning, simulate

UPSTREAM = DOWNSTREAM = 5000
BIN_SIZE = 100
TOLERANCE = 1e-4
CELL = "E003"


def simulate_cohort(
    scratch: Path, n_genes: int, genome_scale: float, seed: int
) -> tuple[dict[str, str], float, float]:
    """Write the annotation and one cell's bigWigs; return paths, wall and CPU seconds."""
    params = simulate.SimulationParams(
        seed=seed,
        # ~3.5 % of simulated genes are non-coding or sit at a chromosome end: simulate a few
        # more so that at least ``n_genes`` protein-coding windows remain.
        n_genes=int(n_genes * 1.04) + 10,
        genome_scale=genome_scale,
        chromosomes=list(simulate.HG19_SIZES),
        tissue_groups={"ESC": [CELL]},
        upstream=UPSTREAM,
        downstream=DOWNSTREAM,
        bin_size=BIN_SIZE,
    )
    paths = {m: str(scratch / "bigwig" / f"{CELL}-{m}.fc.signal.bigwig") for m in simulate.MARKS}
    wall, cpu = time.perf_counter(), time.process_time()
    simulate.simulate_annotation(params, scratch)
    simulate.simulate_bigwigs(params, CELL, paths)
    return paths, time.perf_counter() - wall, time.process_time() - cpu


def gene_windows(scratch: Path, bigwigs: dict[str, str], n_genes: int, seed: int) -> pd.DataFrame:
    """``n_genes`` protein-coding TSS windows (a seeded sample, in chromosome/TSS order)."""
    genes = annotation.read_genes(scratch / "gencode.annotation.gtf", ["protein_coding"])
    sizes = annotation.bigwig_chrom_sizes(list(bigwigs.values()))
    win = annotation.tss_windows(genes, sizes, UPSTREAM, DOWNSTREAM)
    if len(win) < n_genes:
        sys.exit(f"only {len(win)} protein-coding windows were simulated, fewer than {n_genes}")
    keep = np.sort(np.random.default_rng(seed).choice(len(win), n_genes, replace=False))
    return win.iloc[keep].reset_index(drop=True)


def write_bed(win: pd.DataFrame, path: Path) -> None:
    """BED6 whose reference point (start on +, end on -) is each gene's TSS."""
    plus = (win["strand"] == "+").to_numpy()
    tss = win["tss"].to_numpy()
    bed = pd.DataFrame(
        {
            "chrom": win["chrom"],
            "start": np.where(plus, tss, tss - 1),
            "end": np.where(plus, tss + 1, tss),
            "name": win["gene_id"],
            "score": 0,
            "strand": win["strand"],
        }
    )
    bed.to_csv(path, sep="\t", header=False, index=False)


def best_of(repeats: int, run: Callable[[], object]) -> tuple[list[float], list[float], object]:
    """Wall and process CPU seconds of each of ``repeats`` calls, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, result


def children_cpu() -> float:
    """User + system seconds of all waited-for child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_deeptools(
    bigwigs: dict[str, str], bed: Path, out: Path, processors: int, repeats: int
) -> tuple[list[float], list[float], list[str]]:
    """Wall and CPU seconds (incl. worker processes) of each computeMatrix run, and its command."""
    exe = shutil.which("computeMatrix") or str(Path(sys.executable).parent / "computeMatrix")
    cmd = [
        exe,
        "reference-point",
        "--referencePoint",
        "TSS",
        "-S",
        *bigwigs.values(),
        "--samplesLabel",
        *bigwigs,
        "-R",
        str(bed),
        "-b",
        str(UPSTREAM),
        "-a",
        str(DOWNSTREAM),
        "--binSize",
        str(BIN_SIZE),
        "--missingDataAsZero",
        "-p",
        str(processors),
        "-o",
        str(out),
    ]
    walls, cpus = [], []
    for _ in range(repeats):
        cpu, wall = children_cpu(), time.perf_counter()
        subprocess.run(cmd, check=True)
        walls.append(time.perf_counter() - wall)
        cpus.append(children_cpu() - cpu)
    return walls, cpus, cmd


def read_matrix(path: Path, genes: np.ndarray, n_marks: int) -> np.ndarray:
    """computeMatrix output as genes x marks x bins, rows in the order of ``genes``."""
    with gzip.open(path, "rt") as fh:
        header = json.loads(fh.readline()[1:])
        table = pd.read_csv(fh, sep="\t", header=None, na_values="nan")
    if header["sample_labels"] and len(header["sample_labels"]) != n_marks:
        sys.exit(f"{path}: {len(header['sample_labels'])} samples, expected {n_marks}")
    values = table.iloc[:, 6:].to_numpy(np.float64)
    by_name = pd.Series(np.arange(len(table)), index=table[3].astype(str))
    missing = np.setdiff1d(genes, by_name.index)
    if len(missing):
        sys.exit(f"{path}: {len(missing)} genes missing, e.g. {missing[0]}")
    rows = by_name.loc[genes].to_numpy()
    return values[rows].reshape(len(genes), n_marks, -1)


def covered_mb(bigwigs: dict[str, str]) -> float:
    """Bases carrying data, summed over the bigWigs (Mb)."""
    total = 0
    for path in bigwigs.values():
        bw = pyBigWig.open(path)
        total += bw.header()["nBasesCovered"]
        bw.close()
    return total / 1e6


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--scratch",
        type=Path,
        default=Path(tempfile.gettempdir()) / "deepchrome2-bench-binning",
        help="scratch directory for the simulated files (default: under the temp dir)",
    )
    p.add_argument("--genes", type=int, default=20000)
    p.add_argument("--genome-scale", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--repeats", type=int, default=3, help="runs of bin_cell (best is kept)")
    p.add_argument("--deeptools-repeats", type=int, default=2, help="runs of computeMatrix")
    p.add_argument("--processors", type=int, default=2, help="computeMatrix -p")
    p.add_argument(
        "--reuse", action="store_true", help="reuse a cohort already simulated in --scratch"
    )
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    scratch = args.scratch
    for forbidden in ("resources", "results"):
        if forbidden in scratch.resolve().parts:
            sys.exit(f"--scratch must not lie under {forbidden}/: {scratch}")
    scratch.mkdir(parents=True, exist_ok=True)

    bigwigs = {m: str(scratch / "bigwig" / f"{CELL}-{m}.fc.signal.bigwig") for m in simulate.MARKS}
    if args.reuse and all(Path(b).exists() for b in bigwigs.values()):
        print("simulation: reused the cohort in", scratch)
    else:
        bigwigs, sim_wall, sim_cpu = simulate_cohort(
            scratch, args.genes, args.genome_scale, args.seed
        )
        print(f"simulation: {sim_wall:.1f} s wall, {sim_cpu:.1f} s CPU")
    genome_mb = sum(pyBigWig.open(bigwigs[simulate.MARKS[0]]).chroms().values()) / 1e6
    track_mb = covered_mb(bigwigs)
    win = gene_windows(scratch, bigwigs, args.genes, args.seed)
    print(
        f"{len(win)} genes x {len(bigwigs)} marks; genome {genome_mb:.0f} Mb; 25 bp signal over "
        f"{track_mb / len(bigwigs):.0f} Mb per mark ({track_mb:.0f} Mb over all marks)"
    )

    walls, cpus, ours = best_of(
        args.repeats, lambda: binning.bin_cell(bigwigs, win, UPSTREAM + DOWNSTREAM, BIN_SIZE)
    )
    print("bin_cell wall s:", " ".join(f"{t:.2f}" for t in walls))
    print("bin_cell CPU s: ", " ".join(f"{t:.2f}" for t in cpus))

    bed = scratch / "tss.bed"
    write_bed(win, bed)
    matrix = scratch / "computeMatrix.gz"
    dt_walls, dt_cpus, cmd = run_deeptools(
        bigwigs, bed, matrix, args.processors, args.deeptools_repeats
    )
    print("computeMatrix wall s:", " ".join(f"{t:.2f}" for t in dt_walls))
    print("computeMatrix CPU s: ", " ".join(f"{t:.2f}" for t in dt_cpus))
    print(
        "computeMatrix command:",
        " ".join(Path(cmd[0]).name if i == 0 else c for i, c in enumerate(cmd)),
    )

    theirs = read_matrix(matrix, win["gene_id"].to_numpy(), len(bigwigs))
    diff = float(np.abs(np.asarray(ours, dtype=np.float64) - theirs).max())
    wall, cpu, dt_wall, dt_cpu = min(walls), min(cpus), min(dt_walls), min(dt_cpus)
    print(f"max abs difference: {diff:.3g} (tolerance {TOLERANCE:g})")
    print(f"best wall: ours {wall:.2f} s, deepTools {dt_wall:.2f} s, ratio {dt_wall / wall:.1f}x")
    print(f"best CPU:  ours {cpu:.2f} s, deepTools {dt_cpu:.2f} s, ratio {dt_cpu / cpu:.1f}x")
    if diff > TOLERANCE:
        sys.exit(f"matrices differ by {diff:.3g} > {TOLERANCE:g}")


if __name__ == "__main__":
    main()
