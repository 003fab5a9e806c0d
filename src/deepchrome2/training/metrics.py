"""Metrics on held-out genes: classification (NumPy) and regression (scipy).

The classification metrics are written in NumPy with scikit-learn's definitions (ties of scores
count half in AUROC; average precision is the step-wise sum over distinct thresholds), so that a
training job does not import scikit-learn and scipy, about 1 CPU s of start-up per job.
"""

from __future__ import annotations

import numpy as np


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
    return float(_roc_auc(np.asarray(y).astype(int), np.asarray(p, dtype=np.float64)))


def _ranks(p: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``p``, tied values sharing their mean rank."""
    order = np.argsort(p, kind="mergesort")
    sorted_p = p[order]
    first = np.r_[True, sorted_p[1:] != sorted_p[:-1]]
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], len(p)]
    mean_rank = (starts + ends + 1) / 2.0  # mean of ranks starts+1 .. ends
    ranks = np.empty(len(p), dtype=np.float64)
    ranks[order] = mean_rank[group]
    return ranks


def _roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """AUROC as the Mann-Whitney statistic: P(score of a 1 > score of a 0), ties counting half."""
    pos = y == 1
    n_pos = int(pos.sum())
    n_neg = len(y) - n_pos
    rank_sum = _ranks(p)[pos].sum()
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def _counts_by_threshold(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """True and false positives when calling every score >= t positive, for each distinct
    score t from the highest down (scikit-learn's ``_binary_clf_curve``)."""
    order = np.argsort(-p, kind="mergesort")
    y_sorted = y[order]
    p_sorted = p[order]
    last = np.r_[p_sorted[1:] != p_sorted[:-1], True]  # last gene of each distinct score
    tps = np.cumsum(y_sorted)[last]
    fps = (np.arange(1, len(y) + 1) - np.cumsum(y_sorted))[last]
    return tps, fps


def average_precision(y: np.ndarray, p: np.ndarray) -> float:
    """Average precision: sum over distinct thresholds of (recall gain) x precision."""
    tps, fps = _counts_by_threshold(y, p)
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    gain = np.diff(np.r_[0.0, recall])
    return float(np.sum(gain * precision))


def roc_points(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ROC curve (false and true positive rates) at every distinct threshold, from (0, 0);
    scikit-learn's ``roc_curve`` with ``drop_intermediate=False``."""
    y = np.asarray(y).astype(int)
    check_two_classes(y)
    tps, fps = _counts_by_threshold(y, np.asarray(p, dtype=np.float64))
    return np.r_[0.0, fps / fps[-1]], np.r_[0.0, tps / tps[-1]]


def pr_points(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall at every distinct threshold, recall decreasing to the point
    (recall 0, precision 1); scikit-learn's ``precision_recall_curve``."""
    y = np.asarray(y).astype(int)
    check_two_classes(y)
    tps, fps = _counts_by_threshold(y, np.asarray(p, dtype=np.float64))
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0]


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    """Mean binary cross-entropy of P(class 1) = ``p`` (callers clip ``p`` away from 0 and 1)."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))


def classification_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """AUROC (primary), AUPRC, accuracy at 0.5 and cross-entropy loss of P(class 1) = ``p``."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=np.float64)
    return {
        "auroc": auroc(y, p),
        "auprc": average_precision(y, p),
        "accuracy": float(np.mean(y == (p >= 0.5).astype(int))),
        "loss": log_loss(y, np.clip(p, 1e-7, 1 - 1e-7)),
    }


def regression_metrics(y: np.ndarray, s: np.ndarray) -> dict[str, float]:
    """Pearson r (primary), Spearman r and mean squared error of predictions ``s`` of ``y``."""
    y = np.asarray(y, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    if not np.all(np.isfinite(s)):
        raise FloatingPointError("predictions contain NaN or inf (training diverged)")
    if len(y) < 2 or np.ptp(y) == 0:
        raise SingleClassError(f"targets of {len(y)} genes are constant: r is undefined")
    from scipy import stats  # regression jobs only

    constant = np.ptp(s) == 0  # a constant prediction has no correlation with anything
    return {
        "pearson_r": 0.0 if constant else float(stats.pearsonr(y, s).statistic),
        "spearman_r": 0.0 if constant else float(stats.spearmanr(y, s).statistic),
        "mse": float(np.mean((y - s) ** 2)),
    }
