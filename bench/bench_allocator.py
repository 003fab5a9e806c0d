"""The jobs' malloc settings (``deepchrome2.allocator``) against glibc's defaults, at full scale.

Runs ``rule train`` jobs (the job's own function, ``calibration.train_one``, predictions
included) on the simulated cohort of ``bench_full_grid.py`` (its ``--workdir``; the data stage
runs there first if it is missing), each in a fresh interpreter, with glibc's malloc defaults
(``default``) and with the settings every workflow step applies (``kept``), alternating the two
so that both see the same machine. Per run it prints the process's user and system CPU
seconds, its minor page faults, its peak resident set, and a hash of the training history's
loss and AUROC columns (the same in both modes when the arithmetic is unchanged).

    python bench/bench_allocator.py --workdir WORKDIR --archs attentivechrome --repeats 1
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from bench_full_grid import cohort_config, prepare_data  # noqa: E402

# One job in a fresh interpreter: argv = config JSON, workdir, arch, cell, out, mode.
JOB = """
import json, resource, sys
from pathlib import Path
from deepchrome2 import calibration
from deepchrome2.allocator import keep_freed_memory
from deepchrome2.runner import set_threads
config, workdir, arch, cell, out, mode = sys.argv[1:]
config = json.loads(config)
set_threads(int(config["train"]["threads"]))
if mode == "kept":
    assert keep_freed_memory()
run = calibration.SimulatedRun(Path(workdir), calibration.cohort_cells(config))
calibration.train_one(run, config, arch, cell, Path(out), predictions=True)
r = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"user": r.ru_utime, "sys": r.ru_stime, "minflt": r.ru_minflt,
                  "maxrss_mb": r.ru_maxrss / 1024}))
"""


def history_hash(path: Path) -> str:
    """Hash of the history's epoch, loss and AUROC columns (not its timings)."""
    lines = [line.split("\t")[:4] for line in path.read_text().splitlines()]
    return hashlib.sha1(json.dumps(lines).encode()).hexdigest()[:10]


def run_job(config: dict, workdir: Path, arch: str, cell: str, mode: str) -> dict:
    """One job in a fresh interpreter; its resource usage and history hash."""
    out = workdir / "jobs" / "allocator" / mode / arch / cell
    cmd = [sys.executable, "-c", JOB, json.dumps(config), str(workdir), arch, cell, str(out), mode]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"bench_allocator: {arch} {cell} {mode} failed:\n{proc.stderr[-2000:]}")
    usage = json.loads(proc.stdout.strip().splitlines()[-1])
    return {**usage, "history": history_hash(out / "history.tsv")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, required=True, help="bench_full_grid's data folder")
    ap.add_argument("--config", type=Path, default=REPO / "config.yaml")
    ap.add_argument("--cells", type=int, default=4, help="simulated cells (as bench_full_grid)")
    ap.add_argument("--genes", type=int, default=20560, help="genes per cell (as bench_full_grid)")
    ap.add_argument("--archs", default="attentivechrome", help="comma-separated")
    ap.add_argument("--train-cells", type=int, default=1, help="cells per architecture")
    ap.add_argument("--repeats", type=int, default=1, help="runs per mode")
    args = ap.parse_args()
    config = cohort_config(yaml.safe_load(args.config.read_text()), args.cells, args.genes)
    run, _ = prepare_data(config, args.workdir)
    print("arch\tcell\tmode\tuser_s\tsys_s\tcpu_s\tminor_faults\tpeak_rss_mb\thistory")
    for arch in args.archs.split(","):
        for cell in run.cells[: args.train_cells]:
            for _ in range(args.repeats):
                for mode in ("default", "kept"):
                    u = run_job(config, args.workdir, arch, cell, mode)
                    print(
                        f"{arch}\t{cell}\t{mode}\t{u['user']:.1f}\t{u['sys']:.1f}\t"
                        f"{u['user'] + u['sys']:.1f}\t{u['minflt']}\t{u['maxrss_mb']:.0f}\t"
                        f"{u['history']}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
