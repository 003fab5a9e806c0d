"""Cross-cell stage: measured job count and time of a finished run, extrapolated to the paper.

Reads the Snakemake benchmark files (wall ``s`` and ``cpu_time``) of the cross-cell rules, and
of rule train, from a finished run in ``--workdir``, with each training job's ``metrics.json``
(training genes, epochs). Per architecture it fits

    CPU seconds of a training job = start-up + c * (training genes x epochs run)

over the per-cell and the pooled training jobs (the same training loop), and takes the
transfer jobs' CPU per scored gene. The paper's full configuration (``--cells`` cells, every
experiment, ``--genes`` genes per cell split 1/3 each) is then costed job by job, with the job
counts from ``snakemake -n`` on a config of that many simulated cells.

    python bench/bench_crosscell.py --workdir RUN_DIR
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from deepchrome2.crosscell.sets import EXPERIMENTS, TRAINED

REPO = Path(__file__).resolve().parents[1]
RULES = (
    "crosscell_cache",
    "crosscell_sets",
    "transfer_eval",
    "cross_cell_table",
    "train_crosscell",
    "crosscell_tables",
    "finding3",
    "plot_crosscell_heatmap",
    "plot_crosscell_experiments",
    "plot_crosscell_within_vs_exclusive",
)


def bench_rows(workdir: Path) -> pd.DataFrame:
    """One row per benchmarked job: rule kind, arch, experiment, wall and CPU seconds."""
    rows = []
    for path in sorted((workdir / "benchmarks").rglob("*.tsv")):
        rel = path.relative_to(workdir / "benchmarks").with_suffix("").parts
        b = pd.read_csv(path, sep="\t").iloc[-1]
        row = {"wall_s": float(b["s"]), "cpu_s": float(b["cpu_time"])}
        if rel[0] == "train":
            row.update(kind="train", arch=rel[1], experiment="per_cell", cell=rel[2])
            row["metrics"] = workdir / f"results/models/{rel[1]}/{rel[2]}/metrics.json"
        elif rel[:2] == ("crosscell", "train"):
            row.update(kind="train_crosscell", arch=rel[2], experiment=rel[3], cell=rel[4])
            row["metrics"] = (
                workdir / "results/crosscell/models" / "/".join(rel[2:]) / ("metrics.json")
            )
        elif rel[:2] == ("crosscell", "transfer"):
            row.update(kind="transfer_eval", arch=rel[2], experiment="", cell=rel[3])
        else:
            continue
        rows.append(row)
    df = pd.DataFrame(rows)
    for i, row in df.iterrows():
        m = row.get("metrics")
        if isinstance(m, Path) and m.exists():
            js = json.loads(m.read_text())
            df.loc[i, "n_train"] = js["n_train"]
            df.loc[i, "epochs"] = js["epochs"]
    return df


def fit_training_cost(df: pd.DataFrame) -> dict[str, tuple[float, float, float]]:
    """Per arch: (start-up CPU s, CPU s per training gene-epoch, mean epochs of pooled jobs)."""
    out = {}
    for arch, g in df[df["kind"].isin(["train", "train_crosscell"])].groupby("arch"):
        g = g.dropna(subset=["n_train", "epochs"])
        x = (g["n_train"] * g["epochs"]).to_numpy()
        A = np.vstack([np.ones_like(x), x]).T
        (c0, c1), *_ = np.linalg.lstsq(A, g["cpu_s"].to_numpy(), rcond=None)
        pooled = g[g["kind"] == "train_crosscell"]
        epochs = pooled["epochs"].mean() if len(pooled) else g["epochs"].mean()
        out[arch] = (max(float(c0), 0.0), max(float(c1), 0.0), float(epochs))
    return out


def dry_run_counts(n_cells: int, archs: list[str], workdir: Path) -> dict[str, int]:
    """Job counts of the cross-cell rules for ``n_cells`` simulated cells, all experiments."""
    cfg = yaml.safe_load((REPO / "config.yaml").read_text())
    ids = [f"E{i:03d}" for i in range(1, n_cells + 1)]
    groups = {f"G{j}": ids[j::7] for j in range(7)}
    cfg["simulate"]["tissue_groups"] = groups
    cfg["train"]["architectures"] = archs
    cfg["crosscell"].update(architectures=archs, experiments=list(EXPERIMENTS), targets="all")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    targets = [f"results/tables/cross_cell_{a}.tsv" for a in archs]
    targets += ["results/tables/crosscell_experiments.tsv", "results/tables/finding3_crosscell.tsv"]
    cmd = [str(Path(sys.executable).parent / "snakemake"), "-n", *targets]
    cmd += ["--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir)]
    cmd += ["--configfile", str(workdir / "config.yaml")]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    counts = {}
    for line in res.stdout.splitlines():
        m = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if m:
            counts[m.group(1)] = int(m.group(2))
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, required=True, help="a finished run of the workflow")
    ap.add_argument("--cells", type=int, default=56)
    ap.add_argument("--genes", type=int, default=19802)
    ap.add_argument(
        "--archs", nargs="*", default=None,
        help="architectures to cost (default: those with measured cross-cell jobs)",
    )  # fmt: skip
    ap.add_argument("--dry-dir", type=Path, default=Path("/tmp/deepchrome2-bench-crosscell"))
    args = ap.parse_args()

    df = bench_rows(args.workdir)
    cc = df[df["kind"].isin(["train_crosscell", "transfer_eval"])]
    print("## measured run")
    for kind, g in cc.groupby("kind"):
        print(
            f"{kind}: {len(g)} jobs, wall {g['wall_s'].sum():.0f} s, CPU {g['cpu_s'].sum():.0f}"
            f" s, mean CPU/job {g['cpu_s'].mean():.1f} s"
        )
    print(cc.groupby(["kind", "arch", "experiment"])[["cpu_s", "wall_s"]].mean().round(1))
    cost = fit_training_cost(df)
    for arch, (c0, c1, ep) in cost.items():
        print(
            f"{arch}: start-up {c0:.1f} CPU s, {c1 * 1e6:.1f} CPU us per gene-epoch, "
            f"pooled jobs run {ep:.1f} epochs on average"
        )

    # Only architectures whose transfer jobs were measured can be costed in full.
    measured = sorted(cc.loc[cc["kind"] == "transfer_eval", "arch"].unique())
    archs = args.archs or measured
    missing = sorted(set(archs) - set(measured))
    if missing:
        sys.exit(f"bench_crosscell: no measured transfer_eval jobs for {missing} in {args.workdir}")
    counts = dry_run_counts(args.cells, archs, args.dry_dir)
    print(f"## full configuration: {args.cells} cells, {len(EXPERIMENTS)} experiments, {archs}")
    print({k: v for k, v in counts.items() if k in RULES or k == "total"})
    per_cell_train = args.genes // 3
    total = 0.0
    for arch in archs:
        c0, c1, ep = cost[arch]
        for exp in TRAINED:
            if exp.endswith("_all"):
                pooled = args.cells - (exp == "exclusive_all")
            else:
                pooled = 2 + exp.startswith("inclusive")  # k = 2
            n_train = pooled * per_cell_train
            job = c0 + c1 * n_train * ep
            total += job * args.cells
            print(f"  {arch} {exp}: {pooled} cells, {n_train} genes, ~{job:.0f} CPU s/job")
        t = cc[(cc["kind"] == "transfer_eval") & (cc["arch"] == arch)]
        scored = np.mean(
            [
                pd.read_csv(args.workdir / f"results/crosscell/transfer/{arch}/{c}.tsv", sep="\t")[
                    "n_test"
                ].sum()
                for c in t["cell"]
            ]
        )
        per_gene = max(t["cpu_s"].mean() - c0, 0.0) / scored
        job = c0 + per_gene * args.cells * (args.genes - 2 * per_cell_train)
        total += job * args.cells
        print(f"  {arch} transfer_eval: ~{job:.0f} CPU s/job, {args.cells} jobs")
    print(f"total training + transfer CPU: {total / 3600:.1f} CPU hours")
    print(f"  = {total / 3600 / 2:.1f} h wall on 2 cores, {total / 3600 / 64:.2f} h on 64 cores")


if __name__ == "__main__":
    main()
