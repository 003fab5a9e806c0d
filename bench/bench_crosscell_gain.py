"""Where a cross-cell gain comes from: DeepChrome 2.0's table beside a finished run's.

The gain of a pooled setting is its AUROC minus the per-cell CNN's on the same target cell.
It splits exactly into two parts, per cell:

- the per-cell CNN's shortfall against the per-cell ``linear_max`` (12 parameters), and
- the pooled CNN over ``linear_max``.

For each setting this prints the mean and median of the gain and of both parts, how many cells
the pooled CNN beats ``linear_max`` on, and the correlation over cells of the gain with the
shortfall. It reads the paper's table (resources/deepchrome2_paper, its per-cell
``deepchrome`` is our ``deepchrome_avgpool``) and, with ``--results``, a finished run's
``per_cell_auroc.tsv`` and ``crosscell_experiments.tsv`` (``--arch``: the pooled
architecture, ``deepchrome`` in the demo). No training; a second or two.

    python bench/bench_crosscell_gain.py --results RUN/results
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from deepchrome2 import paper

SETTINGS = [
    "exclusive_high",
    "inclusive_high",
    "exclusive_random",
    "inclusive_random",
    "exclusive_somewhat",
    "inclusive_somewhat",
    "exclusive_all",
    "inclusive_all",
]


def decompose(pooled: pd.DataFrame, per_cell: pd.Series, linear: pd.Series) -> pd.DataFrame:
    """Per setting (``pooled``: columns setting, cell, auroc): the gain over ``per_cell`` and
    its two parts against ``linear`` (both indexed by cell), over the cells all three have."""
    rows = []
    for setting in [s for s in SETTINGS if s in set(pooled["setting"])]:
        auroc = pooled[pooled["setting"] == setting].set_index("cell")["auroc"].dropna()
        cells = auroc.index.intersection(per_cell.dropna().index).intersection(
            linear.dropna().index
        )
        if cells.empty:
            continue
        gain = auroc[cells] - per_cell[cells]
        shortfall = linear[cells] - per_cell[cells]
        over = auroc[cells] - linear[cells]
        r = np.corrcoef(gain, shortfall)[0, 1] if len(cells) > 2 else np.nan
        rows.append(
            {
                "setting": setting,
                "n_cells": len(cells),
                "gain_mean": gain.mean(),
                "gain_median": gain.median(),
                "shortfall_mean": shortfall.mean(),
                "shortfall_median": shortfall.median(),
                "shortfall_over_0.05": int((shortfall > 0.05).sum()),
                "over_linear_mean": over.mean(),
                "over_linear_median": over.median(),
                "over_linear_better": int((over > 0).sum()),
                "r_gain_shortfall": r,
            }
        )
    return pd.DataFrame(rows)


def paper_tables() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The paper's pooled settings, per-cell ``deepchrome`` and per-cell ``linear_max``."""
    ref = paper.load_reference()
    ref = ref[ref["setting"] != "test_on_rest"]
    wide = ref.pivot_table(index="test_cell", columns="setting", values="test_auroc")
    pooled = ref[ref["setting"].isin(SETTINGS)].rename(columns={"test_cell": "cell"})
    return (
        pooled[["setting", "cell", "test_auroc"]].rename(columns={"test_auroc": "auroc"}),
        wide["deepchrome"],
        wide["linear_max"],
    )


def run_tables(results: Path, arch: str) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """A run's pooled settings of ``arch``, its per-cell ``arch`` and per-cell ``linear_max``."""
    tables = results / "tables"
    per_cell = pd.read_csv(tables / "per_cell_auroc.tsv", sep="\t", dtype={"cell": str})
    per_cell = per_cell.set_index("cell")
    if "linear_max" not in per_cell.columns:
        raise SystemExit(f"{tables / 'per_cell_auroc.tsv'}: no linear_max column")
    exp = pd.read_csv(tables / "crosscell_experiments.tsv", sep="\t", dtype={"target_cell": str})
    exp = exp[(exp["arch"] == arch) & exp["experiment"].isin(SETTINGS)]
    pooled = exp.rename(columns={"experiment": "setting", "target_cell": "cell"})
    return pooled[["setting", "cell", "auroc"]], per_cell[arch], per_cell["linear_max"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", type=Path, help="a finished run's results/ directory")
    ap.add_argument("--arch", default="deepchrome", help="the run's pooled architecture")
    ap.add_argument("--out", type=Path, help="write both tables to this TSV")
    args = ap.parse_args()
    parts = {"DeepChrome 2.0": decompose(*paper_tables())}
    if args.results:
        parts[f"run ({args.arch})"] = decompose(*run_tables(args.results, args.arch))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        for name, table in parts.items():
            print(f"\n{name}\n{table.round(3).to_string(index=False)}")
    if args.out:
        both = pd.concat([t.assign(source=n) for n, t in parts.items()], ignore_index=True)
        both.to_csv(args.out, sep="\t", index=False, float_format="%.4f")


if __name__ == "__main__":
    main()
