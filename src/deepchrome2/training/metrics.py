"""Metrics on held-out genes: classification (scikit-learn) and regression (scipy)."""

from __future__ import annotations

import numpy as np
from scipy import stats
from sklearn.metrics import accuracy_score, average_precision_score, log_loss, roc_auc_score


class SingleClassError(ValueError):
    """AUROC is undefined because the labels hold one class only."""


def check_two_classes(y: np.ndarray, what: str = "labels") -> None:
    """Raise :class:`SingleClassError` unless ``y`` holds both 0 and 1."""
    classes = np.unique(y)
    if len(classes) < 2:
        only = "none" if len(classes) == 0 else int(classes[0])
        raise SingleClassError(
            f"{what} hold a single class ({only}, {len(y)} genes): AUROC is undefined"
        )


def auroc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve of scores ``p`` for binary labels ``y``."""
    check_two_classes(y)
    if not np.all(np.isfinite(p)):
        raise FloatingPointError("scores contain NaN or inf (training diverged)")
    return float(roc_auc_score(y, p))


def classification_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """AUROC (primary), AUPRC, accuracy at 0.5 and cross-entropy loss of P(class 1) = ``p``."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=np.float64)
    return {
        "auroc": auroc(y, p),
        "auprc": float(average_precision_score(y, p)),
        "accuracy": float(accuracy_score(y, (p >= 0.5).astype(int))),
        "loss": float(log_loss(y, np.clip(p, 1e-7, 1 - 1e-7), labels=[0, 1])),
    }


def regression_metrics(y: np.ndarray, s: np.ndarray) -> dict[str, float]:
    """Pearson r (primary), Spearman r and mean squared error of predictions ``s`` of ``y``."""
    y = np.asarray(y, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    if not np.all(np.isfinite(s)):
        raise FloatingPointError("predictions contain NaN or inf (training diverged)")
    if len(y) < 2 or np.ptp(y) == 0:
        raise SingleClassError(f"targets of {len(y)} genes are constant: r is undefined")
    constant = np.ptp(s) == 0  # a constant prediction has no correlation with anything
    return {
        "pearson_r": 0.0 if constant else float(stats.pearsonr(y, s).statistic),
        "spearman_r": 0.0 if constant else float(stats.spearmanr(y, s).statistic),
        "mse": float(np.mean((y - s) ** 2)),
    }
