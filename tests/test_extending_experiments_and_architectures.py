"""Extending the workflow takes one new file and at most one registry line: a cross-cell
experiment and an architecture are added to a temporary copy of the repository, and the
workflow's dry-run plans their jobs (docs/architecture.md shows the same two examples)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _smk import REPO, merge

from deepchrome2.crosscell.sets import set_id

SELECTOR = '''"""``first``: the first other cell of the cohort (an example selector)."""

from __future__ import annotations

from deepchrome2.crosscell.selectors import Choice

NAME = "first"
NEEDS_CORRELATION = False
TRAINED = True


def select(choice: Choice) -> list[str]:
    """The first other cell, in cohort order."""
    return list(choice.others[:1])
'''
REGISTRY_LINE = '        Experiment("exclusive_first", False, "first", "the first other cell"),\n'

ARCHITECTURE = '''"""An example architecture: each mark's mean over the bins, then one linear layer.

It exists to show that an architecture is one module of deepchrome2.models, found by the
registry without any other change. Nothing else in the workflow names it.
"""

from __future__ import annotations

from torch import nn

NAME = "mean_linear"
KIND = "torch"
DEFAULTS: dict = {}


class MeanLinear(nn.Module):
    """Mean over bins, then Linear(n_marks, 2)."""

    def __init__(self, n_marks: int) -> None:
        super().__init__()
        self.out = nn.Linear(n_marks, 2)

    def forward(self, x):
        return self.out(x.mean(dim=2))


def build(n_marks: int, n_bins: int) -> nn.Module:
    """The model for inputs of ``n_marks`` x ``n_bins``."""
    return MeanLinear(n_marks)
'''


def repo_copy(dest: Path) -> Path:
    """The repository's files (tracked and new, not ignored) copied to ``dest``."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split("\0")  # fmt: skip
    for name in filter(None, listed):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def dry_run(repo: Path, cfg: dict, work: Path) -> subprocess.CompletedProcess[str]:
    import yaml

    work.mkdir(parents=True, exist_ok=True)
    (work / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    cmd = [
        str(Path(sys.executable).parent / "snakemake"),
        "--snakefile", str(repo / "Snakefile"), "--directory", str(work),
        "--configfile", str(work / "config.yaml"), "--dry-run",
    ]  # fmt: skip
    return subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def tiny() -> dict:
    import yaml

    return yaml.safe_load((REPO / "tests/configs/tiny.yaml").read_text())


@pytest.mark.slow
def test_a_new_experiment_is_one_file_and_one_registry_line(tmp_path: Path, tiny: dict) -> None:
    repo = repo_copy(tmp_path / "repo")
    cells = [c for g in tiny["simulate"]["tissue_groups"].values() for c in g]
    cfg = merge(
        tiny,
        {
            "crosscell": {
                "architectures": ["linear"],
                "experiments": ["exclusive_first"],
                "targets": [cells[1]],
            }
        },
    )
    refused = dry_run(repo, cfg, tmp_path / "before")
    assert refused.returncode != 0
    assert "unknown experiments ['exclusive_first']; valid: inclusive_all," in refused.stderr
    # the extension: one selector file and one line in the registry
    (repo / "src/deepchrome2/crosscell/selectors/first.py").write_text(SELECTOR)
    registry = repo / "src/deepchrome2/crosscell/experiments.py"
    text = registry.read_text()
    anchor = '        Experiment("test_on_rest",'
    assert text.count(anchor) == 1
    registry.write_text(text.replace(anchor, REGISTRY_LINE + anchor))
    res = dry_run(repo, cfg, tmp_path / "after")
    assert res.returncode == 0, res.stderr[-3000:]
    # the target's pooled job trains on the first other cell of the cohort
    job = f"results/crosscell/pooled/linear/{set_id([cells[0]])}/metrics.tsv"
    assert job in res.stdout + res.stderr
    assert "results/tables/crosscell_experiments.tsv" in res.stdout + res.stderr


@pytest.mark.slow
def test_a_new_architecture_is_one_file(tmp_path: Path, tiny: dict) -> None:
    repo = repo_copy(tmp_path / "repo")
    archs = [*tiny["train"]["architectures"], "mean_linear"]
    cfg = merge(tiny, {"train": {"architectures": archs}})
    refused = dry_run(repo, cfg, tmp_path / "before")
    assert refused.returncode != 0
    assert "unknown architecture 'mean_linear' in train.architectures" in refused.stderr
    (repo / "src/deepchrome2/models/mean_linear.py").write_text(ARCHITECTURE)
    res = dry_run(repo, cfg, tmp_path / "after")
    assert res.returncode == 0, res.stderr[-3000:]
    out = res.stdout + res.stderr
    cells = [c for g in tiny["simulate"]["tissue_groups"].values() for c in g]
    for cell in cells:
        assert f"results/models/mean_linear/{cell}/metrics.json" in out
    assert "results/tables/architectures.tsv" in out
