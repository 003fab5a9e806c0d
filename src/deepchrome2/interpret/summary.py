"""Summaries of attention and attribution maps that need no torch: per-class quantiles, the
truth comparison, reading a map file, and the attribution table.

:mod:`deepchrome2.interpret.maps` computes the maps with the trained models; the table and figure
jobs read them with this module alone, so they do not start torch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from deepchrome2.gan.data import PathLike
from deepchrome2.gan.summary import load_truth, profile_correlation
from deepchrome2.io import read_npz, write_tsv

QUANTILES = (0.25, 0.75)


def class_summary(values: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Per class (leading axis 2): mean and the QUANTILES over genes of ``values``."""
    out = {"mean": np.stack([values[y == c].mean(axis=0) for c in (0, 1)])}
    for q in QUANTILES:
        out[f"q{round(q * 100)}"] = np.stack(
            [np.quantile(values[y == c], q, axis=0) for c in (0, 1)]
        )
    return out


def truth_regions(truth: np.ndarray) -> np.ndarray:
    """(marks, bins) True where the truth's class difference is at least half its maximum."""
    diff = np.abs(truth[1] - truth[0])
    return diff >= 0.5 * diff.max(axis=1, keepdims=True)


def truth_table(maps: np.ndarray, truth: np.ndarray, marks: Sequence[str]) -> pd.DataFrame:
    """Per mark: r between the map's and the truth's class difference (class 1 - class 0)."""
    r = profile_correlation(maps[1] - maps[0], truth[1] - truth[0])
    return pd.DataFrame({"mark": list(marks), "r_truth": r})


def load_npz(path: PathLike) -> dict[str, np.ndarray]:
    """Read an attention or attribution ``.npz``."""
    return read_npz(path, "map file")


def attribution_table(
    maps: Sequence[PathLike], cells: Sequence[str], truth: PathLike | None, output: PathLike
) -> pd.DataFrame:
    """One row per (architecture, cell, mark): r of the map's class difference with the
    truth's (NaN columns without truth), plus the share of |attribution| on each mark."""
    rows = []
    for path, cell in zip(maps, cells, strict=True):
        d = load_npz(path)
        marks = [str(m) for m in d["marks"]]
        share = np.abs(d["maps"]).sum(axis=(0, 2))
        df = pd.DataFrame({"arch": str(d["arch"]), "cell": cell, "mark": marks,
                           "attribution_share": share / share.sum()})  # fmt: skip
        if truth is not None:
            df["r_truth"] = truth_table(d["maps"], load_truth(truth, cell, marks), marks)["r_truth"]
        rows.append(df)
    out = pd.concat(rows, ignore_index=True)
    write_tsv(output, out, float_format="%.4g")
    return out
