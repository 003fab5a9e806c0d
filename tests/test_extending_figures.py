"""Extending the workflow: a new figure is one new module plus one registry line.

A copy of the workflow gets a dummy figure that way (the worked example of
docs/architecture.md), and a dry run shows that the default target includes it and that its
file builds alone, from its registry entry's inputs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _smk import REPO, job_counts, tiny_config

from deepchrome2.plots import registry

BIN = Path(sys.executable).parent
# what the workflow needs to run: rules, scripts, package, schema, captions, environment
PARTS = ("Snakefile", "rules", "workflow_scripts", "src", "schemas", "report", "envs",
         "config.yaml", "resources/deepchrome2_paper")  # fmt: skip

DUMMY = '''"""A dummy figure: the number of genes per expression class in each cell."""

import matplotlib.pyplot as plt
import numpy as np

from deepchrome2.io import load_labels
from deepchrome2.plots.registry import FigureJob
from deepchrome2.plots.save import save_figure


def draw(job: FigureJob) -> None:
    """Genes per expression class in each cell."""
    counts = [np.bincount(load_labels(p)["label"], minlength=2) for p in job.input["labels"]]
    fig, ax = plt.subplots()
    ax.bar(job.params["cells"], [c[1] for c in counts])
    save_figure(fig, job.pdf, job.png)
'''
ENTRY = '    "class_sizes": Figure("data", "class_sizes:draw", "mark_profile_inputs"),\n'
OPENING = "FIGURES: dict[str, Figure] = {\n"


def _copy_workflow(dest: Path) -> Path:
    for part in PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / part)
    return dest


def _add_dummy_figure(root: Path) -> None:
    """The two edits of docs/architecture.md: one new module, one registry line."""
    (root / "src/deepchrome2/plots/class_sizes.py").write_text(DUMMY)
    reg = root / "src/deepchrome2/plots/registry.py"
    text = reg.read_text()
    assert text.count(OPENING) == 1, "the registry's opening line moved: update this test"
    reg.write_text(text.replace(OPENING, OPENING + ENTRY))


def _dry_run(root: Path, workdir: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    workdir.mkdir(exist_ok=True)
    cfgfile = workdir / "config.yaml"
    cfgfile.write_text(yaml.safe_dump(tiny_config(), sort_keys=False))
    # the copy's own package, as the workflow imports it from the Snakefile's folder
    env = dict(os.environ, PYTHONPATH=str(root / "src"))
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    cmd = [str(BIN / "snakemake"), "--snakefile", str(root / "Snakefile"), "--directory",
           str(workdir), "--configfile", str(cfgfile), "-n", "--cores", "1", *targets]  # fmt: skip
    return subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def extended(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _copy_workflow(tmp_path_factory.mktemp("extended"))
    _add_dummy_figure(root)
    return root


def test_a_new_figure_is_a_default_target(extended: Path, tmp_path: Path) -> None:
    proc = _dry_run(extended, tmp_path / "all")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    counts = job_counts(proc.stdout + proc.stderr)
    assert counts["plot_class_sizes"] == 1
    assert counts["plot_mark_profiles"] == 1


def test_a_new_figure_builds_alone(extended: Path, tmp_path: Path) -> None:
    proc = _dry_run(extended, tmp_path / "one", "results/figures/class_sizes.pdf")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    counts = job_counts(proc.stdout + proc.stderr)
    # the figure's own rule, and only the data jobs that its entry's inputs need
    cells = sum(len(g) for g in tiny_config()["simulate"]["tissue_groups"].values())
    assert counts == {
        "simulate_cohort": 1,
        "simulate_bigwigs": cells,
        "tss_windows": 1,
        "bin_signals": cells,
        "labels": cells,
        "plot_class_sizes": 1,
        "total": 3 + 3 * cells,
    }


def test_the_unchanged_workflow_has_no_such_figure(tmp_path: Path) -> None:
    proc = _dry_run(REPO, tmp_path / "plain", "results/figures/class_sizes.pdf")
    assert proc.returncode != 0
    assert "MissingRuleException" in proc.stdout + proc.stderr


def test_every_entry_resolves() -> None:
    """Each entry's draw function exists, and each caption is a file or a docstring."""
    for name, fig in registry.FIGURES.items():
        assert fig.stage in registry.CATEGORIES, name
        draw = fig.draw_function()
        caption = REPO / "report" / f"{name}.rst"
        assert caption.exists() or (draw.__doc__ or "").strip(), name
