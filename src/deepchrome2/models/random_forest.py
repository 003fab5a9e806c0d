"""Random forest baseline on per-mark bin summaries (DeepChrome compared against one).

Each mark's 100 bins are averaged in ``n_windows`` consecutive, nearly equal windows (default 10
windows of 10 bins, i.e. 1 kb each), giving ``n_marks * n_windows`` features that keep the coarse
shape of every profile around the TSS while smoothing bin-level noise. A scikit-learn
``RandomForestClassifier`` (``n_estimators`` trees, ``min_samples_leaf``, ``max_features``
"sqrt") is fitted on them, seeded by ``seed`` and run on ``n_jobs`` processes; the same seed and
data give the same forest. The wrapper exposes ``fit(X, y)``, ``predict_proba(X)`` (columns:
class 0, class 1) and ``predict(X)`` on ``(n, marks, bins)`` arrays. It has no trainable
parameters in the gradient sense; ``n_parameters()`` reports the total number of tree nodes
after fitting (0 before), which is what ``models.n_parameters`` returns for it. Its regression
counterpart (``build_regressor``) fits a ``RandomForestRegressor`` with the same settings on the
same features and exposes ``predict(X) -> (n,)``.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

NAME = "random_forest"
KIND = "sklearn"
DEFAULTS: dict = {
    "n_windows": 10,
    "n_estimators": 200,
    "min_samples_leaf": 2,
    "max_features": "sqrt",
    "seed": 0,
    "n_jobs": 1,
}


class BinSummaryForest:
    """Window means per mark, then a random forest; works on ``(n, marks, bins)`` arrays."""

    def __init__(
        self,
        n_marks: int,
        n_bins: int,
        n_windows: int,
        n_estimators: int,
        min_samples_leaf: int,
        max_features: str | float | None,
        seed: int,
        n_jobs: int,
    ) -> None:
        if not 1 <= n_windows <= n_bins:
            raise ValueError(f"n_windows must be between 1 and n_bins={n_bins}, got {n_windows}")
        self.n_marks = n_marks
        self.n_bins = n_bins
        self.starts = np.array([w[0] for w in np.array_split(np.arange(n_bins), n_windows)])
        self.widths = np.diff(np.append(self.starts, n_bins))
        self.forest = RandomForestClassifier(
            n_estimators=n_estimators,
            min_samples_leaf=min_samples_leaf,
            max_features=max_features,
            random_state=seed,
            n_jobs=n_jobs,
        )
        self.fitted = False

    def summarize(self, X: np.ndarray) -> np.ndarray:
        """Window means, shape ``(n, n_marks * n_windows)``, mark-major."""
        X = np.asarray(X)
        if X.ndim != 3 or X.shape[1:] != (self.n_marks, self.n_bins):
            raise ValueError(
                f"random_forest expects X of shape (n, {self.n_marks}, {self.n_bins}), "
                f"got {X.shape}"
            )
        sums = np.add.reduceat(X.astype(np.float64, copy=False), self.starts, axis=2)
        return (sums / self.widths).reshape(len(X), -1)

    def fit(self, X: np.ndarray, y: np.ndarray) -> BinSummaryForest:
        """Fit on ``X`` (n, marks, bins) and 0/1 labels ``y`` containing both classes."""
        y = np.asarray(y)
        if y.shape != (len(X),) or not np.isin(y, (0, 1)).all() or len(np.unique(y)) != 2:
            raise ValueError("y must hold one 0/1 label per row of X, with both classes present")
        self.forest.fit(self.summarize(X), y.astype(np.int64))
        self.fitted = True
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape ``(n, 2)``: P(label 0), P(label 1)."""
        if not self.fitted:
            raise RuntimeError("random_forest: call fit before predict_proba")
        return self.forest.predict_proba(self.summarize(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted 0/1 labels."""
        return self.predict_proba(X).argmax(axis=1)

    def n_parameters(self) -> int:
        """Total number of nodes over all trees (0 before fitting)."""
        if not self.fitted:
            return 0
        return int(sum(tree.tree_.node_count for tree in self.forest.estimators_))


def build(
    n_marks: int,
    n_bins: int,
    n_windows: int,
    n_estimators: int,
    min_samples_leaf: int,
    max_features: str | float | None,
    seed: int,
    n_jobs: int,
) -> BinSummaryForest:
    """The random forest baseline for inputs ``(n, n_marks, n_bins)``."""
    return BinSummaryForest(
        n_marks, n_bins, n_windows, n_estimators, min_samples_leaf, max_features, seed, n_jobs
    )


class BinSummaryForestRegressor(BinSummaryForest):
    """The same window means, then a random forest regressor of a continuous target."""

    def __init__(self, n_marks: int, n_bins: int, **hparams: object) -> None:
        super().__init__(n_marks, n_bins, **hparams)  # type: ignore[arg-type]
        keep = ("n_estimators", "min_samples_leaf", "max_features", "random_state", "n_jobs")
        params = self.forest.get_params()
        self.forest = RandomForestRegressor(**{k: params[k] for k in keep})

    def fit(self, X: np.ndarray, y: np.ndarray) -> BinSummaryForestRegressor:
        """Fit on ``X`` (n, marks, bins) and finite targets ``y`` (n,)."""
        y = np.asarray(y, dtype=np.float64)
        if y.shape != (len(X),) or not np.all(np.isfinite(y)):
            raise ValueError("y must hold one finite value per row of X")
        self.forest.fit(self.summarize(X), y)
        self.fitted = True
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        raise TypeError("random_forest regressor: use predict, not predict_proba")

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted values, shape ``(n,)``."""
        if not self.fitted:
            raise RuntimeError("random_forest: call fit before predict")
        return self.forest.predict(self.summarize(X))


def build_regressor(n_marks: int, n_bins: int, **hparams: object) -> BinSummaryForestRegressor:
    """The random forest regressor for inputs ``(n, n_marks, n_bins)`` (same hparams)."""
    return BinSummaryForestRegressor(n_marks, n_bins, **hparams)
