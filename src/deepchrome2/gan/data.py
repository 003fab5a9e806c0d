"""Inputs of the GAN: per-split signal and labels of one or more cells, and the signal transform."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from deepchrome2.errors import InputError
from deepchrome2.training.data import load_cell

PathLike = str | os.PathLike[str]


@dataclass
class SignalTransform:
    """``z = (log1p(x) - mean[mark]) / std[mark]``, fitted on training genes; invertible."""

    mean: np.ndarray  # float32, marks
    std: np.ndarray  # float32, marks

    @classmethod
    def fit(cls, X: np.ndarray) -> SignalTransform:
        """Fit per-mark mean and std of log1p(signal) over genes and bins of ``X``."""
        L = np.log1p(np.clip(X, 0, None).astype(np.float64))
        mean = L.mean(axis=(0, 2))
        std = L.std(axis=(0, 2))
        std = np.where(std > 1e-6, std, 1.0)
        return cls(mean.astype(np.float32), std.astype(np.float32))

    def forward(self, X: np.ndarray) -> np.ndarray:
        L = np.log1p(np.clip(X, 0, None).astype(np.float32))
        return (L - self.mean[None, :, None]) / self.std[None, :, None]

    def inverse(self, Z: np.ndarray) -> np.ndarray:
        L = Z.astype(np.float32) * self.std[None, :, None] + self.mean[None, :, None]
        return np.clip(np.expm1(L), 0, None).astype(np.float32)

    def state(self) -> dict[str, list[float]]:
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_state(cls, state: dict[str, list[float]]) -> SignalTransform:
        return cls(np.asarray(state["mean"], np.float32), np.asarray(state["std"], np.float32))


@dataclass
class SplitData:
    """Raw signal (genes x marks x bins) and 0/1 labels of the genes of one split."""

    X: np.ndarray
    y: np.ndarray
    marks: list[str]
    bin_starts: np.ndarray


def load_splits_data(
    features: Sequence[PathLike],
    labels: Sequence[PathLike],
    split_path: PathLike,
    splits: Sequence[str],
    min_per_class: int = 1,
) -> dict[str, SplitData]:
    """The genes of each split in ``splits``, pooled over cells; every class of every split
    needs ``min_per_class`` genes.

    Each cell's files are read once, by the training data's own loader and checks
    (:func:`deepchrome2.training.data.load_cell`): labels in the features' gene order, a split
    for every gene, finite signal, 0/1 labels.
    """
    if len(features) != len(labels) or not features:
        raise ValueError("need one labels file per features file")
    parts: list[dict[str, SplitData]] = []  # per cell, only the splits asked for are kept
    for f, lab in zip(features, labels, strict=True):
        cell = load_cell(f, lab, split_path)
        part = {s: SplitData(cell.X[s], cell.y[s], cell.marks, cell.bin_starts) for s in splits}
        one, ref = part[splits[0]], (parts[0][splits[0]] if parts else None)
        if ref is not None and (one.marks != ref.marks or one.X.shape[2] != ref.X.shape[2]):
            raise InputError(f, "marks or bins differ from the other cells")
        parts.append(part)
    out = {}
    for split in splits:
        first = parts[0][split]
        data = SplitData(
            np.concatenate([p[split].X for p in parts]),
            np.concatenate([p[split].y for p in parts]),
            first.marks,
            first.bin_starts,
        )
        check_class_counts(data.y, min_per_class, labels[0], split)
        out[split] = data
    return out


def load_split_data(
    features: Sequence[PathLike],
    labels: Sequence[PathLike],
    split_path: PathLike,
    split: str,
    min_per_class: int = 1,
) -> SplitData:
    """The genes of one split, pooled over cells (:func:`load_splits_data`)."""
    return load_splits_data(features, labels, split_path, (split,), min_per_class)[split]


def check_class_counts(y: np.ndarray, min_per_class: int, path: PathLike, split: str) -> None:
    """Raise an :class:`InputError` naming ``path`` when a class has too few genes."""
    for c in (0, 1):
        n = int((y == c).sum())
        if n < min_per_class:
            raise InputError(
                path,
                f"only {n} {split} genes of class {c} (need at least {min_per_class}) "
                "to train or judge a class-conditional GAN",
            )
