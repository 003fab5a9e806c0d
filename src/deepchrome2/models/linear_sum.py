"""DeepChrome 2.0's linear network with the sum over bins (its setting ``linear_sum``).

The ``linear`` architecture with ``aggregator: sum`` as its default: each mark's signal is
reduced to its sum over the bins of the window, and the ``n_marks`` numbers feed one
``Linear(n_marks, 2)`` (12 parameters with 5 marks). It is a registry entry of its own so that
one run can train and compare all five of the paper's aggregators side by side, each under the
name DeepChrome 2.0 gave it.
"""

from __future__ import annotations

from deepchrome2.models.linear import KIND, build, check

NAME = "linear_sum"
DEFAULTS: dict = {"aggregator": "sum"}

__all__ = ["DEFAULTS", "KIND", "NAME", "build", "check"]
