"""What a model predicts: DeepChrome's expression class, or log RPKM (config ``target:``).

``class`` (DeepChrome, AttentiveChrome, DeepChrome 2.0): two logits, cross-entropy, the output
is P(highly expressed) and the headline metric test AUROC. ``log_rpkm`` (beyond the three
papers): one output, mean squared error on the training genes' log RPKM standardized to mean 0
and sd 1 (the scale is saved with the model and undone on prediction), the output is predicted
``log_rpkm`` = ln(RPKM + 1) and the headline metric the Pearson correlation on test genes. Early
stopping keeps the epoch with the best validation value of the headline metric in both cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from deepchrome2.errors import ConfigError

if TYPE_CHECKING:  # torch and the metrics are imported by the jobs, not by the workflow
    import torch


@dataclass(frozen=True)
class Task:
    """One prediction target: output width, loss, headline metric and output column."""

    name: str
    n_outputs: int
    metric: str  # headline metric, higher is better (tables, Finding 1, early stopping)
    label: str  # how figures name the metric
    output: str  # column of the per-gene predictions table

    @property
    def is_class(self) -> bool:
        return self.name == "class"

    def tensor(self, y: np.ndarray, device: torch.device | str) -> torch.Tensor:
        """Training targets as a tensor: class indices or float values."""
        import torch

        dtype = torch.long if self.is_class else torch.float32
        return torch.as_tensor(y, dtype=dtype, device=device)

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Cross-entropy on two logits, or mean squared error of the single output."""
        import torch.nn.functional as F

        return F.cross_entropy(out, y) if self.is_class else F.mse_loss(out[:, 0], y)

    def row_losses(self, out: torch.Tensor, y: torch.Tensor) -> np.ndarray:
        """The loss of every row (cross-entropy or squared error), as a numpy array."""
        import torch.nn.functional as F

        if self.is_class:
            losses = F.cross_entropy(out, y, reduction="none")
        else:
            losses = F.mse_loss(out[:, 0], y, reduction="none")
        return losses.cpu().numpy()

    def outputs(self, out: torch.Tensor) -> np.ndarray:
        """Model outputs -> P(class 1), or the (standardized) predicted value; float64."""
        import torch

        vals = torch.softmax(out.float(), dim=1)[:, 1] if self.is_class else out[:, 0].float()
        return vals.cpu().numpy().astype(np.float64)

    def valid_score(self, y: np.ndarray, s: np.ndarray) -> float:
        """The headline metric of outputs ``s`` for targets ``y``."""
        from deepchrome2.training.metrics import auroc, regression_metrics

        return auroc(y, s) if self.is_class else regression_metrics(y, s)["pearson_r"]

    def metrics(self, y: np.ndarray, s: np.ndarray) -> dict[str, float]:
        """All test metrics of outputs ``s`` (on the target's own scale) for targets ``y``."""
        from deepchrome2.training.metrics import classification_metrics, regression_metrics

        return classification_metrics(y, s) if self.is_class else regression_metrics(y, s)


TASKS: dict[str, Task] = {
    "class": Task("class", 2, "auroc", "AUROC", "p_high"),
    "log_rpkm": Task("log_rpkm", 1, "pearson_r", "Pearson r", "pred_log_rpkm"),
}


def get(name: str) -> Task:
    """The task called ``name``; ConfigError (a ValueError) naming the valid ones if unknown."""
    if name not in TASKS:
        raise ConfigError("target", f"unknown target '{name}'; valid: {', '.join(TASKS)}")
    return TASKS[name]


def of_config(config: Mapping[str, Any]) -> Task:
    """The task of config key ``target`` (default ``class``)."""
    return get(config.get("target", "class"))


@dataclass
class TargetScale:
    """Standardization of a regression target, fitted on training genes (identity for class)."""

    mean: float = 0.0
    std: float = 1.0

    @classmethod
    def fit(cls, task: Task, y_train: np.ndarray) -> TargetScale:
        if task.is_class:
            return cls()
        std = float(np.std(y_train))
        return cls(float(np.mean(y_train)), std if std > 1e-8 else 1.0)

    def apply(self, y: np.ndarray) -> np.ndarray:
        return ((np.asarray(y, dtype=np.float64) - self.mean) / self.std).astype(np.float32)

    def invert(self, s: np.ndarray) -> np.ndarray:
        return np.asarray(s, dtype=np.float64) * self.std + self.mean
