"""Training recipes: the settings each preset resolves to, and what the loop does with them."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from _training_synth import make_signal

from deepchrome2 import models
from deepchrome2.training.config_check import arch_settings, check_architectures
from deepchrome2.training.data import CellData
from deepchrome2.training.job import train_model
from deepchrome2.training.loop import TrainSettings, fit_torch, make_optimizer, make_schedule

CONFIG = Path(__file__).resolve().parents[1] / "config.yaml"


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def config(**train) -> dict:
    cfg = yaml.safe_load(CONFIG.read_text())
    cfg["train"] = {"architectures": ["linear", "deepchrome"], "seed": 7, "threads": 1, **train}
    return cfg


def test_dc2_recipe_is_the_papers() -> None:
    s = arch_settings(config(recipe="dc2"), "deepchrome")
    # DeepChrome 2.0: SGD, no momentum, lr 1e-3, per-step cosine, batch 32, <= 100 epochs,
    # early stop when 15 epochs in a row fail to improve validation AUROC, raw values.
    assert (s["optimizer"], s["momentum"], s["lr"]) == ("sgd", 0.0, 1e-3)
    assert (s["schedule"], s["lr_min"]) == ("cosine", 1e-6)
    # patience 15: every published run's command.txt, with main_better_testing.py stopping at
    # the 15th epoch in a row without a better validation AUROC (>= patience)
    assert (s["batch_size"], s["max_epochs"], s["patience"]) == (32, 100, 15)
    assert (s["transform"], s["weight_decay"], s["restarts"]) == ("none", 0.0, 1)
    assert s["valid_every"] == "epoch"  # the authors' script validates after every epoch
    assert arch_settings(config(recipe="dc2"), "linear_max")["restarts"] == 5
    assert arch_settings(config(recipe="dc2"), "linear")["lr"] == 1e-3


def test_fast_recipe_is_the_default() -> None:
    for cfg in (config(), config(recipe="fast")):
        s = arch_settings(cfg, "deepchrome")
        assert (s["optimizer"], s["lr"], s["schedule"]) == ("adam", 1e-3, "constant")
        assert (s["batch_size"], s["max_epochs"], s["patience"]) == (128, 30, 5)
        assert (s["transform"], s["restarts"], s["recipe"]) == ("log1p_standardize", 1, "fast")
        assert s["valid_every"] == "epoch"
        assert arch_settings(cfg, "linear")["lr"] == 0.05
    assert arch_settings(config(valid_every="cell"), "deepchrome")["valid_every"] == "cell"


def test_precedence_recipe_then_train_then_per_arch() -> None:
    cfg = config(
        recipe="fast",
        batch_size=64,
        per_arch={"deepchrome": {"recipe": "dc2", "max_epochs": 7}, "linear": {"lr": 0.2}},
    )
    dc = arch_settings(cfg, "deepchrome")
    assert (dc["recipe"], dc["optimizer"], dc["max_epochs"]) == ("dc2", "sgd", 7)
    assert dc["batch_size"] == 64  # train: key beats the recipe
    lin = arch_settings(cfg, "linear")
    assert (lin["recipe"], lin["lr"], lin["batch_size"]) == ("fast", 0.2, 64)


def test_unknown_recipe_or_aggregator_lists_valid_names() -> None:
    with pytest.raises(ValueError, match=r"train.recipe: unknown recipe 'paper'; valid: dc2, fast"):
        check_architectures(config(recipe="paper"))
    cfg = config(per_arch={"linear": {"recipe": "slow"}})
    with pytest.raises(ValueError, match=r"train.per_arch.linear.recipe: unknown recipe 'slow'"):
        check_architectures(cfg)
    cfg = config(per_arch={"linear": {"hparams": {"aggregator": "mode"}}})
    with pytest.raises(
        ValueError,
        match=r"train.per_arch.linear.hparams: unknown aggregator 'mode'; "
        r"valid: mean, max, median, sum, min",
    ):
        check_architectures(cfg)
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'; valid: adam, sgd"):
        TrainSettings(optimizer="rmsprop")


def test_optimizers() -> None:
    model = models.build("linear", 5, 20)
    sgd = make_optimizer(
        model, TrainSettings.from_dict(arch_settings(config(recipe="dc2"), "linear"))
    )
    assert isinstance(sgd, torch.optim.SGD)
    assert sgd.param_groups[0]["momentum"] == 0.0 and sgd.param_groups[0]["lr"] == 1e-3
    adam = make_optimizer(model, TrainSettings.from_dict(arch_settings(config(), "deepchrome")))
    assert isinstance(adam, torch.optim.Adam) and adam.param_groups[0]["lr"] == 1e-3


def test_cosine_schedule_per_step() -> None:
    s = TrainSettings(optimizer="sgd", lr=1e-3, schedule="cosine", lr_min=1e-6, max_epochs=4)
    opt = make_optimizer(torch.nn.Linear(2, 2), s)
    sched = make_schedule(opt, s, steps_per_epoch=5)
    lrs = []
    for _ in range(20):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    for t, lr in enumerate(lrs):
        assert lr == pytest.approx(1e-6 + (1e-3 - 1e-6) * (1 + math.cos(math.pi * t / 20)) / 2)
    assert opt.param_groups[0]["lr"] == pytest.approx(1e-6)
    assert make_schedule(opt, TrainSettings(), 5) is None


def _data(n: int = 150, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    X, y, _ = make_signal(n, n_bins=20, seed=seed)
    return X, y


def test_loop_steps_at_the_recipe_batch_size() -> None:
    X, y = _data(100)
    Xv, yv = _data(60, seed=1)
    s = TrainSettings.from_dict(
        {**arch_settings(config(recipe="dc2"), "deepchrome"), "max_epochs": 3}
    )
    assert s.batch_size == 32
    res = fit_torch(models.build("linear", 5, 20), X, y, Xv, yv, s)
    steps = math.ceil(100 / 32)  # 4 steps per epoch, 12 in all
    for row in res.history:
        t = row["epoch"] * steps
        want = 1e-6 + (1e-3 - 1e-6) * (1 + math.cos(math.pi * t / (3 * steps))) / 2
        assert row["lr"] == pytest.approx(want)
    fast = TrainSettings.from_dict({**arch_settings(config(), "deepchrome"), "max_epochs": 2})
    res = fit_torch(models.build("linear", 5, 20), X, y, Xv, yv, fast)
    assert [row["lr"] for row in res.history] == [1e-3, 1e-3]


def _cell(n: int = 240) -> CellData:
    X, y, _ = make_signal(n, n_bins=20, seed=3)
    idx = {
        "train": slice(0, n // 2),
        "valid": slice(n // 2, 3 * n // 4),
        "test": slice(3 * n // 4, n),
    }
    genes = np.array([f"G{i:05d}" for i in range(n)])
    return CellData(
        X={k: X[v] for k, v in idx.items()},
        y={k: y[v] for k, v in idx.items()},
        genes={k: genes[v] for k, v in idx.items()},
        marks=["H3K4me3", "H3K4me1", "H3K36me3", "H3K9me3", "H3K27me3"],
        bin_starts=np.arange(20) * 100,
    )


def test_restarts_keep_the_best_validation_auroc() -> None:
    data = _cell()
    base = dict(lr=0.01, max_epochs=3, patience=3, seed=11)
    runs = [
        train_model("linear", data, TrainSettings(**{**base, "seed": 11 + r}))[1] for r in range(4)
    ]
    aurocs = [r.best_valid_auroc for r in runs]
    best = int(np.argmax(aurocs))
    assert best != 0 and len(set(aurocs)) == 4  # the restarts differ; the first is not kept
    tm, res = train_model("linear", data, TrainSettings(**base, restarts=4))
    assert res.restart == best
    assert res.best_valid_auroc == runs[best].best_valid_auroc
    ref, _ = train_model("linear", data, TrainSettings(**{**base, "seed": 11 + best}))
    assert torch.equal(tm.model.fc.weight, ref.model.fc.weight)
