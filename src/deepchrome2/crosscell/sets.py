"""Training sets of the DeepChrome 2.0 cross-cell experiments, and the plan of pooled jobs.

Two ways to choose the cells pooled for a target cell X (``crosscell.sets``):

- ``dc2``: the paper's exact lists (``resources/deepchrome2_paper/dc2_experiment_sets.json``,
  provenance in ``resources/README.md``). Usable whenever the cohort holds the listed cells.
- ``correlation``: for any cohort, from the Pearson correlation of the cells' expression over
  the shared split's TRAINING genes only (log RPKM; the 0/1 labels where a source has no
  RPKM, e.g. the DeepChrome archive): high = other cells with r >= ``t_high``, somewhat =
  r >= ``t_somewhat`` (a superset of high), random = ``k_random`` cells in all (seeded); each
  rule is a selector module of :mod:`deepchrome2.crosscell.selectors`.

The experiments themselves are defined in :mod:`deepchrome2.crosscell.experiments`.

A training set is named by a stable ID of its sorted cell list (:func:`set_id`). The plan maps
each (experiment, target) to that ID, so a set shared by several experiments or targets is
trained once. Each use also names the validation genes its early stopping watches (its
*track*): the target cell X, or ``pooled`` (the validation genes of the set's own cells:
``early_stop_on: training``, and ``inclusive_all``, which the paper early-stopped on the
validation genes of all cells).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from deepchrome2.crosscell import experiments as registry
from deepchrome2.crosscell.selectors import Choice
from deepchrome2.errors import InputError
from deepchrome2.io import load_labels, load_split, write_tsv
from deepchrome2.messages import first_few

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

DC2_SETS = (
    Path(__file__).resolve().parents[3] / "resources/deepchrome2_paper/dc2_experiment_sets.json"
)
SET_SOURCES = ("dc2", "correlation")
EARLY_STOP = ("target", "training")
POOLED = "pooled"  # track: the validation genes of the training set's own cells
SEP = ","
PLAN_COLUMNS = [
    "target_cell",
    "experiment",
    "includes_target",
    "n_train_cells",
    "train_cells",
    "train_set",
    "track",
    "evaluated_on",
    "mean_correlation",
]


def set_id(cells: Sequence[str]) -> str:
    """Stable short name of a training set: its size and a hash of its sorted cells."""
    key = SEP.join(sorted(cells))
    return f"{len(cells)}c-{hashlib.sha1(key.encode()).hexdigest()[:10]}"


# ---------------------------------------------------------------- expression correlation


def expression_matrix(
    labels: Mapping[str, PathLike], split: PathLike, subset: str = "train"
) -> tuple[pd.DataFrame, str]:
    """Expression of the split's ``subset`` genes x cells, and which column it is.

    log RPKM where every cell has it; where a cell has none (the DeepChrome archive), the 0/1
    labels of every cell, so that all cells are compared on the same footing.
    """
    sp = load_split(split)
    keep = set(sp.loc[sp["split"] == subset, "gene_id"])
    tables = {cell: load_labels(path) for cell, path in labels.items()}
    column = "log_rpkm"
    if any(t["log_rpkm"].isna().all() for t in tables.values()):
        column = "label"
        log.info("a cell has no log_rpkm: correlating the cells' 0/1 labels instead")
    cols = {}
    for cell, df in tables.items():
        s = df.loc[df["gene_id"].isin(keep)].set_index("gene_id")[column]
        if s.index.duplicated().any():
            raise InputError(labels[cell], "a gene is listed twice")
        if s.isna().any():
            raise InputError(labels[cell], f"column {column} has missing values")
        cols[cell] = s
    expr = pd.DataFrame(cols).dropna()
    if len(expr) < 3:
        raise InputError(split, f"only {len(expr)} '{subset}' genes shared by all cells")
    return expr, column


def correlation_matrix(expr: pd.DataFrame) -> pd.DataFrame:
    """Pearson correlation of the cells' expression (cells x cells)."""
    corr = np.atleast_2d(np.corrcoef(expr.to_numpy(dtype=np.float64), rowvar=False))
    return pd.DataFrame(corr, index=expr.columns, columns=expr.columns)


def ranking(corr: pd.DataFrame, target: str) -> list[str]:
    """The other cells, most correlated with ``target`` first (ties broken by cell ID)."""
    others = [c for c in corr.columns if c != target]
    return sorted(others, key=lambda c: (-float(corr.loc[target, c]), c))


def check_thresholds(t_high: float, t_somewhat: float) -> None:
    """Both in [-1, 1] and t_somewhat <= t_high (the somewhat set contains the high set)."""
    for key, t in (("t_high", t_high), ("t_somewhat", t_somewhat)):
        if not -1.0 <= float(t) <= 1.0:
            raise ValueError(
                f"config crosscell.{key}: {t} is out of range; a correlation is in [-1, 1]"
            )
    if t_somewhat > t_high:
        raise ValueError(
            f"config crosscell.t_somewhat: {t_somewhat} > t_high {t_high}; the somewhat set "
            "must contain the high set (t_somewhat <= t_high)"
        )


def correlation_cells(
    experiment: str,
    target: str,
    cohort: Sequence[str],
    corr: pd.DataFrame | None,
    t_high: float,
    t_somewhat: float,
    k_random: int,
    seed: int,
) -> list[str]:
    """Training cells of ``experiment`` for ``target`` chosen in the cohort by the experiment's
    selector (sorted)."""
    exp = registry.get(experiment)
    choice = Choice(
        experiment=experiment,
        target=target,
        others=[c for c in cohort if c != target],
        includes_target=exp.includes_target,
        corr=corr,
        t_high=t_high,
        t_somewhat=t_somewhat,
        k_random=k_random,
        seed=seed,
    )
    chosen = exp.chooser.select(choice)
    return sorted([target, *chosen] if exp.includes_target else chosen)


# ---------------------------------------------------------------- the paper's lists


@lru_cache(maxsize=2)
def load_dc2_sets(path: str = str(DC2_SETS)) -> dict[str, list[str]]:
    """The paper's training lists: ``{run name: training cells}`` (``inclusive_all`` and
    ``{experiment}_{cell}``)."""
    try:
        raw = json.loads(Path(path).read_text())
    except FileNotFoundError as err:
        raise InputError(path, "DeepChrome 2.0 sets file not found") from err
    except ValueError as err:
        raise InputError(path, f"not valid JSON: {err}") from err
    out = {}
    for key, entry in raw.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("train"), list):
            raise InputError(path, f"entry {key!r} has no 'train' list")
        out[key] = [str(c) for c in entry["train"]]
    if "inclusive_all" not in out:
        raise InputError(path, "no 'inclusive_all' entry")
    return out


def dc2_cells(experiment: str, target: str, cohort: Sequence[str], path: PathLike = DC2_SETS):
    """Training cells of the paper's run ``experiment`` for ``target`` (sorted).

    A target the paper has no run for, or a listed cell missing from the cohort, is a
    ValueError naming it.
    """
    exp = registry.get(experiment)
    if not exp.trained:
        return [target]
    lists = load_dc2_sets(str(path))
    if exp.shared:
        cells = lists.get(experiment, [])
        if target not in cells:
            raise ValueError(
                f"config crosscell.sets dc2: target {target} is not among the paper's "
                f"{experiment} cells ({path})"
            )
    else:
        key = f"{experiment}_{target}"
        if key not in lists:
            raise ValueError(
                f"config crosscell.sets dc2: the paper has no {experiment} run for target "
                f"{target} ({path}); choose targets among its cells or sets: correlation"
            )
        cells = lists[key]
    missing = [c for c in cells if c not in cohort]
    if missing:
        shown = first_few(missing, 5)
        raise ValueError(
            f"config crosscell.sets dc2: {experiment} of {target} trains on {len(missing)} "
            f"cell(s) not in the cohort ({shown}); add them or use sets: correlation"
        )
    return sorted(cells)


# ---------------------------------------------------------------- the plan


def track_of(experiment: str, target: str, early_stop_on: str) -> str:
    """Whose validation genes a use of a training set early-stops on."""
    if early_stop_on == "training" or registry.get(experiment).shared:
        return POOLED
    return target


def build_plan(
    cohort: Sequence[str],
    targets: Sequence[str],
    experiments: Sequence[str],
    sets: str = "correlation",
    corr: pd.DataFrame | None = None,
    t_high: float = 0.8,
    t_somewhat: float = 0.6,
    k_random: int = 8,
    seed: int = 0,
    early_stop_on: str = "target",
    dc2_path: PathLike = DC2_SETS,
) -> pd.DataFrame:
    """One row per (target, experiment): training cells, training-set ID and track.

    An empty training set gets an empty ``train_set`` (its result is an NA row).
    """
    registry.check_names(list(experiments))
    if sets not in SET_SOURCES:
        raise ValueError(f"config crosscell.sets: {sets!r}; valid: {', '.join(SET_SOURCES)}")
    if early_stop_on not in EARLY_STOP:
        raise ValueError(
            f"config crosscell.early_stop_on: {early_stop_on!r}; valid: {', '.join(EARLY_STOP)}"
        )
    if sets == "dc2" and early_stop_on != "target":
        raise ValueError("config crosscell.early_stop_on: sets dc2 implies early_stop_on target")
    check_thresholds(t_high, t_somewhat)
    if k_random < 1:
        raise ValueError(f"config crosscell.k_random: {k_random}; must be at least 1")
    rows = []
    for target in targets:
        if target not in cohort:
            raise ValueError(f"target cell {target} is not in the cohort {list(cohort)}")
        for name in experiments:
            if sets == "dc2":
                cells = dc2_cells(name, target, cohort, dc2_path)
            else:
                cells = correlation_cells(
                    name, target, cohort, corr, t_high, t_somewhat, k_random, seed
                )
            others = [c for c in cells if c != target]
            trained = registry.get(name).trained
            rows.append(
                {
                    "target_cell": target,
                    "experiment": name,
                    "includes_target": target in cells,
                    "n_train_cells": len(cells),
                    "train_cells": SEP.join(cells),
                    "train_set": set_id(cells) if cells and trained else "",
                    "track": track_of(name, target, early_stop_on) if trained else "",
                    "evaluated_on": "other cells" if not trained else target,
                    "mean_correlation": (
                        float(corr.loc[target, others].mean())
                        if corr is not None and others
                        else np.nan
                    ),
                }
            )
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)


def empty_sets(plan: pd.DataFrame) -> pd.DataFrame:
    """The rows of trained experiments whose training set is empty."""
    trained = plan["experiment"].map(lambda e: registry.get(e).trained)
    return plan[trained & (plan["n_train_cells"] == 0)]


def empty_notice(plan: pd.DataFrame) -> str | None:
    """One line naming the (experiment, target) pairs skipped for an empty training set."""
    empty = empty_sets(plan)
    if empty.empty:
        return None
    pairs = ", ".join(f"{r.experiment}/{r.target_cell}" for r in empty.itertuples())
    return (
        f"cross-cell: {len(empty)} empty training sets are skipped (NA rows in the tables): {pairs}"
    )


def training_sets(plan: pd.DataFrame) -> pd.DataFrame:
    """The distinct training sets of a plan: ``train_set``, ``train_cells``, ``tracks``."""
    used = plan[plan["train_set"].fillna("") != ""]
    out = (
        used.groupby("train_set", sort=True)
        .agg(
            train_cells=("train_cells", "first"),
            n_train_cells=("n_train_cells", "first"),
            tracks=("track", lambda t: SEP.join(sorted(set(t)))),
            uses=("experiment", "size"),
        )
        .reset_index()
    )
    return out


def crosscell_sets(
    labels: Mapping[str, PathLike],
    split: PathLike,
    sets_out: PathLike,
    corr_out: PathLike,
    cohort: Sequence[str],
    targets: Sequence[str],
    experiments: Sequence[str],
    **options,
) -> pd.DataFrame:
    """Write the plan (``sets.tsv``) and the expression-correlation matrix; return the plan."""
    expr, column = expression_matrix(labels, split)
    corr = correlation_matrix(expr)
    plan = build_plan(cohort, targets, experiments, corr=corr, **options)
    notice = empty_notice(plan)
    if notice:
        log.warning(notice)
    log.info(
        "%d uses of %d distinct training sets (correlation of %s over %d training genes)",
        int((plan["train_set"] != "").sum()),
        plan.loc[plan["train_set"] != "", "train_set"].nunique(),
        column,
        len(expr),
    )
    write_tsv(corr_out, corr.rename_axis("cell").reset_index(), float_format="%.6f")
    write_tsv(sets_out, plan, float_format="%.6f")
    return plan


def read_plan(path: PathLike) -> pd.DataFrame:
    """Read ``sets.tsv`` (cell lists stay comma-joined strings, empty ones as "")."""
    try:
        df = pd.read_csv(
            path,
            sep="\t",
            dtype={"target_cell": str, "train_cells": str, "train_set": str, "track": str},
            keep_default_na=False,
            na_values={"mean_correlation": ["", "nan", "NaN"]},
        )
    except FileNotFoundError as err:
        raise InputError(path, "sets table not found") from err
    missing = set(PLAN_COLUMNS) - set(df.columns)
    if missing:
        raise InputError(path, f"sets table lacks columns {sorted(missing)}")
    return df


def uses_of(plan: pd.DataFrame, train_set: str, path: PathLike = "sets") -> pd.DataFrame:
    """The plan rows that train on ``train_set``."""
    rows = plan[plan["train_set"] == train_set]
    if rows.empty:
        raise InputError(path, f"no experiment uses training set {train_set}")
    if rows["train_cells"].nunique() != 1:
        raise InputError(path, f"training set {train_set} has two different cell lists")
    return rows
