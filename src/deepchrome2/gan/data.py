"""Inputs of the GAN: per-split signal and labels of one or more cells, and the signal transform."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from deepchrome2.errors import InputError
from deepchrome2.io import load_features, load_labels, load_split

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


def load_cell_split(
    features: PathLike, labels: PathLike, split_path: PathLike, split: str
) -> SplitData:
    """Signal and labels of the genes of ``split`` in one cell, aligned by gene ID."""
    feats = load_features(features)
    if not np.isfinite(feats.X).all():
        raise InputError(features, "features contain NaN or infinite values")
    lab = load_labels(labels)
    bad = set(lab["label"].unique()) - {0, 1}
    if bad:
        raise InputError(labels, f"labels must be 0/1, found {sorted(bad)}")
    spl = load_split(split_path)
    genes = set(spl.loc[spl["split"] == split, "gene_id"])
    label_of = dict(zip(lab["gene_id"], lab["label"], strict=True))
    keep = np.array([g in genes and g in label_of for g in feats.genes])
    if not keep.any():
        raise InputError(features, f"no genes of split '{split}' with labels in {labels}")
    y = np.array([label_of[g] for g in feats.genes[keep]], dtype=np.int64)
    return SplitData(feats.X[keep].astype(np.float32), y, feats.marks, feats.bin_starts)


def load_split_data(
    features: Sequence[PathLike],
    labels: Sequence[PathLike],
    split_path: PathLike,
    split: str,
    min_per_class: int = 1,
) -> SplitData:
    """Pool :func:`load_cell_split` over cells; every class needs ``min_per_class`` genes."""
    if len(features) != len(labels) or not features:
        raise ValueError("need one labels file per features file")
    parts = [
        load_cell_split(f, lab, split_path, split) for f, lab in zip(features, labels, strict=True)
    ]
    for f, part in zip(features, parts, strict=True):
        if part.marks != parts[0].marks or part.X.shape[2] != parts[0].X.shape[2]:
            raise InputError(f, "marks or bins differ from the other cells")
    data = SplitData(
        np.concatenate([p.X for p in parts]),
        np.concatenate([p.y for p in parts]),
        parts[0].marks,
        parts[0].bin_starts,
    )
    check_class_counts(data.y, min_per_class, labels[0], split)
    return data


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
