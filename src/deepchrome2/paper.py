"""DeepChrome 2.0's published test AUROC, to set beside ours.

The reference table ``resources/deepchrome2_paper/dc2_test_auroc.tsv`` (columns ``setting``,
``model_cell``, ``test_cell``, ``test_auroc``; provenance in ``resources/README.md``) holds the
test AUROC of every DeepChrome 2.0 setting on the real Roadmap cells. Its per-cell settings are
named after the paper's code, not ours; :data:`SETTING_OF_ARCH` maps our architecture names to
them (the paper's ``deepchrome`` is our ``deepchrome_avgpool``, its ``deepchrome_maxpool`` our
``deepchrome``). The cross-cell settings carry the experiment names (``inclusive_all``, ...,
``test_on_rest``), where ``model_cell`` is the cell whose experiment it is and ``test_cell`` the
cell scored (they differ only for ``test_on_rest``).

A file named like the shipped one is checked against its recorded SHA-256 when loaded, so an
edited copy is an error.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from deepchrome2.errors import InputError

PathLike = str | os.PathLike[str]

REFERENCE = Path(__file__).resolve().parents[2] / "resources/deepchrome2_paper/dc2_test_auroc.tsv"
REFERENCE_SHA256 = "14017fe19d649365c1f709baf2042df53c1a591a4bd6181234c9533c0cd8f877"
COLUMNS = ("setting", "model_cell", "test_cell", "test_auroc")

# Our architecture (with its default hyperparameters) -> the DeepChrome 2.0 per-cell setting.
SETTING_OF_ARCH: dict[str, str] = {
    "deepchrome_avgpool": "deepchrome",
    "deepchrome": "deepchrome_maxpool",
    "deepchrome_strided": "deepchrome_strided",
    "mlp": "deepchrome_FC",
    "linear": "linear_mean",
    "linear_max": "linear_max",
    "linear_median": "linear_median",
    "linear_sum": "linear_sum",
    "linear_min": "linear_min",
}
# The network of every DeepChrome 2.0 cross-cell number (its DeepChromeModel, AvgPool1d(5); the
# test_on_rest pairs are its per-cell models of that network): only this architecture's
# cross-cell rows are set beside the paper's.
CROSSCELL_ARCH = "deepchrome_avgpool"
CROSSCELL_SETTINGS = (
    "inclusive_all",
    "exclusive_all",
    "inclusive_high",
    "exclusive_high",
    "inclusive_somewhat",
    "exclusive_somewhat",
    "inclusive_random",
    "exclusive_random",
    "test_on_rest",
)


def setting_of(arch: str) -> str | None:
    """The DeepChrome 2.0 per-cell setting of our architecture ``arch``, or None."""
    return SETTING_OF_ARCH.get(arch)


@lru_cache(maxsize=4)
def _load(path: str, sha256: str | None) -> pd.DataFrame:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError as err:
        raise InputError(path, "DeepChrome 2.0 reference table not found") from err
    if sha256 is not None and hashlib.sha256(raw).hexdigest() != sha256:
        raise InputError(path, f"sha256 differs from the recorded {sha256}; file was modified")
    df = pd.read_csv(path, sep="\t", dtype={"setting": str, "model_cell": str, "test_cell": str})
    if tuple(df.columns) != COLUMNS:
        raise InputError(path, f"columns must be {', '.join(COLUMNS)}")
    if df.duplicated(["setting", "model_cell", "test_cell"]).any():
        raise InputError(path, "duplicate (setting, model_cell, test_cell) rows")
    return df


def _table(path: PathLike) -> pd.DataFrame:
    """The cached table; the shipped file (by name) is checked against its recorded checksum."""
    shipped = Path(path).name == REFERENCE.name
    return _load(str(Path(path).resolve()), REFERENCE_SHA256 if shipped else None)


def load_reference(path: PathLike = REFERENCE) -> pd.DataFrame:
    """The reference table (a copy). The shipped file must match its recorded SHA-256."""
    return _table(path).copy()


def paper_auroc(
    setting: str, model_cell: str, test_cell: str | None = None, path: PathLike = REFERENCE
) -> float:
    """DeepChrome 2.0's test AUROC of ``setting`` for (model_cell, test_cell); NaN if absent.

    ``test_cell`` defaults to ``model_cell`` (per-cell settings and cross-cell experiments
    score the cell itself; only ``test_on_rest`` scores other cells). An unknown setting is a
    ValueError listing the valid ones.
    """
    df = _table(path)
    settings = sorted(df["setting"].unique())
    if setting not in settings:
        raise ValueError(
            f"unknown DeepChrome 2.0 setting {setting!r}; valid: {', '.join(settings)}"
        )
    hit = df.loc[
        (df["setting"] == setting)
        & (df["model_cell"] == model_cell)
        & (df["test_cell"] == (model_cell if test_cell is None else test_cell)),
        "test_auroc",
    ]
    return float(hit.iloc[0]) if len(hit) else math.nan


def per_cell_reference(
    archs: Iterable[str], cells: Iterable[str] | None = None, path: PathLike = REFERENCE
) -> pd.DataFrame:
    """Long table ``arch, setting, cell, paper_auroc`` of the paper's per-cell runs.

    Only architectures with a DeepChrome 2.0 setting appear; ``cells`` restricts the rows.
    """
    df = _table(path)
    own = df[df["model_cell"] == df["test_cell"]]
    rows = []
    for arch in archs:
        setting = setting_of(arch)
        if setting is None:
            continue
        sub = own[own["setting"] == setting]
        rows.append(
            pd.DataFrame(
                {
                    "arch": arch,
                    "setting": setting,
                    "cell": sub["model_cell"].to_numpy(),
                    "paper_auroc": sub["test_auroc"].to_numpy(),
                }
            )
        )
    cols = ["arch", "setting", "cell", "paper_auroc"]
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)
    if cells is not None:
        out = out[out["cell"].isin(list(cells))].reset_index(drop=True)
    return out


def with_paper_columns(wide: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """``wide`` (a ``cell`` column, one AUROC column per architecture) with ``{arch}_paper``
    after each architecture column whose cells the paper shares (NaN for the others)."""
    out = wide.copy()
    for arch in [c for c in wide.columns if c != "cell"]:
        ref = reference[reference["arch"] == arch].set_index("cell")["paper_auroc"]
        if ref.empty or not out["cell"].isin(ref.index).any():
            continue
        out.insert(out.columns.get_loc(arch) + 1, f"{arch}_paper", out["cell"].map(ref))
    return out


COMPARISON_COLUMNS = (
    "architecture",
    "paper_setting",
    "n_cells_ours",
    "n_cells_paper",
    "n_shared",
    "mean_auroc_ours",
    "mean_auroc_paper",
    "mean_auroc_ours_shared",
    "mean_auroc_paper_shared",
    "mean_diff",
    "sd_diff",
    "wilcoxon_p",
)


def comparison(
    ours: pd.DataFrame, reference: pd.DataFrame, order: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per architecture: our mean, the paper's mean and the paired difference on shared cells.

    ``ours`` has columns ``arch, cell, auroc``; ``reference`` is :func:`per_cell_reference`
    over all of the paper's cells. Means are over each side's own cells; ``mean_diff`` (ours
    minus paper), its SD and the Wilcoxon signed-rank p-value are over the shared cells
    (NaN where fewer than two are shared).
    """
    rows = []
    archs = list(dict.fromkeys(ours["arch"])) if order is None else list(order)
    for arch in archs:
        setting = setting_of(arch)
        mine = ours[ours["arch"] == arch].set_index("cell")["auroc"]
        if setting is None or mine.empty:
            continue
        ref = reference[reference["arch"] == arch].set_index("cell")["paper_auroc"]
        shared = mine.index.intersection(ref.index)
        d = (mine[shared] - ref[shared]).to_numpy(dtype=float)
        n = len(d)
        p = math.nan
        if n > 1 and np.any(d != 0):
            from scipy import stats  # 1.3 CPU s to import: only where a test is run

            p = float(stats.wilcoxon(d).pvalue)
        rows.append(
            {
                "architecture": arch,
                "paper_setting": setting,
                "n_cells_ours": len(mine),
                "n_cells_paper": len(ref),
                "n_shared": n,
                "mean_auroc_ours": float(mine.mean()),
                "mean_auroc_paper": float(ref.mean()) if len(ref) else math.nan,
                "mean_auroc_ours_shared": float(mine[shared].mean()) if n else math.nan,
                "mean_auroc_paper_shared": float(ref[shared].mean()) if n else math.nan,
                "mean_diff": float(d.mean()) if n else math.nan,
                "sd_diff": float(d.std(ddof=1)) if n > 1 else math.nan,
                "wilcoxon_p": p,
            }
        )
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
