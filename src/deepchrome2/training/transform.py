"""Input transform fitted on training genes only and saved with the model.

``log1p_standardize`` (default) applies ``log1p`` and then standardizes each mark with the mean
and standard deviation over training genes and bins. Standardizing per mark (not per bin) keeps
the shape of each mark's profile across bins, which the convolutional and recurrent models read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

KINDS = ("log1p_standardize", "standardize", "log1p", "none")


@dataclass
class Transform:
    """A fitted transform: ``kind`` plus per-mark ``mean`` and ``std`` (empty when unused)."""

    kind: str = "log1p_standardize"
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    std: np.ndarray = field(default_factory=lambda: np.ones(0, dtype=np.float32))

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown transform {self.kind!r}; valid: {', '.join(KINDS)}")

    @property
    def uses_log(self) -> bool:
        return self.kind.startswith("log1p")

    @property
    def standardizes(self) -> bool:
        return self.kind.endswith("standardize")

    def _pre(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 3:
            raise ValueError(f"expected genes x marks x bins, got shape {X.shape}")
        if self.uses_log:
            if X.size and X.min() < 0:
                raise ValueError("log1p transform needs non-negative signal")
            return np.log1p(X)
        return X

    def fit(self, X_train: np.ndarray) -> Transform:
        """Fit on training genes only; returns ``self``."""
        Z = self._pre(X_train)
        if self.standardizes:
            mean = Z.mean(axis=(0, 2), dtype=np.float64)
            std = Z.std(axis=(0, 2), dtype=np.float64)
            std[std < 1e-8] = 1.0  # a constant mark stays centred, not divided by zero
            self.mean = mean.astype(np.float32)
            self.std = std.astype(np.float32)
        return self

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Transform genes x marks x bins signal (float32 copy)."""
        Z = self._pre(X)
        if self.standardizes:
            if self.mean.shape != (Z.shape[1],):
                raise ValueError(
                    f"transform fitted on {self.mean.shape[0]} marks, input has {Z.shape[1]}"
                )
            Z = (Z - self.mean[None, :, None]) / self.std[None, :, None]
        return np.ascontiguousarray(Z, dtype=np.float32)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Transform:
        return cls(
            kind=d["kind"],
            mean=np.asarray(d["mean"], dtype=np.float32),
            std=np.asarray(d["std"], dtype=np.float32),
        )
