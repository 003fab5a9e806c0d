"""bench/bench_crosscell_gain.py: the split of a cross-cell gain against the linear model."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_crosscell_gain.py"
spec = importlib.util.spec_from_file_location("bench_crosscell_gain", BENCH)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_gain_splits_into_shortfall_and_lead_over_the_linear_model() -> None:
    per_cell = pd.Series({"A": 0.70, "B": 0.80, "C": 0.60, "D": 0.90})
    linear = pd.Series({"A": 0.72, "B": 0.79, "C": 0.70, "D": None})
    pooled = pd.DataFrame(
        {
            "setting": ["exclusive_all"] * 4 + ["exclusive_high"] * 2,
            "cell": ["A", "B", "C", "D", "A", "B"],
            "auroc": [0.75, 0.81, 0.71, 0.95, None, 0.78],
        }
    )
    t = bench.decompose(pooled, per_cell, linear).set_index("setting")
    assert list(t.index) == ["exclusive_high", "exclusive_all"]  # the paper's order
    a = t.loc["exclusive_all"]  # D has no linear model and is left out
    assert a["n_cells"] == 3
    assert a["gain_mean"] == pytest.approx((0.05 + 0.01 + 0.11) / 3)
    assert a["shortfall_mean"] == pytest.approx((0.02 - 0.01 + 0.10) / 3)
    assert a["shortfall_over_0.05"] == 1
    assert a["over_linear_mean"] == pytest.approx((0.03 + 0.02 + 0.01) / 3)
    assert a["over_linear_better"] == 3
    # Pearson r of the gains 0.05, 0.01, 0.11 with the shortfalls 0.02, -0.01, 0.10, by hand
    assert a["r_gain_shortfall"] == pytest.approx(0.98998, abs=1e-5)
    h = t.loc["exclusive_high"]  # A's empty set is left out
    assert h["n_cells"] == 1 and h["gain_mean"] == pytest.approx(-0.02)


def test_the_paper_table_splits_exactly_and_prints() -> None:
    t = bench.decompose(*bench.paper_tables()).set_index("setting")
    assert t.loc["exclusive_all", "n_cells"] == 55 and t.loc["exclusive_high", "n_cells"] == 39
    sums = t["shortfall_mean"] + t["over_linear_mean"]
    pd.testing.assert_series_equal(sums, t["gain_mean"], check_names=False, atol=1e-12)
    res = subprocess.run([sys.executable, str(BENCH)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "DeepChrome 2.0" in res.stdout and "exclusive_all" in res.stdout
