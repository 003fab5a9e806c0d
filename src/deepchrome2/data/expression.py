"""Roadmap RNA-seq tables (``57epigenomes.RPKM.pc`` layout) and expression labels."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from deepchrome2.errors import InputError

log = logging.getLogger(__name__)


def strip_version(ids: pd.Series | np.ndarray) -> np.ndarray:
    """ENSG00000000003.10 -> ENSG00000000003 (Roadmap's RPKM table has no versions)."""
    return np.array([str(i).split(".", 1)[0] for i in ids])


def read_rpkm(path: str | Path, cells: list[str]) -> pd.DataFrame:
    """Read an RPKM table: ``gene_id`` then one column per epigenome ID.

    Returns a frame indexed by bare gene ID with one column per requested cell. Raises
    :class:`InputError` for a missing file, a missing cell, or NaN/negative values.
    """
    try:
        df = pd.read_csv(path, sep="\t", dtype={"gene_id": str})
    except FileNotFoundError as err:
        raise InputError(path, "RPKM table not found") from err
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputError(path, f"cannot parse RPKM table: {err}") from err
    if "gene_id" not in df.columns:
        raise InputError(path, "RPKM table has no 'gene_id' column")
    missing = [c for c in cells if c not in df.columns]
    if missing:
        raise InputError(path, f"cells {missing} are not columns of the RPKM table")
    df["gene_id"] = strip_version(df["gene_id"])
    df = df.drop_duplicates("gene_id").set_index("gene_id")
    values = df[cells].apply(pd.to_numeric, errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.to_numpy().any():
        col = values.columns[bad.any(axis=0)][0]
        gene = values.index[bad[col]][0]
        kind = "NaN or non-numeric" if pd.isna(values.at[gene, col]) else "negative"
        n = int(bad.to_numpy().sum())
        raise InputError(path, f"{n} {kind} RPKM value(s), first at gene {gene}, cell {col}")
    return values


def make_labels(rpkm: pd.DataFrame, cell: str, genes: np.ndarray) -> pd.DataFrame:
    """DeepChrome's rule: label 1 where RPKM is above the cell's median over ``genes``.

    Also keeps ``log_rpkm`` = ln(RPKM + 1) for regression use. Rows follow ``genes``.
    """
    values = rpkm.loc[genes, cell].to_numpy(dtype=float)
    median = float(np.median(values))
    label = (values > median).astype(np.int8)
    log.info(
        "cell %s: median RPKM %.3f over %d genes, %d high / %d low",
        cell,
        median,
        len(values),
        label.sum(),
        len(label) - label.sum(),
    )
    return pd.DataFrame({"gene_id": genes, "label": label, "log_rpkm": np.log1p(values)})
