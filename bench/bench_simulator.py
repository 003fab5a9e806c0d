"""Findings 1 and 3 on one simulated cohort, for calibrating the simulator's knobs.

Simulates the cohort of ``config.yaml`` (with ``--set key=value`` overrides of its
``simulate:`` section), runs the data stage, trains ``--archs`` per cell and on
``exclusive_all`` with the workflow's own job functions (deepchrome2.calibration, no
Snakemake), and prints the per-cell table with the reference AUROCs, Finding 1 and Finding 3,
and the CPU seconds of each stage. ``--out`` appends one summary row to a TSV.

    python bench/bench_simulator.py --workdir /tmp/cal --set positional=0.3 --set depth_sd=0.5
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd
import yaml

from deepchrome2.calibration import run_findings

REPO = Path(__file__).resolve().parents[1]


def summary_row(findings, overrides: dict) -> dict:
    """One row: the knobs, mean/min/max AUROC per architecture, references, findings."""
    t = findings.per_cell
    row: dict = {"knobs": json.dumps(overrides, sort_keys=True)}
    refs = [c for c in ("oracle_auroc", "chromatin_auroc", "bayes_auroc") if c in t.columns]
    archs = [c for c in t.columns if c not in ("cell", "best_arch", "best_auroc", *refs)]
    archs = [a for a in archs if not a.endswith("_gap")]
    for a in archs:
        row.update({f"{a}_mean": t[a].mean(), f"{a}_min": t[a].min(), f"{a}_max": t[a].max()})
    for r in refs:
        row[f"{r}_mean"] = t[r].mean()
    if findings.finding1:
        row["finding1_delta"] = findings.finding1["mean_delta_auroc"]
    if findings.finding3 is not None:
        for _, r in findings.finding3.iterrows():
            row[f"finding3_{r['architecture']}_delta"] = r["mean_delta_auroc"]
            row[f"finding3_{r['architecture']}_better"] = r["n_cells_a_better"]
    row.update({f"cpu_s_{k}": round(v, 1) for k, v in findings.seconds.items()})
    return row


def key_values(items: list[str]) -> dict:
    """``KEY=VALUE`` strings as a mapping, each value read as YAML."""
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        out[key] = yaml.safe_load(value)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--config", type=Path, default=REPO / "config.yaml")
    ap.add_argument("--set", action="append", default=[], help="simulate.KEY=VALUE (YAML)")
    ap.add_argument(
        "--train", action="append", default=[], help="train.KEY=VALUE (YAML), e.g. recipe=dc2"
    )
    ap.add_argument("--archs", default="linear,deepchrome")
    ap.add_argument("--crosscell", default=None, help="architectures on exclusive_all")
    ap.add_argument("--out", type=Path, help="append the summary row to this TSV")
    args = ap.parse_args()
    config = yaml.safe_load(args.config.read_text())
    overrides = key_values(args.set)
    config["simulate"].update(overrides)
    train = key_values(args.train)
    config["train"].update(train)
    archs = args.archs.split(",")
    cross = archs if args.crosscell is None else [a for a in args.crosscell.split(",") if a]
    wall = time.perf_counter()
    findings = run_findings(config, args.workdir, archs, cross)
    wall = time.perf_counter() - wall
    pd.set_option("display.width", 200)
    print(findings.per_cell.round(4).to_string(index=False))
    if findings.finding1:
        f1 = findings.finding1
        print(
            f"Finding 1: deepchrome - linear = {f1['mean_delta_auroc']:+.4f} "
            f"({f1['n_cells_a_better']}/{f1['n_cells']} cells, Wilcoxon p {f1['wilcoxon_p']:.3g})"
        )
    if findings.finding3 is not None:
        for _, r in findings.finding3.iterrows():
            print(
                f"Finding 3 ({r['architecture']}): exclusive_all - per-cell = "
                f"{r['mean_delta_auroc']:+.4f} ({r['n_cells_a_better']}/{r['n_cells']} cells)"
            )
    row = summary_row(findings, overrides | {f"train.{k}": v for k, v in train.items()})
    row["wall_s"] = round(wall, 1)
    print("CPU s per stage:", {k: round(v, 1) for k, v in findings.seconds.items()})
    print(f"wall {wall:.0f} s")
    if args.out:
        df = pd.DataFrame([row])
        new = not args.out.exists()
        df.to_csv(args.out, sep="\t", mode="a", header=new, index=False, float_format="%.4f")


if __name__ == "__main__":
    main()
