"""Hyperparameters whose values come from a fixed set, checked without importing torch.

The workflow checks a config while it is parsed, before any job runs and without torch; the
architecture modules use the same sets when they are built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The reductions over bins of DeepChrome 2.0's linear models, in the paper's order.
HPARAM_CHOICES: dict[str, tuple[str, ...]] = {
    "aggregator": ("mean", "max", "median", "sum", "min"),
}


def check_choices(hparams: Mapping[str, Any]) -> None:
    """ValueError naming the valid values when a hyperparameter in ``hparams`` has none of them."""
    for key, value in hparams.items():
        valid = HPARAM_CHOICES.get(key)
        if valid is not None and value not in valid:
            raise ValueError(f"unknown {key} {value!r}; valid: {', '.join(valid)}")
