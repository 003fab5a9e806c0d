"""Reading and writing the workflow's data products.

- ``results/features/{cell}.npz``: ``X`` float32 genes x marks x bins, ``genes``, ``marks``,
  ``bin_starts`` (bin start offsets from the TSS, in bp).
- ``results/labels/{cell}.tsv``: ``gene_id``, ``label`` (0/1), ``log_rpkm``.
- ``results/splits/genes.tsv``: ``gene_id``, ``split`` (train/valid/test).
"""

from __future__ import annotations

import glob
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from deepchrome2.errors import InputError


def read_npz(path: str | os.PathLike[str], what: str) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` (no pickles); InputError naming ``what`` it should be."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except FileNotFoundError as err:
        raise InputError(path, f"{what} not found") from err
    except (OSError, ValueError) as err:
        raise InputError(path, f"cannot read {what}: {err}") from err


SPLITS = ("train", "valid", "test")


@dataclass
class Features:
    """Binned histone signal of one cell."""

    X: np.ndarray  # float32, genes x marks x bins
    genes: np.ndarray  # str, genes
    marks: list[str]
    bin_starts: np.ndarray  # int, offsets of bin starts from the TSS

    def __post_init__(self) -> None:
        if self.X.shape != (len(self.genes), len(self.marks), len(self.bin_starts)):
            raise ValueError(
                f"features shape {self.X.shape} does not match genes/marks/bins "
                f"({len(self.genes)}, {len(self.marks)}, {len(self.bin_starts)})"
            )


# Temporary files made by :func:`atomic_path` in this process and not yet renamed into place.
_PENDING: set[Path] = set()
TMP_TAG = ".tmp-"  # temporary names: ``.{name}.tmp-{pid}-{token}``, hidden next to the output


def atomic_path(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Return (final, temporary) paths for writing ``path`` atomically in its folder.

    The temporary file is created empty with mode 0666 less the umask (as the final file would
    be), so ``os.replace(tmp, final)`` gives a result the group can read where the umask allows.
    It is remembered until :func:`remove_temporaries` so that a failed step leaves none behind.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = final.with_name(f".{final.name}{TMP_TAG}{os.getpid()}-{secrets.token_hex(4)}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        _PENDING.add(tmp)
        return final, tmp


def remove_temporaries() -> None:
    """Delete the temporary files this process made that were never renamed into place."""
    for tmp in list(_PENDING):
        tmp.unlink(missing_ok=True)
        _PENDING.discard(tmp)


def remove_stale_temporaries(outputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Delete temporary files left next to ``outputs`` by an earlier, killed run of a step."""
    removed = []
    for out in outputs:
        final = Path(out)
        if final.parent.is_dir():
            for tmp in final.parent.glob(f".{glob.escape(final.name)}{TMP_TAG}*"):
                if tmp.is_file():
                    tmp.unlink(missing_ok=True)
                    removed.append(tmp)
    return removed


def save_features(path: str | os.PathLike[str], feats: Features) -> None:
    """Write features to ``path`` (.npz), atomically."""
    final, tmp = atomic_path(path)
    with open(tmp, "wb") as fh:
        np.savez(
            fh,
            X=feats.X.astype(np.float32, copy=False),
            genes=np.asarray(feats.genes, dtype=str),
            marks=np.asarray(feats.marks, dtype=str),
            bin_starts=np.asarray(feats.bin_starts, dtype=np.int64),
        )
    os.replace(tmp, final)


def load_features(path: str | os.PathLike[str], mmap: bool = False) -> Features:
    """Read a features .npz written by :func:`save_features`."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = {"X", "genes", "marks", "bin_starts"} - set(npz.files)
            if missing:
                raise InputError(path, f"features file lacks keys {sorted(missing)}")
            return Features(
                X=npz["X"],
                genes=npz["genes"].astype(str),
                marks=[str(m) for m in npz["marks"]],
                bin_starts=npz["bin_starts"],
            )
    except FileNotFoundError as err:
        raise InputError(path, "features file not found") from err
    except (OSError, ValueError) as err:
        raise InputError(path, f"cannot read features: {err}") from err


def write_tsv(path: str | os.PathLike[str], df: pd.DataFrame, **kwargs: object) -> None:
    """Write a TSV atomically (no partial file on failure)."""
    final, tmp = atomic_path(path)
    df.to_csv(tmp, sep="\t", index=False, **kwargs)
    os.replace(tmp, final)


def load_labels(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read ``results/labels/{cell}.tsv``."""
    try:
        df = pd.read_csv(path, sep="\t", dtype={"gene_id": str})
    except FileNotFoundError as err:
        raise InputError(path, "labels file not found") from err
    missing = {"gene_id", "label", "log_rpkm"} - set(df.columns)
    if missing:
        raise InputError(path, f"labels file lacks columns {sorted(missing)}")
    return df


def load_split(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read ``results/splits/genes.tsv``."""
    try:
        df = pd.read_csv(path, sep="\t", dtype={"gene_id": str, "split": str})
    except FileNotFoundError as err:
        raise InputError(path, "split file not found") from err
    if {"gene_id", "split"} - set(df.columns):
        raise InputError(path, "split file needs columns gene_id and split")
    bad = set(df["split"]) - set(SPLITS)
    if bad:
        raise InputError(path, f"unknown split names {sorted(bad)}")
    return df


def read_metrics_json(paths: Iterable[str | os.PathLike[str]], required: list[str]) -> list[dict]:
    """The ``metrics.json`` records of training jobs; each must hold the ``required`` keys."""
    rows = []
    for p in paths:
        try:
            row = json.loads(Path(p).read_text())
        except (OSError, ValueError) as err:
            raise InputError(p, f"cannot read metrics: {err}") from err
        missing = [k for k in required if k not in row]
        if missing:
            raise InputError(p, f"metrics lack {', '.join(missing)}")
        rows.append(row)
    return rows
