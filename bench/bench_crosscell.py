"""Cross-cell stage: measured job count and time of a finished run, extrapolated to the paper.

Reads the Snakemake benchmark files (wall ``s`` and ``cpu_time``) of the cross-cell rules, and
of rule train, from a finished run in ``--workdir``, with each training job's metrics (training
genes, epochs run). Per architecture it fits

    CPU seconds of a training job = start-up + c * (training genes x epochs run)

over the per-cell and the pooled training jobs (the same training loop), and takes the
transfer jobs' CPU per scored gene. The paper's full configuration (its 55 cells, every
experiment with its own training lists, ``--genes`` genes per cell split 1/3 each) is then
costed job by job: one pooled job per distinct training set, as the workflow plans them.

    python bench/bench_crosscell.py --workdir RUN_DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from deepchrome2.crosscell import sets as cc_sets
from deepchrome2.crosscell.experiments import NAMES, TRAINED

REPO = Path(__file__).resolve().parents[1]
RULES = (
    "crosscell_cache",
    "crosscell_sets",
    "transfer_eval",
    "crosscell_table",
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
        elif rel[:2] == ("crosscell", "pooled"):
            row.update(kind="train_crosscell", arch=rel[2], experiment=rel[3], cell="")
            row["metrics"] = workdir / "results/crosscell/pooled" / rel[2] / rel[3]
        elif rel[:2] == ("crosscell", "transfer"):
            row.update(kind="transfer_eval", arch=rel[2], experiment="", cell=rel[3])
        else:
            continue
        rows.append(row)
    df = pd.DataFrame(rows)
    for i, row in df.iterrows():
        m = row.get("metrics")
        if not isinstance(m, Path):
            continue
        if m.suffix == ".json" and m.exists():
            js = json.loads(m.read_text())
            df.loc[i, "n_train"] = js["n_train"]
            df.loc[i, "epochs"] = js["epochs"]
        elif (m / "metrics.tsv").exists():
            # a pooled job runs until its last track stops: its epochs are the history's
            met = pd.read_csv(m / "metrics.tsv", sep="\t")
            hist = pd.read_csv(m / "history.tsv", sep="\t")
            df.loc[i, "n_train"] = met["n_train"].iloc[0]
            df.loc[i, "epochs"] = hist["epoch"].max()
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


def paper_sets() -> pd.DataFrame:
    """The distinct training sets of the paper's cross-cell runs (sets: dc2, 55 cells)."""
    cells = cc_sets.load_dc2_sets()["inclusive_all"]
    plan = cc_sets.build_plan(cells, cells, list(TRAINED), sets="dc2")
    return cc_sets.training_sets(plan)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, required=True, help="a finished run of the workflow")
    ap.add_argument("--genes", type=int, default=19802)
    ap.add_argument(
        "--archs", nargs="*", default=None,
        help="architectures to cost (default: those with measured cross-cell jobs)",
    )  # fmt: skip
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
    ts = paper_sets()
    n_cells = int(ts["n_train_cells"].max())
    print(f"## the paper's configuration: {n_cells} cells, {len(NAMES)} experiments, {archs}")
    print(f"{len(ts)} pooled training jobs per architecture ({ts['uses'].sum()} uses)")
    per_cell_train = args.genes // 3
    total = 0.0
    for arch in archs:
        c0, c1, ep = cost[arch]
        jobs = c0 + c1 * ts["n_train_cells"].to_numpy() * per_cell_train * ep
        total += jobs.sum()
        print(
            f"  {arch} train_crosscell: {len(ts)} jobs, ~{jobs.sum() / 3600:.1f} CPU h "
            f"(largest {jobs.max():.0f} CPU s, median {np.median(jobs):.0f} CPU s)"
        )
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
        job = c0 + per_gene * n_cells * (args.genes - 2 * per_cell_train)
        total += job * n_cells
        print(f"  {arch} transfer_eval: ~{job:.0f} CPU s/job, {n_cells} jobs")
    print(f"total training + transfer CPU: {total / 3600:.1f} CPU hours")
    print(f"  = {total / 3600 / 2:.1f} h wall on 2 cores, {total / 3600 / 64:.2f} h on 64 cores")


if __name__ == "__main__":
    main()
