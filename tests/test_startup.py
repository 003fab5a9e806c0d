"""Job start-up: each workflow script imports only the libraries its job uses.

Every Snakemake job starts a fresh Python, so a module-level import of torch (about 2 CPU s),
scikit-learn or scipy.stats (about 1.3 CPU s each) or matplotlib (0.7 CPU s) is paid by every job
of every rule that imports the module. Each check imports one workflow script's imports in a
fresh interpreter, as the job does, and lists the heavy libraries that came with them.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import (
    average_precision_score,
    log_loss,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

from deepchrome2.training import metrics

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "workflow_scripts"
HEAVY = ("torch", "matplotlib", "sklearn", "scipy.stats", "pyBigWig")

# Script -> heavy libraries its job may load. Scripts not listed may load none of them.
ALLOWED = {
    # Training and scoring jobs need torch; the forest architecture loads scikit-learn itself.
    "train": {"torch"},
    "train_crosscell": {"torch"},
    "train_gan": {"torch"},
    "generate_gan": {"torch"},
    "gan_quality_set": {"torch"},
    "gan_optimize_map": {"torch"},
    "class_optmap": {"torch"},
    "attention_maps": {"torch"},
    "attribution_maps": {"torch"},
    "predict_new_cell": {"torch"},
    # The data stage reads and writes bigWigs.
    "bin_signals": {"pyBigWig"},
    "deeptools_matrix": {"pyBigWig"},
    "export_deepchrome_csv": {"pyBigWig"},
    "import_deepchrome_csv": {"pyBigWig"},
    "import_deepchrome_split": {"pyBigWig"},
    "labels": {"pyBigWig"},
    "simulate_bigwigs": {"pyBigWig"},
    "simulate_cohort": {"pyBigWig"},
    "split_genes": {"pyBigWig"},
    "tss_windows": {"pyBigWig"},
    "tss_windows_bed": {"pyBigWig"},
    # The simulator's reference model is a scikit-learn logistic regression.
    "oracle_auroc": {"sklearn", "scipy.stats", "pyBigWig"},
}

PROBE = """
import json, sys
{imports}
print(json.dumps([m for m in {heavy!r} if m in sys.modules]))
"""


def script_imports(path: Path) -> str:
    """The module-level import statements of one workflow script."""
    tree = ast.parse(path.read_text())
    return "\n".join(
        ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
    )


def loaded_heavy(imports: str) -> set[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    code = PROBE.format(imports=imports, heavy=HEAVY)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("script", sorted(p.stem for p in SCRIPTS.glob("*.py")))
def test_script_loads_only_what_its_job_uses(script):
    extra = loaded_heavy(script_imports(SCRIPTS / f"{script}.py")) - ALLOWED.get(script, set())
    assert not extra, f"workflow_scripts/{script}.py loads {sorted(extra)} at start-up"


def test_table_modules_load_no_heavy_library():
    # The modules behind the tables: importing them must not start torch, plotting or sklearn.
    imports = "\n".join(
        f"import {m}"
        for m in (
            "deepchrome2.training.summary",
            "deepchrome2.crosscell.summary",
            "deepchrome2.crosscell.evaluate",
            "deepchrome2.crosscell.pooled",
            "deepchrome2.predict.agreement",
            "deepchrome2.paper",
            "deepchrome2.runner",
            "deepchrome2.interpret.summary",
            "deepchrome2.gan.summary",
        )
    )
    assert loaded_heavy(imports) == set()


def test_figure_modules_load_matplotlib_only():
    # Every module of the figure registry; torch and scikit-learn load only inside the draw
    # functions that read a model or a GAN checkpoint. (pyBigWig comes with the deepTools
    # matrix reader; it is cheap.)
    plots = sorted(p.stem for p in (ROOT / "src/deepchrome2/plots").glob("*.py"))
    imports = "\n".join(f"import deepchrome2.plots.{m}" for m in plots if m != "__init__")
    assert loaded_heavy(imports) <= {"matplotlib", "pyBigWig"}
    assert "matplotlib" in loaded_heavy(imports)


def test_probe_sees_a_heavy_import():
    # The probe itself: a module that does import torch is reported.
    assert "torch" in loaded_heavy("import deepchrome2.training.loop")


def labels_and_scores(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """20-2000 random 0/1 labels (both classes present) and scores; odd seeds round the scores
    to one decimal, so that many are tied."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 2000))
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    p = rng.random(n)
    return y, (np.round(p, 1) if seed % 2 else p)


@pytest.mark.parametrize("seed", range(6))
def test_classification_metrics_match_scikit_learn(seed):
    # The training jobs' NumPy metrics against scikit-learn's, ties included.
    y, p = labels_and_scores(seed)
    got = metrics.classification_metrics(y, p)
    clipped = np.clip(p, 1e-7, 1 - 1e-7)
    assert got["auroc"] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert got["auprc"] == pytest.approx(average_precision_score(y, p), abs=1e-12)
    assert got["loss"] == pytest.approx(log_loss(y, clipped, labels=[0, 1]), abs=1e-12)
    assert got["accuracy"] == pytest.approx(np.mean(y == (p >= 0.5)), abs=0)


@pytest.mark.parametrize("seed", range(6))
def test_curve_points_match_scikit_learn(seed):
    # The ROC figure's NumPy curves against scikit-learn's, point for point, ties included.
    y, p = labels_and_scores(seed)
    n = len(y)
    fpr, tpr = metrics.roc_points(y, p)
    ref_fpr, ref_tpr, _ = roc_curve(y, p, drop_intermediate=False)
    np.testing.assert_allclose(fpr, ref_fpr, rtol=0, atol=1e-12)
    np.testing.assert_allclose(tpr, ref_tpr, rtol=0, atol=1e-12)
    precision, recall = metrics.pr_points(y, p)
    ref_precision, ref_recall, _ = precision_recall_curve(y, p)
    np.testing.assert_allclose(precision, ref_precision, rtol=0, atol=1e-12)
    np.testing.assert_allclose(recall, ref_recall, rtol=0, atol=1e-12)
    with pytest.raises(metrics.SingleClassError):
        metrics.roc_points(np.zeros(n, int), p)


TRAIN_STEPS = """
import sys
import torch
from deepchrome2.training.loop import EAGER_OPTIMIZERS

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Conv1d(5, 8, 10), torch.nn.Flatten(), torch.nn.Linear(728, 2))
opt = EAGER_OPTIMIZERS["adam"](model.parameters(), lr=1e-2)
x, y = torch.randn(32, 5, 100), torch.randint(0, 2, (32,))
for _ in range(3):
    opt.zero_grad(set_to_none=True)
    torch.nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
opt.load_state_dict(opt.state_dict())
print("torch._dynamo" in sys.modules)
"""


def test_training_steps_do_not_import_dynamo():
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run(
        [sys.executable, "-c", TRAIN_STEPS], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("name", "kwargs", "schedule"),
    [("adam", {}, False), ("adam", {}, True), ("sgd", {"momentum": 0.9}, True)],
)
def test_eager_optimizers_match_torch_bit_for_bit(name, kwargs, schedule):
    import torch

    from deepchrome2.training.loop import EAGER_OPTIMIZERS

    def train(cls):
        torch.manual_seed(3)
        model = torch.nn.Sequential(
            torch.nn.Conv1d(5, 8, 10), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(728, 2)
        )
        start = torch.cat([p.detach().flatten() for p in model.parameters()])
        opt = cls(model.parameters(), lr=1e-2, weight_decay=1e-4, **kwargs)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1 / (1 + k)) if schedule else None
        gen = torch.Generator().manual_seed(5)
        for _ in range(15):
            x = torch.randn(64, 5, 100, generator=gen)
            y = torch.randint(0, 2, (64,), generator=gen)
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            if sched is not None:
                sched.step()
        return start, torch.cat([p.detach().flatten() for p in model.parameters()])

    reference = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[name]
    start, mine = train(EAGER_OPTIMIZERS[name])
    _, theirs = train(reference)
    assert not torch.equal(start, mine)  # the steps moved the weights
    assert torch.equal(mine, theirs)
