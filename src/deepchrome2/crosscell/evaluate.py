"""Applying trained models to other cells' test genes: the train-cell x test-cell matrix.

One job per trained model writes one row per test cell. Before any gene is scored, the genes
the model saw (training and validation genes, as recorded in the model or listed in the shared
split) are checked against the genes it is scored on: a test gene that was ever trained on
raises :class:`GeneLeakageError`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from deepchrome2 import paper
from deepchrome2.crosscell.pooled import CellRows, listed_genes, open_cell, release_pages
from deepchrome2.errors import InputError
from deepchrome2.io import load_split, write_tsv

if TYPE_CHECKING:  # torch is imported by the jobs that score models, not by the tables
    from deepchrome2.training.artifact import TrainedModel

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]
CellInputs = Mapping[str, tuple[PathLike, PathLike, PathLike]]  # cell -> (cache, npz, labels)


class GeneLeakageError(AssertionError):
    """A gene scored as a test gene was among a model's training or validation genes."""


def check_no_leakage(seen: Iterable[str], scored: Iterable[str], what: str) -> None:
    """Raise :class:`GeneLeakageError` if any ``scored`` gene is in ``seen``."""
    overlap = sorted(set(seen) & set(scored))
    if overlap:
        raise GeneLeakageError(
            f"{what}: {len(overlap)} test genes were seen in training "
            f"(e.g. {', '.join(overlap[:3])}); the gene split is not shared or not disjoint"
        )


def seen_genes(tm: TrainedModel, split: PathLike) -> set[str]:
    """Genes a model was fitted or early-stopped on: recorded in the model, plus every gene
    the shared split lists as train or valid."""
    genes = set(tm.meta.get("train_genes") or [])
    listed = listed_genes(load_split(split))
    genes.update(listed["train"])
    genes.update(listed["valid"])
    return genes


def cell_targets(tm: TrainedModel, cell: CellRows) -> np.ndarray:
    """What ``tm`` is scored against on ``cell``: its labels, or its log RPKM."""
    if tm.task.is_class:
        return cell.y
    if cell.log_rpkm is None:
        raise ValueError(f"cell {cell.cell} has no log_rpkm to score a regression model")
    return cell.log_rpkm


def score_cell(tm: TrainedModel, cell: CellRows) -> dict[str, float]:
    """Metrics of ``tm`` on one cell's test genes (only those rows are read)."""
    idx = cell.rows["test"]
    X = np.asarray(cell.X[idx], dtype=np.float32)
    release_pages(cell.X)
    out = tm.task.metrics(cell_targets(tm, cell)[idx], tm.score(X))
    out["n_test"] = len(idx)
    return out


def cell_predictions(tm: TrainedModel, cell: CellRows, chunk: int = 4096) -> pd.DataFrame:
    """Per-gene predictions of ``tm`` on every gene of ``cell``, in feature order, read from
    the memory-mapped signal in chunks."""
    from deepchrome2.training.job import predictions_table

    split = np.empty(len(cell.genes), dtype=object)
    for s, idx in cell.rows.items():
        split[idx] = s
    out = [
        predictions_table(
            tm,
            cell.genes[i : i + chunk],
            split[i : i + chunk],
            cell.y[i : i + chunk],
            None if cell.log_rpkm is None else cell.log_rpkm[i : i + chunk],
            np.asarray(cell.X[i : i + chunk], dtype=np.float32),
        )
        for i in range(0, len(cell.genes), chunk)
    ]
    release_pages(cell.X)
    return pd.concat(out, ignore_index=True)


def check_model_matches(tm: TrainedModel, model_path: PathLike, cell: CellRows) -> None:
    """A per-cell model must have been trained on as many genes as the split gives its cell."""
    n = tm.meta.get("n_train")
    if n is not None and "train_genes" not in tm.meta and int(n) != len(cell.rows["train"]):
        raise InputError(
            model_path,
            f"trained on {n} genes but the split gives cell {cell.cell} "
            f"{len(cell.rows['train'])}: model and split are out of date with each other",
        )
    if tm.marks != cell.marks or tm.n_bins != len(cell.bin_starts):
        raise InputError(model_path, f"model marks/bins differ from cell {cell.cell}'s features")


def transfer_rows(
    tm: TrainedModel,
    model_path: PathLike,
    train_cell: str,
    test_cells: CellInputs,
    split: PathLike,
) -> pd.DataFrame:
    """One row per test cell: ``tm`` (trained on ``train_cell``) on that cell's test genes."""
    seen = seen_genes(tm, split)
    rows = []
    for test_cell, (cache, features, labels) in test_cells.items():
        cell = open_cell(test_cell, cache, features, labels, split)
        if test_cell == train_cell:
            check_model_matches(tm, model_path, cell)
        check_no_leakage(seen, cell.split_genes("test"), f"model {model_path} on {test_cell}")
        m = score_cell(tm, cell)
        metric = tm.task.metric
        log.info(
            "%s -> %s: %s %.4f (%d genes)", train_cell, test_cell, metric, m[metric], m["n_test"]
        )
        rows.append({"arch": tm.arch, "train_cell": train_cell, "test_cell": test_cell, **m})
    return pd.DataFrame(rows)


def transfer_eval(
    model: PathLike,
    out: PathLike,
    train_cell: str,
    cells: Sequence[str],
    caches: Sequence[PathLike],
    features: Sequence[PathLike],
    labels: Sequence[PathLike],
    split: PathLike,
    device: str = "auto",
) -> pd.DataFrame:
    """Evaluate the model of ``train_cell`` on every cell in ``cells``; write its rows."""
    if not len(cells) == len(caches) == len(features) == len(labels):
        raise ValueError("need one cache, features and labels file per cell")
    from deepchrome2.training.artifact import load_trained
    from deepchrome2.training.loop import resolve_device

    tm = load_trained(model, device=resolve_device(device))
    inputs = {c: (a, f, lab) for c, a, f, lab in zip(cells, caches, features, labels, strict=True)}
    df = transfer_rows(tm, model, train_cell, inputs, split)
    write_tsv(out, df, float_format="%.6f")
    return df


def crosscell_table(
    paths: Sequence[PathLike],
    out: PathLike,
    tissue: Mapping[str, str] | None = None,
    reference: PathLike | None = paper.REFERENCE,
):
    """Concatenate per-model transfer rows into ``cross_cell_{arch}.tsv``.

    With ``tissue`` (cell -> tissue group, simulated cohort), adds both cells' groups and
    whether they match. For the paper's cross-cell network (``paper.CROSSCELL_ARCH``), where
    train and test cells are DeepChrome 2.0's, ``paper_auroc`` is the paper's ``test_on_rest``
    AUROC of the same pair (its per-cell model of the train cell on the test cell; NaN on the
    diagonal); not for other architectures, nor for the log_rpkm target.
    """
    frames = []
    for p in paths:
        try:
            frames.append(pd.read_csv(p, sep="\t", dtype={"train_cell": str, "test_cell": str}))
        except (OSError, ValueError) as err:
            raise InputError(p, f"cannot read transfer rows: {err}") from err
    df = pd.concat(frames, ignore_index=True)
    df["same_cell"] = df["train_cell"] == df["test_cell"]
    if tissue:
        df["train_group"] = df["train_cell"].map(tissue)
        df["test_group"] = df["test_cell"].map(tissue)
        df["same_group"] = df["train_group"] == df["test_group"]
    cols = ["arch", "train_cell", "test_cell", "auroc" if "auroc" in df.columns else "pearson_r"]
    df = df[cols + [c for c in df.columns if c not in cols]]
    mine = (df["arch"] == paper.CROSSCELL_ARCH).all()
    if reference is not None and mine and "auroc" in df.columns:  # the paper has no regression
        ref = paper.load_reference(reference)
        rest = ref[ref["setting"] == "test_on_rest"].set_index(["model_cell", "test_cell"])
        if set(df["train_cell"]) & set(rest.index.get_level_values(0)):
            key = pd.MultiIndex.from_arrays([df["train_cell"], df["test_cell"]])
            df["paper_auroc"] = rest["test_auroc"].reindex(key).to_numpy()
    write_tsv(out, df, float_format="%.6f")
    return df
