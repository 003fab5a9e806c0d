"""Training one model on the pooled training genes of several cells, without copying features.

Each cell's ``X`` is cached once as an uncompressed ``.npy`` (:func:`crosscell_cache`) and opened
with ``np.load(mmap_mode="r")``: the raw signal of all pooled cells stays on disk / in the page
cache. A :class:`PooledRows` addresses chosen rows of several such arrays as if they were one
concatenation. The transform is fitted on the pooled training rows in chunks (two passes, the
same statistics as :meth:`Transform.fit` on the concatenation), and the transformed training and
validation rows are written straight into one preallocated float32 array each, which the
training loop then uses as its in-memory tensors without a further copy. Peak memory is thus
one transformed copy of the pooled rows, never the raw concatenation next to it.
"""

from __future__ import annotations

import dataclasses
import logging
import mmap
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from deepchrome2.errors import InputError
from deepchrome2.io import SPLITS, atomic_path, load_features, load_labels, load_split
from deepchrome2.training.data import CellData, check_labels_match
from deepchrome2.training.metrics import SingleClassError, check_two_classes
from deepchrome2.training.transform import Transform

if TYPE_CHECKING:  # torch is imported by the jobs that train, not by crosscell_cache
    from deepchrome2.training.artifact import TrainedModel
    from deepchrome2.training.loop import FitResult, TrainSettings

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]
CHUNK = 4096  # rows transformed at a time


def crosscell_cache(features: PathLike, out: PathLike) -> tuple[int, ...]:
    """Write the ``X`` array of a features ``.npz`` as an uncompressed ``.npy`` (atomically)."""
    feats = load_features(features)
    if not np.all(np.isfinite(feats.X)):
        raise InputError(features, "features contain NaN or inf")
    final, tmp = atomic_path(out)
    try:
        with open(tmp, "wb") as fh:
            np.save(fh, np.ascontiguousarray(feats.X, dtype=np.float32))
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return feats.X.shape


def _npz_member(path: PathLike, key: str) -> np.ndarray:
    """One small member of a ``.npz`` (reads only that member)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return npz[key]
    except FileNotFoundError as err:
        raise InputError(path, "features file not found") from err
    except (OSError, KeyError, ValueError) as err:
        raise InputError(path, f"cannot read '{key}': {err}") from err


def release_pages(arr: np.ndarray) -> None:
    """Unmap the resident pages of a read-only memory map from this process.

    Pages of a memory-mapped cache count in the job's resident set while they are mapped in,
    though they are only a view of the page cache. Once a cell's rows have been copied out,
    dropping them keeps the job's peak memory near its own arrays; a later read faults them
    back in from the file, so the values are unchanged. Arrays that are not memory maps are
    left as they are.
    """
    buffer = arr.base if isinstance(arr, np.memmap) else None
    if isinstance(buffer, mmap.mmap) and hasattr(buffer, "madvise"):
        buffer.madvise(mmap.MADV_DONTNEED)


@dataclass
class CellRows:
    """One cell's memory-mapped signal plus its labels and the row indices of each split."""

    cell: str
    X: np.ndarray  # read-only memmap, genes x marks x bins
    y: np.ndarray  # int64 labels of all genes
    genes: np.ndarray
    rows: dict[str, np.ndarray]  # split -> row indices into X
    marks: list[str]
    bin_starts: np.ndarray
    log_rpkm: np.ndarray | None = None  # float64 regression target of all genes

    def split_genes(self, split: str) -> np.ndarray:
        return self.genes[self.rows[split]]


def listed_genes(split: pd.DataFrame) -> dict[str, np.ndarray]:
    """Gene IDs the split table lists under each split name (a gene may show up twice)."""
    return {s: split.loc[split["split"] == s, "gene_id"].to_numpy(dtype=str) for s in SPLITS}


def split_rows(
    genes: np.ndarray, split: PathLike
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Row indices of each split, and each split's gene IDs as listed in the split file.

    The second mapping is read per split name (not gene -> split), so a split file that lists
    a gene under two splits shows up in both and is caught by the leakage check.
    """
    sp = load_split(split)
    listed = listed_genes(sp)
    split_of = dict(zip(sp["gene_id"], sp["split"], strict=True))
    labels = np.array([split_of.get(g, "") for g in genes])
    if (labels == "").any():
        missing = genes[labels == ""]
        raise InputError(split, f"{len(missing)} genes have no split (e.g. {missing[0]})")
    rows = {s: np.flatnonzero(labels == s) for s in SPLITS}
    return rows, listed


def open_cell(
    cell: str, cache: PathLike, features: PathLike, labels: PathLike, split: PathLike
) -> CellRows:
    """Memory-map one cell's cached ``X`` and attach labels and split rows (nothing copied)."""
    try:
        X = np.load(cache, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError as err:
        raise InputError(cache, "feature cache not found") from err
    except (OSError, ValueError) as err:
        raise InputError(cache, f"cannot read feature cache: {err}") from err
    genes = _npz_member(features, "genes").astype(str)
    marks = [str(m) for m in _npz_member(features, "marks")]
    bin_starts = _npz_member(features, "bin_starts")
    if X.dtype != np.float32 or X.shape != (len(genes), len(marks), len(bin_starts)):
        raise InputError(
            cache, f"shape {X.shape} {X.dtype} does not match {features}; rebuild the cache"
        )
    lab = load_labels(labels)
    check_labels_match(genes, lab["gene_id"].to_numpy(dtype=str), features, labels)
    y = lab["label"].to_numpy()
    if lab["label"].isna().any() or not np.isin(y, [0, 1]).all():
        raise InputError(labels, "column 'label' must hold only 0 and 1")
    # empty for the DeepChrome archive; only the log_rpkm target needs it (checked there)
    log_rpkm = pd.to_numeric(lab["log_rpkm"], errors="coerce").to_numpy(dtype=np.float64)
    rows, _ = split_rows(genes, split)
    for s, idx in rows.items():
        try:
            check_two_classes(y[idx], what=f"cell {cell} split '{s}'")
        except SingleClassError as err:
            raise InputError(labels, str(err)) from err
    return CellRows(
        cell, X, y.astype(np.int64), genes, rows, marks, np.asarray(bin_starts), log_rpkm
    )


class PooledRows:
    """Rows ``rows[i]`` of arrays ``parts[i]``, addressed as their concatenation, not copied."""

    def __init__(self, parts: Sequence[np.ndarray], rows: Sequence[np.ndarray]) -> None:
        if len(parts) != len(rows) or not parts:
            raise ValueError("need one row index per array, and at least one array")
        shapes = {p.shape[1:] for p in parts}
        if len(shapes) != 1:
            raise ValueError(f"pooled arrays differ in shape: {sorted(shapes)}")
        self.parts = list(parts)
        self.rows = [np.asarray(r, dtype=np.int64) for r in rows]
        self.offsets = np.concatenate([[0], np.cumsum([len(r) for r in self.rows])])

    @classmethod
    def of(cls, cells: Sequence[CellRows], split: str) -> PooledRows:
        return cls([c.X for c in cells], [c.rows[split] for c in cells])

    def __len__(self) -> int:
        return int(self.offsets[-1])

    @property
    def row_shape(self) -> tuple[int, ...]:
        return tuple(self.parts[0].shape[1:])

    def chunks(self, size: int = CHUNK):
        """Yield ``(start, block)``: consecutive blocks of the concatenation, in order."""
        for part, rows, off in zip(self.parts, self.rows, self.offsets[:-1], strict=True):
            for i in range(0, len(rows), size):
                yield int(off) + i, part[rows[i : i + size]]
            release_pages(part)

    def take(self, idx: np.ndarray) -> np.ndarray:
        """Rows ``idx`` of the concatenation (a new array, in the order of ``idx``)."""
        idx = np.asarray(idx, dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= len(self)):
            raise IndexError(f"row index out of range 0..{len(self) - 1}")
        out = np.empty((len(idx), *self.row_shape), dtype=self.parts[0].dtype)
        which = np.searchsorted(self.offsets, idx, side="right") - 1
        for p in np.unique(which):
            sel = np.flatnonzero(which == p)
            out[sel] = self.parts[p][self.rows[p][idx[sel] - self.offsets[p]]]
        return out

    def fill(self, func: Any = None, size: int = CHUNK) -> np.ndarray:
        """The concatenation, each block passed through ``func``, written into one new array."""
        out = np.empty((len(self), *self.row_shape), dtype=np.float32)
        for start, block in self.chunks(size):
            out[start : start + len(block)] = block if func is None else func(block)
        return out


def _pre_transform(kind: str) -> Transform:
    """The part of transform ``kind`` applied before standardizing (log1p or nothing)."""
    return Transform("log1p" if kind.startswith("log1p") else "none")


def fit_transform(pool: PooledRows, kind: str, size: int = CHUNK) -> Transform:
    """Fit transform ``kind`` on the pooled rows, in chunks.

    Per mark, the mean and standard deviation over rows and bins of the log1p'd signal, as
    :meth:`Transform.fit` on the concatenated rows computes them (two passes, float64 sums).
    """
    tf = Transform(kind)
    if not tf.standardizes:
        return tf
    pre = _pre_transform(kind)
    n_marks = pool.row_shape[0]
    total = np.zeros(n_marks, dtype=np.float64)
    count = 0
    for _, block in pool.chunks(size):
        z = pre.apply(block)
        total += z.sum(axis=(0, 2), dtype=np.float64)
        count += z.shape[0] * z.shape[2]
    mean = total / max(count, 1)
    ss = np.zeros(n_marks, dtype=np.float64)
    for _, block in pool.chunks(size):
        z = pre.apply(block).astype(np.float64) - mean[None, :, None]
        ss += np.einsum("gmb,gmb->m", z, z)
    std = np.sqrt(ss / max(count, 1))
    std[std < 1e-8] = 1.0  # as Transform.fit: a constant mark is centred, not divided by 0
    return Transform(kind, mean=mean.astype(np.float32), std=std.astype(np.float32))


def check_same_layout(cells: Sequence[CellRows]) -> None:
    """All pooled cells must share marks and bins."""
    first = cells[0]
    for c in cells[1:]:
        if c.marks != first.marks or not np.array_equal(c.bin_starts, first.bin_starts):
            raise ValueError(
                f"cells {first.cell} and {c.cell} differ in marks or bins; cannot pool them"
            )


def train_pooled(
    arch: str,
    cells: Sequence[CellRows],
    settings: TrainSettings,
    hparams: dict[str, Any] | None = None,
    transform: str = "log1p_standardize",
    device: str = "auto",
    target: str = "class",
) -> tuple[TrainedModel, FitResult]:
    """Train ``arch`` on the training genes of ``cells`` pooled; early stopping on their
    pooled validation genes. The per-cell :func:`train_model` does the training proper.
    """
    if not cells:
        raise ValueError("no cells to pool")
    check_same_layout(cells)
    train, valid = PooledRows.of(cells, "train"), PooledRows.of(cells, "valid")
    tf = fit_transform(train, transform)
    data = CellData(
        X={"train": train.fill(tf.apply), "valid": valid.fill(tf.apply)},
        y={s: np.concatenate([c.y[c.rows[s]] for c in cells]) for s in ("train", "valid")},
        genes={s: np.concatenate([c.split_genes(s) for c in cells]) for s in ("train", "valid")},
        marks=list(cells[0].marks),
        bin_starts=cells[0].bin_starts,
        log_rpkm={
            s: np.concatenate([c.log_rpkm[c.rows[s]] for c in cells if c.log_rpkm is not None])
            for s in ("train", "valid")
        },
    )
    log.info(
        "%s pooled over %d cells: %d train, %d valid genes",
        arch,
        len(cells),
        len(train),
        len(valid),
    )
    # The arrays are transformed already: the identity transform passes them on uncopied.
    from deepchrome2.training.job import train_model

    tm, result = train_model(arch, data, settings, hparams, "none", device, target)
    tm.transform = tf
    tm.settings["transform"] = transform
    return tm, result


def pooled_log_rpkm(
    cells: Sequence[CellRows], everyone: Sequence[CellRows]
) -> dict[str, np.ndarray]:
    """The log RPKM of the pooled training genes of ``cells`` and validation genes of
    ``everyone``, in the order of :class:`PooledRows`; ValueError if a cell has none."""
    for c in everyone:
        if c.log_rpkm is None:
            raise ValueError(f"cell {c.cell} has no log_rpkm for the log_rpkm target")
    return {
        "train": np.concatenate([c.log_rpkm[c.rows["train"]] for c in cells]),  # type: ignore[index]
        "valid": np.concatenate([c.log_rpkm[c.rows["valid"]] for c in everyone]),  # type: ignore[index]
    }


def train_pooled_tracks(
    arch: str,
    cells: Sequence[CellRows],
    tracks: dict[str, str | None],
    settings: TrainSettings,
    hparams: dict[str, Any] | None = None,
    transform: str = "log1p_standardize",
    device: str = "auto",
    watched: Sequence[CellRows] = (),
    target: str = "class",
) -> dict[str, tuple[TrainedModel, FitResult]]:
    """Train ``arch`` once on the pooled training genes of ``cells``, early-stopping each
    track on its own validation genes: ``tracks`` maps a track name to a cell (that cell's
    validation genes) or to None (the validation genes of all of ``cells``).

    A tracked cell outside ``cells`` must be in ``watched``: its validation genes are scored
    (never trained on). Only the validation genes some track uses go through the model, all
    in one batched pass per epoch; the transform is fitted on the pooled training genes only.
    ``target`` is the config's ``target:`` (class or log_rpkm).
    """
    if not cells:
        raise ValueError("no cells to pool")
    everyone = [*cells, *[w for w in watched if w.cell not in {c.cell for c in cells}]]
    check_same_layout(everyone)
    scored = scored_cells(tracks, cells, everyone)
    train = PooledRows.of(cells, "train")
    valid = PooledRows.of(scored, "valid")
    tf = fit_transform(train, transform)
    n_own = int(valid.offsets[len(cells)]) if None in tracks.values() else 0
    rows = track_rows(tracks, scored, valid, n_own=n_own)
    data = pooled_data(cells, scored, train, valid, tf, target)
    log.info(
        "%s pooled over %d cells: %d train genes; %d valid genes of %d cells, %d tracks",
        arch,
        len(cells),
        len(train),
        len(valid),
        len(scored),
        len(tracks),
    )
    from deepchrome2.training.job import train_model_tracks

    settings = dataclasses.replace(settings, cell_rows=len(train) // len(cells))
    out = train_model_tracks(arch, data, settings, hparams, rows, device, target)
    for tm, _ in out.values():
        tm.transform = tf
        tm.settings["transform"] = transform
    return out


def scored_cells(
    tracks: dict[str, str | None], cells: Sequence[CellRows], everyone: Sequence[CellRows]
) -> list[CellRows]:
    """The cells of ``everyone`` whose validation genes some track scores, pooled cells first:
    every pooled cell when a track is None (all pooled validation genes), else only the
    tracked cells. A model early-stopped on its target's genes thus never scores the other
    pooled cells' validation genes, which are most of them in a large pool."""
    tracked = {c for c in tracks.values() if c is not None}
    pooled = {c.cell for c in cells} if None in tracks.values() else set()
    return [c for c in everyone if c.cell in tracked or c.cell in pooled]


def track_rows(
    tracks: dict[str, str | None], everyone: Sequence[CellRows], valid: PooledRows, n_own: int
) -> dict[str, np.ndarray | None]:
    """Per track, its rows of the pooled validation genes ``valid`` of ``everyone``: a cell's
    block, or for None the first ``n_own`` rows (the pooled cells'; None when that is all)."""
    block = {
        c.cell: (int(valid.offsets[i]), int(valid.offsets[i + 1])) for i, c in enumerate(everyone)
    }
    rows: dict[str, np.ndarray | None] = {}
    for name, cell in tracks.items():
        if cell is None:
            rows[name] = None if n_own == len(valid) else np.arange(n_own)
        elif cell in block:
            rows[name] = np.arange(*block[cell])
        else:
            raise ValueError(f"track {name}: cell {cell} is neither pooled nor watched")
    return rows


def pooled_data(
    cells: Sequence[CellRows],
    everyone: Sequence[CellRows],
    train: PooledRows,
    valid: PooledRows,
    tf: Transform,
    target: str,
) -> CellData:
    """The transformed training genes of ``cells`` and validation genes of ``everyone``,
    with their labels (and log RPKM for the log_rpkm target), as one cell's data."""
    return CellData(
        X={"train": train.fill(tf.apply), "valid": valid.fill(tf.apply)},
        y={
            "train": np.concatenate([c.y[c.rows["train"]] for c in cells]),
            "valid": np.concatenate([c.y[c.rows["valid"]] for c in everyone]),
        },
        genes={
            "train": np.concatenate([c.split_genes("train") for c in cells]),
            "valid": np.concatenate([c.split_genes("valid") for c in everyone]),
        },
        marks=list(cells[0].marks),
        bin_starts=cells[0].bin_starts,
        log_rpkm=None if target == "class" else pooled_log_rpkm(cells, everyone),
    )
