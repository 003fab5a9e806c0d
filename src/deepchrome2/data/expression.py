"""Expression tables (genes x cells, as Roadmap's ``57epigenomes.RPKM.pc``) and labels."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from deepchrome2.errors import InputError
from deepchrome2.messages import first_few

log = logging.getLogger(__name__)


def strip_version(ids: pd.Series | np.ndarray) -> np.ndarray:
    """ENSG00000000003.10 -> ENSG00000000003 (and ENSG...10_PAR_Y likewise).

    Only Ensembl/GENCODE IDs (``ENS...``) lose their suffix: other IDs, such as gene symbols
    with a dot, stay as they are.
    """
    ids = pd.Series(np.asarray(ids, dtype=str))
    return ids.str.replace(r"^(ENS[A-Z]*[0-9]+)\..*$", r"\1", regex=True).to_numpy(dtype=str)


PAR_Y_SUFFIX = "_PAR_Y"


def par_y_copies(ids: pd.Series | np.ndarray) -> np.ndarray:
    """True for the chrY copy of a pseudoautosomal gene (GENCODE's ``ENSG..._PAR_Y``) whose
    ID is also listed without the suffix: the chrX record stands for the gene."""
    ids = pd.Series(np.asarray(ids, dtype=str))
    par = ids.str.endswith(PAR_Y_SUFFIX).to_numpy()
    base = ids.str.removesuffix(PAR_Y_SUFFIX)
    return par & base.isin(set(ids[~par])).to_numpy()


def read_rpkm(path: str | Path, cells: list[str], gene_id: str = "gene_id") -> pd.DataFrame:
    """Read an expression table (RPKM, TPM or FPKM), genes x cells: the ``gene_id`` column,
    then one column per cell ID. Tab-separated; ``.gz`` is read as gzip.

    Returns a frame indexed by bare gene ID with one column per requested cell. Raises
    :class:`InputError` for a missing file, a missing cell, NaN/negative/infinite values, or a
    gene ID listed twice with different values (listed twice with equal values: kept once,
    logged).
    The chrY rows of pseudoautosomal genes (``_PAR_Y``) are dropped beside their chrX rows,
    as the annotation does (:func:`par_y_copies`), and counted in the log.
    """
    try:
        df = pd.read_csv(path, sep="\t", dtype={gene_id: str})
    except FileNotFoundError as err:
        raise InputError(path, "RPKM table not found") from err
    except (OSError, EOFError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputError(path, f"cannot parse RPKM table: {err}") from err
    columns = first_few([str(c) for c in df.columns], 8)
    if gene_id not in df.columns:
        raise InputError(
            path,
            f"RPKM table has no '{gene_id}' column (the gene-ID column, files.gene_id_column); "
            f"its columns, read as tab-separated: {columns}",
        )
    missing = [c for c in cells if c not in df.columns]
    if missing:
        raise InputError(
            path, f"cells {missing} are not columns of the RPKM table (its columns: {columns})"
        )
    par = par_y_copies(df[gene_id])
    if par.any():
        log.warning(
            "%s: %d chrY copies of pseudoautosomal genes (%s rows, e.g. %s) dropped; their "
            "genes keep the chrX row",
            path,
            int(par.sum()),
            PAR_Y_SUFFIX,
            df[gene_id].to_numpy()[par][0],
        )
        df = df[~par]
    ids = strip_version(df[gene_id])
    values = df[cells].apply(pd.to_numeric, errors="coerce")
    values.index = pd.Index(ids, name="gene_id")
    bad = values.isna() | (values < 0) | np.isinf(values)
    if bad.to_numpy().any():
        col = values.columns[bad.any(axis=0)][0]
        row = int(np.flatnonzero(bad[col].to_numpy())[0])
        gene = values.index[row]
        value = values[col].iat[row]
        kind = "NaN or non-numeric" if pd.isna(value) else "negative"
        kind = "infinite" if np.isinf(value) else kind
        n = int(bad.to_numpy().sum())
        raise InputError(path, f"{n} {kind} RPKM value(s), first at gene {gene}, cell {col}")
    return _dedup(path, values)


def _dedup(path: str | Path, values: pd.DataFrame) -> pd.DataFrame:
    """One row per gene ID: exact repeats are dropped (and logged), conflicting ones refused."""
    dup = values.index.duplicated(keep=False)
    if not dup.any():
        return values
    rows = values[dup].reset_index()
    conflict = rows.drop_duplicates().duplicated("gene_id", keep=False)
    if conflict.any():
        gene = rows.drop_duplicates()["gene_id"][conflict].iloc[0]
        n = rows.drop_duplicates()["gene_id"][conflict].nunique()
        raise InputError(
            path, f"gene {gene} is listed more than once with different values ({n} such genes)"
        )
    n_extra = int(values.index.duplicated().sum())
    log.warning(
        "%s: %d repeated rows of %d gene IDs with equal values kept once (version suffixes "
        "stripped), e.g. %s",
        path,
        n_extra,
        rows["gene_id"].nunique(),
        rows["gene_id"].iloc[0],
    )
    return values[~values.index.duplicated()]


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
