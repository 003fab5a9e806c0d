"""Training: data checks, transform, loop (early stopping, determinism), metrics, artifacts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from _training_synth import make_cell, write_cohort
from sklearn.metrics import roc_auc_score

from deepchrome2 import models
from deepchrome2.errors import InputError
from deepchrome2.training.artifact import load_trained, save_trained
from deepchrome2.training.data import load_cell
from deepchrome2.training.job import train, train_model
from deepchrome2.training.loop import TrainSettings, evaluate, fit_torch, seed_everything
from deepchrome2.training.metrics import SingleClassError, auroc, classification_metrics
from deepchrome2.training.transform import Transform


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def test_load_cell_splits_genes(tmp_path):
    p = write_cohort(tmp_path, n_genes=90)
    data = load_cell(p["features"], p["labels"], p["split"])
    assert data.sizes() == {"train": 30, "valid": 30, "test": 30}
    assert data.X["train"].shape == (30, 5, 20) and data.X["train"].dtype == np.float32
    assert list(data.genes["valid"][:2]) == ["G00001", "G00004"]


def test_labels_in_other_gene_order_name_both_files(tmp_path):
    p = write_cohort(tmp_path, n_genes=90)
    lab = pd.read_csv(p["labels"], sep="\t")
    lab.iloc[[3, 4]] = lab.iloc[[4, 3]].to_numpy()
    lab.to_csv(p["labels"], sep="\t", index=False)
    with pytest.raises(InputError, match="gene order differs") as err:
        load_cell(p["features"], p["labels"], p["split"])
    assert err.value.path == str(p["labels"]) and str(p["features"]) in str(err.value)


def test_labels_with_other_gene_count_name_both_files(tmp_path):
    p = write_cohort(tmp_path, n_genes=90)
    lab = pd.read_csv(p["labels"], sep="\t")
    lab.iloc[:-1].to_csv(p["labels"], sep="\t", index=False)
    with pytest.raises(InputError, match="89 genes but features .* have 90") as err:
        load_cell(p["features"], p["labels"], p["split"])
    assert err.value.path == str(p["labels"])


def test_gene_missing_from_split_is_an_error(tmp_path):
    p = write_cohort(tmp_path, n_genes=90)
    split = pd.read_csv(p["split"], sep="\t")
    split.iloc[1:].to_csv(p["split"], sep="\t", index=False)
    with pytest.raises(InputError, match="1 genes have no split"):
        load_cell(p["features"], p["labels"], p["split"])


def test_single_class_split_is_a_clear_error(tmp_path):
    p = write_cohort(tmp_path, n_genes=90)
    lab = pd.read_csv(p["labels"], sep="\t")
    split = pd.read_csv(p["split"], sep="\t")
    lab.loc[split["split"] == "valid", "label"] = 1
    lab.to_csv(p["labels"], sep="\t", index=False)
    out = tmp_path / "out"
    with pytest.raises(InputError, match=r"split 'valid' hold a single class \(1, 30 genes\)"):
        train(
            p["features"],
            p["labels"],
            p["split"],
            out / "model.pt",
            out / "metrics.json",
            out / "history.tsv",
            arch="linear",
            cell="E003",
            settings={"max_epochs": 1},
        )
    assert not out.exists()  # nothing partial written


def test_auroc_of_one_class_raises_not_nan():
    with pytest.raises(SingleClassError):
        auroc(np.zeros(10, dtype=int), np.linspace(0, 1, 10))


def test_classification_metrics_values():
    y = np.array([0, 0, 1, 1])
    m = classification_metrics(y, np.array([0.1, 0.6, 0.4, 0.9]))
    assert m["auroc"] == pytest.approx(0.75)
    assert m["accuracy"] == pytest.approx(0.5)
    assert m["loss"] == pytest.approx(-np.mean(np.log([0.9, 0.4, 0.4, 0.9])))


def test_transform_is_fitted_on_training_genes_only():
    data, _ = make_cell(n_genes=300)
    data.X["valid"] = data.X["valid"] * 50 + 7  # would shift any statistic that saw them
    data.X["test"] = data.X["test"] * 50 + 7
    tm, _ = train_model("linear", data, TrainSettings(max_epochs=1, seed=1))
    Z = np.log1p(data.X["train"].astype(np.float64))
    np.testing.assert_allclose(tm.transform.mean, Z.mean(axis=(0, 2)), rtol=1e-5)
    np.testing.assert_allclose(tm.transform.std, Z.std(axis=(0, 2)), rtol=1e-5)
    T = tm.transform.apply(data.X["train"])
    np.testing.assert_allclose(T.mean(axis=(0, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(T.std(axis=(0, 2)), 1, atol=1e-4)


def test_transform_rejects_negative_signal_for_log1p():
    with pytest.raises(ValueError, match="non-negative"):
        Transform().fit(-np.ones((3, 2, 4), dtype=np.float32))


def test_early_stopping_restores_the_best_epoch():
    # Training labels depend on marks a (large scale, learned fast) and b (small scale, slow);
    # validation labels on a only. Starting from a wrong-signed weight on b, the validation
    # AUROC peaks when that weight crosses zero and falls as it keeps growing.
    rng = np.random.default_rng(0)

    def genes(n):
        a, b = rng.normal(0, 3, n), rng.normal(0, 0.3, n)
        return np.stack([a, b], 1)[:, :, None].astype(np.float32), a, b

    Xt, a, b = genes(600)
    yt = (a / 3 + b / 0.3 > 0).astype(np.int64)
    Xv, a, _ = genes(600)
    yv = (a > 0).astype(np.int64)
    settings = TrainSettings(lr=0.01, batch_size=32, max_epochs=60, patience=4, seed=0)
    seed_everything(settings.seed)
    model = models.build("linear", 2, 1)
    with torch.no_grad():
        model.fc.weight.zero_()
        model.fc.bias.zero_()
        model.fc.weight[1, 1] = -2.0
    res = fit_torch(model, Xt, yt, Xv, yv, settings)
    h = pd.DataFrame(res.history)
    assert 1 < res.best_epoch < res.epochs_run
    assert res.epochs_run == res.best_epoch + settings.patience < settings.max_epochs
    assert res.best_epoch == int(h["valid_auroc"].idxmax()) + 1
    assert h["valid_auroc"].iloc[-1] < res.best_valid_auroc - 0.005
    _, restored = evaluate(model, torch.from_numpy(Xv), torch.from_numpy(yv))
    assert restored == pytest.approx(res.best_valid_auroc, abs=1e-12)


def _train_once(seed: int):
    data, _ = make_cell(n_genes=300)
    tm, res = train_model("deepchrome", data, TrainSettings(max_epochs=3, patience=3, seed=seed))
    return tm, res, data


def test_cpu_training_is_bit_identical_on_rerun():
    tm1, res1, data = _train_once(5)
    tm2, res2, _ = _train_once(5)
    sd1, sd2 = tm1.model.state_dict(), tm2.model.state_dict()
    assert sd1.keys() == sd2.keys()
    assert all(torch.equal(sd1[k], sd2[k]) for k in sd1)
    drop = ["seconds"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(res1.history).drop(columns=drop), pd.DataFrame(res2.history).drop(columns=drop)
    )
    np.testing.assert_array_equal(tm1.score(data.X["test"]), tm2.score(data.X["test"]))
    tm3, _, _ = _train_once(6)  # and the seed matters
    assert not torch.equal(
        sd1["fc.0.weight"] if "fc.0.weight" in sd1 else next(iter(sd1.values())),
        tm3.model.state_dict()[next(iter(sd1))],
    )


def test_cuda_seeding_asks_for_deterministic_kernels_attention_included():
    """On CUDA, attention runs on the plain-math kernel, the one with a deterministic backward.
    In a subprocess: the switches are global to the process."""
    code = (
        "import torch; from deepchrome2.training.loop import seed_everything; "
        "b = torch.backends.cuda; "
        "assert b.flash_sdp_enabled() and b.mem_efficient_sdp_enabled(), 'defaults changed'; "
        "seed_everything(3, 'cpu'); assert b.flash_sdp_enabled(), 'CPU run touched CUDA'; "
        "seed_everything(3, 'cuda'); "
        "assert torch.are_deterministic_algorithms_enabled(); "
        "assert not torch.backends.cudnn.benchmark and torch.backends.cudnn.deterministic; "
        "assert not (b.flash_sdp_enabled() or b.mem_efficient_sdp_enabled()), 'fused attention'; "
        "assert not b.cudnn_sdp_enabled() and b.math_sdp_enabled()"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1] / "src"))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("arch", [a for a in models.available() if models.kind(a) == "torch"])
def test_cuda_training_is_bit_identical_on_rerun(arch):
    """Two CUDA runs from one seed give the same weights, and no kernel on the way warns that
    it has no deterministic implementation."""
    data, _ = make_cell(n_genes=300)
    settings = TrainSettings(max_epochs=2, patience=2, batch_size=32, seed=5)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*deterministic implementation.*")
        runs = [train_model(arch, data, settings, device="cuda")[0] for _ in range(2)]
    assert runs[0].device.type == "cuda"
    sd1, sd2 = (tm.model.state_dict() for tm in runs)
    assert all(torch.equal(sd1[k], sd2[k]) for k in sd1)


@pytest.mark.parametrize(("arch", "lr"), [("linear", 0.01), ("deepchrome", 0.001)])
def test_model_beats_chance_and_stays_below_the_oracle(arch, lr):
    data, activity = make_cell(n_genes=1500, n_bins=40, seed=11)
    tm, _ = train_model(arch, data, TrainSettings(lr=lr, max_epochs=15, patience=3, seed=2))
    model_auc = roc_auc_score(data.y["test"], tm.score(data.X["test"]))
    oracle_auc = roc_auc_score(data.y["test"], activity)
    print(f"{arch}: test AUROC {model_auc:.4f}, oracle {oracle_auc:.4f}")
    assert model_auc > 0.8
    assert model_auc < oracle_auc


def test_train_cell_writes_model_metrics_history(tmp_path):
    p = write_cohort(tmp_path, n_genes=300)
    out = tmp_path / "models" / "linear" / "E003"
    m = train(
        p["features"],
        p["labels"],
        p["split"],
        out / "model.pt",
        out / "metrics.json",
        out / "history.tsv",
        arch="linear",
        cell="E003",
        settings={"max_epochs": 4, "patience": 2, "seed": 1, "lr": 0.01},
    )
    on_disk = json.loads((out / "metrics.json").read_text())
    assert on_disk == m
    assert on_disk["n_parameters"] == 12 and on_disk["n_test"] == 100
    hist = pd.read_csv(out / "history.tsv", sep="\t")
    # no wall-clock column in the written files: two runs write identical ones
    assert list(hist.columns) == ["epoch", "train_loss", "valid_loss", "valid_auroc", "lr"]
    assert not {"train_seconds", "seconds"} & set(on_disk)
    assert len(hist) == m["epochs"] and 1 <= m["best_epoch"] <= m["epochs"]
    assert m["valid_auroc"] == pytest.approx(hist["valid_auroc"].max())
    tm = load_trained(out / "model.pt")
    data = load_cell(p["features"], p["labels"], p["split"])
    assert roc_auc_score(data.y["test"], tm.score(data.X["test"])) == pytest.approx(m["auroc"])


@pytest.mark.parametrize("arch", models.available())
def test_every_architecture_trains_and_reloads(arch, tmp_path):
    data, _ = make_cell(n_genes=90, n_bins=100)
    tm, res = train_model(arch, data, TrainSettings(max_epochs=1, batch_size=32, seed=1))
    assert res.epochs_run == 1
    save_trained(tmp_path / "model.pt", tm)
    # Reloaded onto the device it was trained on (a GPU where there is one): the same kernels
    # must then give the same probabilities. The CPU's and a GPU's kernels differ in rounding.
    back = load_trained(tmp_path / "model.pt", device=tm.device)
    assert back.device == tm.device
    assert back.arch == arch and back.hparams == tm.hparams
    p = back.predict_proba(data.X["test"])
    assert p.shape == (30, 2)
    np.testing.assert_allclose(p.sum(axis=1), 1, atol=1e-6)
    np.testing.assert_allclose(p, tm.predict_proba(data.X["test"]), atol=1e-6)


def test_load_trained_rejects_other_files(tmp_path):
    bad = tmp_path / "model.pt"
    torch.save({"x": 1}, bad)
    with pytest.raises(InputError, match="not a deepchrome2.model/1 model file"):
        load_trained(bad)
    with pytest.raises(InputError, match="model file not found"):
        load_trained(tmp_path / "missing.pt")
