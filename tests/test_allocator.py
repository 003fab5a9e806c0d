"""The jobs' malloc settings: freed memory is reused instead of faulted in again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from deepchrome2.allocator import _glibc

pytestmark = pytest.mark.skipif(_glibc() is None, reason="malloc settings apply to glibc only")

# Rounds of 20 buffers of 4 MiB, each written to, then all freed: the shape of a training
# step's allocations, and more than glibc's self-adjusting trim threshold keeps by default.
# "default" runs the rounds as they are; "step" runs them inside a workflow step (run_step).
PROBE = """
import resource, sys
from types import SimpleNamespace
import numpy as np
from deepchrome2.runner import run_step

def round_():
    bufs = [np.empty(512 * 1024) for _ in range(20)]
    for b in bufs:
        b.fill(1.0)

def faults(smk=None):
    for _ in range(3):
        round_()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        round_()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)

mode, log = sys.argv[1:]
if mode == "default":
    faults()
else:
    run_step(SimpleNamespace(log=[log], output=[], threads=1, rule="probe"), faults)
"""


def _page_faults(mode: str, tmp_path: Path) -> int:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode, str(tmp_path / f"{mode}.log")],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def test_a_workflow_step_reuses_freed_buffers_without_page_faults(tmp_path: Path) -> None:
    # 10 rounds of 80 MiB are 204,800 pages of 4 KiB when every buffer is faulted in afresh.
    default = _page_faults("default", tmp_path)
    in_step = _page_faults("step", tmp_path)
    assert default > 50_000, f"the probe no longer shows glibc's default cost ({default} faults)"
    assert in_step < 2_000, f"freed memory not reused: {in_step} page faults (default {default})"
