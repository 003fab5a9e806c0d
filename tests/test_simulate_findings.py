"""The simulator does not decide the findings: its knobs move Findings 1 and 3 either way.

A small cohort (4 cells in 2 tissue groups, 1,200 genes, the simulator's base knobs rather
than the demo's calibrated ones) goes through the workflow's own data stage, per-cell training
and ``exclusive_all`` jobs (deepchrome2.calibration); the Finding 1 and Finding 3 rows come from
the workflow's table functions. Thresholds have margin over simulator seeds 1-3
(docs/benchmarks.md, "Simulator knobs and calibration"):

- Finding 1 (deepchrome - linear): +0.023 to +0.030 with the marks' positional shapes,
  -0.007 to -0.000 with flat shapes (``positional: 0``);
- Finding 3 (deepchrome, exclusive_all - per-cell): +0.002 to +0.007 with one map for all
  cells (3 or 4 of 4 cells better), -0.56 to -0.68 (0 of 4) when every mark reads the
  opposite way in the other group (``group_specific: 1``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from deepchrome2.calibration import Findings, run_findings
from deepchrome2.data.simulate import KNOBS

REPO = Path(__file__).resolve().parents[1]
SEED = 2

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def small_config(**knobs: Any) -> dict[str, Any]:
    """config.yaml with a 4-cell, 1,200-gene cohort, the base knobs plus ``knobs``, and the
    ``fast`` recipe (Adam, batch 128, at most 30 epochs, patience 5; linear at lr 0.05)."""
    cfg = yaml.safe_load((REPO / "config.yaml").read_text())
    sim = {k: v for k, v in cfg["simulate"].items() if k not in KNOBS}
    sim.update(
        seed=SEED, n_genes=1200, tissue_groups={"A": ["E003", "E004"], "B": ["E062", "E034"]}
    )
    cfg["simulate"] = {**sim, **knobs}
    cfg["train"] = {**cfg["train"], "recipe": "fast", "seed": 7, "per_arch": {}}
    return cfg


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Findings:
    """Positional shapes and one map for all cells: Finding 1 and Finding 3 (deepchrome)."""
    work = tmp_path_factory.mktemp("base")
    return run_findings(small_config(), work, ["linear", "deepchrome"], ["deepchrome"])


def test_finding1_gap_closes_when_shapes_carry_no_position(base: Findings, tmp_path: Path) -> None:
    flat = run_findings(small_config(positional=0.0), tmp_path, crosscell=[])
    assert base.finding1 is not None and flat.finding1 is not None
    gap_shaped = base.finding1["mean_delta_auroc"]
    gap_flat = flat.finding1["mean_delta_auroc"]
    assert gap_shaped > 0.015, base.per_cell
    assert base.finding1["n_cells_a_better"] >= 3
    assert abs(gap_flat) < 0.012, flat.per_cell
    assert gap_shaped - gap_flat > 0.015


def test_finding3_gain_flips_when_the_map_is_group_specific(base: Findings, tmp_path: Path) -> None:
    specific = run_findings(
        small_config(group_specific=1.0), tmp_path, ["deepchrome"], ["deepchrome"]
    )
    assert base.finding3 is not None and specific.finding3 is not None
    gain = base.finding3.set_index("architecture").loc["deepchrome"]
    loss = specific.finding3.set_index("architecture").loc["deepchrome"]
    assert gain["mean_delta_auroc"] > 0.0, base.finding3
    assert gain["n_cells_a_better"] >= 3
    assert loss["mean_delta_auroc"] < -0.3, specific.finding3
    assert loss["n_cells_a_better"] == 0
    # the per-cell models do not care which way the marks read
    a = base.per_cell.set_index("cell")["deepchrome"]
    b = specific.per_cell.set_index("cell")["deepchrome"]
    assert (a - b).abs().max() < 0.05
