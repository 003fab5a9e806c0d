"""Shared pieces of the architectures: the input-shape check and the scikit-learn protocol."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import torch
from torch import nn


@runtime_checkable
class SklearnModel(Protocol):
    """A non-torch model trained on ``(n, marks, bins)`` arrays with 0/1 labels."""

    def fit(self, X: np.ndarray, y: np.ndarray) -> SklearnModel: ...

    def predict_proba(self, X: np.ndarray) -> np.ndarray: ...


class MarkBinModel(nn.Module):
    """Base of the torch architectures: remembers the input shape and checks it in forward."""

    def __init__(self, n_marks: int, n_bins: int) -> None:
        super().__init__()
        self.n_marks = n_marks
        self.n_bins = n_bins

    def check_input(self, x: torch.Tensor) -> None:
        """Raise ValueError unless ``x`` has shape ``(batch, n_marks, n_bins)``."""
        if x.dim() != 3 or x.shape[1] != self.n_marks or x.shape[2] != self.n_bins:
            raise ValueError(
                f"{type(self).__name__} expects input (batch, {self.n_marks}, {self.n_bins}), "
                f"got {tuple(x.shape)}"
            )


def set_output_width(model: nn.Module, n_outputs: int) -> nn.Module:
    """Give ``model`` a fresh final layer with ``n_outputs`` outputs (1 for regression).

    The final layer is the last ``nn.Linear`` registered in the model, which must produce the
    two class logits; it is replaced by a ``Linear`` of the same input width, so every
    architecture gets its one-output head without code of its own.
    """
    linears = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Linear)]
    if not linears or linears[-1][1].out_features != 2:
        raise TypeError(f"{type(model).__name__}: no final Linear layer with 2 outputs")
    name, last = linears[-1]
    parent_name, _, attr = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, attr, nn.Linear(last.in_features, n_outputs, bias=last.bias is not None))
    return model
