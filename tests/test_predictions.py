"""Per-gene predictions, the regression target and predict-only mode, without the workflow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from _training_synth import MARKS, make_signal
from scipy import stats

from deepchrome2 import models
from deepchrome2.errors import InputError
from deepchrome2.io import Features, save_features, write_tsv
from deepchrome2.predict.agreement import prediction_agreement
from deepchrome2.predict.apply import predict_new_cell
from deepchrome2.training import task as tasks
from deepchrome2.training.artifact import load_trained, save_trained, save_trained_set
from deepchrome2.training.job import cell_predictions, evaluate_test, train_model
from deepchrome2.training.loop import TrainSettings

TORCH_ARCHS = [a for a in models.available() if models.kind(a) == "torch"]
FAST = TrainSettings(lr=0.01, batch_size=64, max_epochs=15, patience=4, seed=3)


@pytest.fixture(autouse=True, scope="module")
def _one_thread(one_torch_thread):
    yield


def regression_cell(seed: int = 0):
    """A synthetic cell (genes split 1:1:1 in turn) whose log RPKM is the latent activity that
    shapes the signal plus noise; also the oracle r of the activity on the test genes."""
    from deepchrome2.training.data import CellData, arrays_by_split

    X, y, activity = make_signal(600, 20, seed)
    rng = np.random.default_rng(seed + 100)
    log_rpkm = 2.0 + activity + rng.normal(scale=0.4, size=len(y))
    genes = np.array([f"G{i:05d}" for i in range(len(y))])
    split_of = {g: ("train", "valid", "test")[i % 3] for i, g in enumerate(genes)}
    Xs, ys, gs = arrays_by_split(X, y, genes, split_of)
    order = np.arange(len(y)) % 3
    v = {s: log_rpkm[order == i] for i, s in enumerate(("train", "valid", "test"))}
    data = CellData(Xs, ys, gs, list(MARKS), np.arange(20) * 100, v)
    oracle = stats.pearsonr(activity[order == 2], v["test"]).statistic
    return data, oracle


@pytest.mark.parametrize("arch", TORCH_ARCHS)
def test_every_torch_architecture_gets_a_one_output_head(arch):
    torch.manual_seed(0)
    cls = models.build(arch, 5, 100)
    torch.manual_seed(0)
    reg = models.build(arch, 5, 100, n_outputs=1)
    x = torch.randn(3, 5, 100)
    cls.eval(), reg.eval()
    assert cls(x).shape == (3, 2) and reg(x).shape == (3, 1)
    # only the final layer changed: one output's weights and bias fewer
    last = [m for m in reg.modules() if isinstance(m, torch.nn.Linear)][-1]
    assert models.n_parameters(cls) - models.n_parameters(reg) == last.in_features + 1


def test_regression_head_needs_a_two_logit_final_layer():
    from deepchrome2.models._base import set_output_width

    with pytest.raises(TypeError, match="no final Linear layer with 2 outputs"):
        set_output_width(torch.nn.Sequential(torch.nn.Linear(4, 3)), 1)


def test_random_forest_regressor_fits_a_continuous_target():
    rng = np.random.default_rng(0)
    X = rng.gamma(2.0, 1.0, size=(800, 5, 20))
    y = X[:, 0].mean(axis=1) * 2 - X[:, 4].mean(axis=1)
    rf = models.build("random_forest", 5, 20, n_outputs=1, n_estimators=50)
    pred = rf.fit(X[:600], y[:600]).predict(X[600:])
    assert pred.shape == (200,)
    # r was 0.78-0.87 over data seeds 0-4
    assert stats.pearsonr(pred, y[600:]).statistic > 0.65
    with pytest.raises(TypeError):
        rf.predict_proba(X[:2])


def test_unknown_target_is_named_with_the_valid_ones():
    with pytest.raises(ValueError, match=r"config target: unknown target 'rpkm'; valid: class"):
        tasks.get("rpkm")


@pytest.mark.parametrize("arch", ["linear", "deepchrome", "random_forest"])
def test_regression_learns_log_rpkm_and_reloads_identically(tmp_path, arch):
    data, oracle = regression_cell()
    tm, res = train_model(arch, data, FAST, target="log_rpkm")
    assert tm.target["name"] == "log_rpkm" and res.best_epoch >= 1
    m = evaluate_test(tm, data)
    assert set(m) == {"pearson_r", "spearman_r", "mse"}
    assert 0.6 < m["pearson_r"] < oracle, (m, oracle)
    # predictions are on the log RPKM scale (the saved standardization is undone)
    pred = tm.score(data.X["test"])
    assert abs(pred.mean() - data.log_rpkm["test"].mean()) < 0.3
    truth = data.log_rpkm["test"]
    assert m["mse"] == pytest.approx(np.mean((pred - truth) ** 2))
    assert m["pearson_r"] == pytest.approx(np.corrcoef(pred, truth)[0, 1])
    # Spearman r is Pearson r of the ranks (ties at their mean rank)
    ranks = np.corrcoef(pd.Series(pred).rank(), pd.Series(truth).rank())[0, 1]
    assert m["spearman_r"] == pytest.approx(ranks)
    assert m["spearman_r"] != pytest.approx(m["pearson_r"], abs=1e-6)
    save_trained(tmp_path / "model.pt", tm)
    back = load_trained(tmp_path / "model.pt", device=tm.device)  # the same kernels as `pred`
    np.testing.assert_array_equal(back.score(data.X["test"]), pred)
    with pytest.raises(TypeError, match="predicts values"):
        back.predict_proba(data.X["test"])


def test_class_predictions_table_covers_every_gene_with_its_split(tmp_path):
    data, _ = regression_cell()
    tm, _ = train_model("linear", data, FAST)
    df = cell_predictions(tm, data)
    assert list(df.columns) == ["gene_id", "split", "label", "log_rpkm", "p_high"]
    assert len(df) == sum(len(g) for g in data.genes.values()) and df["gene_id"].is_unique
    test = df[df["split"] == "test"]
    np.testing.assert_array_equal(test["gene_id"], data.genes["test"])
    np.testing.assert_array_equal(test["label"], data.y["test"])
    np.testing.assert_allclose(test["p_high"], tm.score(data.X["test"]))
    assert df["p_high"].between(0, 1).all()


def _write_preds(path, genes, split, p):
    write_tsv(path, pd.DataFrame({"gene_id": genes, "split": split, "p_high": p}))
    return path


def test_agreement_of_hand_made_predictions(tmp_path):
    genes = np.array([f"G{i}" for i in range(6)])
    split = np.array(["train", "test", "test", "test", "test", "valid"])
    # test genes G1..G4: calls a = 1,1,0,0 and b = 1,0,0,1 -> agree on 2 of 4
    a = np.array([0.9, 0.8, 0.7, 0.2, 0.1, 0.5])
    b = np.array([0.1, 0.6, 0.4, 0.3, 0.55, 0.5])
    # another cell: b's rows in reverse order, so genes must be matched by ID
    pa = _write_preds(tmp_path / "a_E1.tsv", genes, split, a)
    pb = _write_preds(tmp_path / "b_E1.tsv", genes[::-1], split[::-1], b[::-1])
    df = prediction_agreement([pa, pb], ["a", "b"], ["E1"], tmp_path / "agree.tsv")
    row = df.iloc[0]
    assert (row["arch_a"], row["arch_b"], row["n_test"]) == ("a", "b", 4)
    assert row["call_agreement"] == pytest.approx(0.5)
    assert row["pearson_r"] == pytest.approx(np.corrcoef(a[1:5], b[1:5])[0, 1])
    assert row["spearman_r"] == pytest.approx(stats.spearmanr(a[1:5], b[1:5]).statistic)
    back = pd.read_csv(tmp_path / "agree.tsv", sep="\t")
    assert back["call_agreement"].tolist() == [0.5]


def test_roc_figure_names_a_predictions_file_with_one_class_of_test_genes(tmp_path):
    from deepchrome2.plots.predictions import roc_pr_figure

    genes = np.array([f"G{i}" for i in range(4)])
    path = tmp_path / "linear_E1.tsv"
    df = pd.DataFrame(
        {
            "gene_id": genes,
            "split": ["train", "test", "test", "valid"],
            "label": [0, 1, 1, 0],  # both test genes are high
            "log_rpkm": 1.0,
            "p_high": [0.2, 0.7, 0.6, 0.1],
        }
    )
    write_tsv(path, df)
    pdf, png = tmp_path / "roc.pdf", tmp_path / "roc.png"
    with pytest.raises(InputError, match="linear_E1.tsv.*single class"):
        roc_pr_figure([path], ["linear"], "E1", pdf, png)
    assert not pdf.exists() and not png.exists()


def test_agreement_refuses_predictions_over_different_test_genes(tmp_path):
    genes = np.array(["G1", "G2", "G3"])
    pa = _write_preds(tmp_path / "a.tsv", genes, ["test"] * 3, [0.1, 0.5, 0.9])
    pb = _write_preds(tmp_path / "b.tsv", genes, ["test", "test", "valid"], [0.1, 0.5, 0.9])
    with pytest.raises(InputError, match="test genes differ"):
        prediction_agreement([pa, pb], ["a", "b"], ["E1"], tmp_path / "agree.tsv")
    assert not (tmp_path / "agree.tsv").exists()


@pytest.fixture
def saved_model(tmp_path):
    data, _ = regression_cell()
    tm, _ = train_model("linear", data, FAST)
    save_trained(tmp_path / "model.pt", tm)
    genes = np.concatenate([data.genes[s] for s in ("train", "valid", "test")])
    X = np.concatenate([data.X[s] for s in ("train", "valid", "test")])
    split = np.concatenate([[s] * len(data.genes[s]) for s in ("train", "valid", "test")])
    write_tsv(tmp_path / "split.tsv", pd.DataFrame({"gene_id": genes, "split": split}))
    return tmp_path, tm, genes, X


def _features(path, genes, X, marks):
    save_features(path, Features(X, genes, list(marks), np.arange(X.shape[2]) * 100))
    return path


def test_predict_new_cell_applies_the_saved_transform(saved_model):
    root, tm, genes, X = saved_model
    # a new cell with a different signal scale: refitting the transform on it would change
    # the scores, applying the saved one must give exactly the model's own scores
    X_new = X * 3.0
    feats = _features(root / "new.npz", genes, X_new, MARKS)
    df = predict_new_cell(root / "model.pt", feats, root / "split.tsv", root / "out.tsv")
    assert list(df.columns) == ["gene_id", "split", "class", "p_high"]
    np.testing.assert_allclose(df["p_high"], tm.score(X_new), rtol=0, atol=0)
    assert (df["class"] == (df["p_high"] >= 0.5)).all()
    refit = tm.transform.__class__(tm.transform.kind).fit(X_new)
    assert not np.allclose(refit.mean, tm.transform.mean)


def test_predict_new_cell_refuses_marks_in_another_order(saved_model):
    root, _, genes, X = saved_model
    swapped = [MARKS[1], MARKS[0], *MARKS[2:]]
    feats = _features(root / "new.npz", genes, X, swapped)
    with pytest.raises(InputError, match="differ from the model's"):
        predict_new_cell(root / "model.pt", feats, root / "split.tsv", root / "out.tsv")
    assert not (root / "out.tsv").exists()


def test_predict_new_cell_takes_a_track_of_a_cross_cell_models_file(saved_model):
    root, tm, genes, X = saved_model
    # a pooled job's models.pt: one model per early-stopping track
    data, _ = regression_cell()
    other, _ = train_model("linear", data, TrainSettings(**{**vars(FAST), "seed": 5}))
    save_trained_set(root / "models.pt", {"E001": tm, "pooled": other})
    feats = _features(root / "new.npz", genes, X, MARKS)
    for track, model in (("E001", tm), ("pooled", other)):
        df = predict_new_cell(
            root / "models.pt", feats, root / "split.tsv", root / "out.tsv", track=track
        )
        np.testing.assert_allclose(df["p_high"], model.score(X), rtol=0, atol=0)
    assert not np.allclose(tm.score(X), other.score(X))
    (root / "out.tsv").unlink()
    with pytest.raises(InputError, match="no model for early-stopping track E009"):
        predict_new_cell(
            root / "models.pt", feats, root / "split.tsv", root / "out.tsv", track="E009"
        )
    assert not (root / "out.tsv").exists()
    # a single-model file is not a models file of a training set
    with pytest.raises(InputError, match="not a"):
        predict_new_cell(
            root / "model.pt", feats, root / "split.tsv", root / "out.tsv", track="E001"
        )


@pytest.mark.parametrize("kind", ["missing", "text", "folder"])
def test_predict_new_cell_refuses_a_missing_or_non_model_file(saved_model, kind):
    root, _, genes, X = saved_model
    feats = _features(root / "new.npz", genes, X, MARKS)
    bad = root / "bad.pt"
    if kind == "text":
        bad.write_text("not a model\n")
    elif kind == "folder":
        bad.mkdir()
    with pytest.raises(InputError) as err:
        predict_new_cell(bad, feats, root / "split.tsv", root / "out.tsv")
    assert str(bad) in str(err.value) and "\n" not in str(err.value)
    assert not (root / "out.tsv").exists()


def test_regression_needs_log_rpkm_the_class_target_does_not(tmp_path):
    from _training_synth import write_cohort

    from deepchrome2.training.job import train

    paths = write_cohort(tmp_path, n_genes=300)
    lab = pd.read_csv(paths["labels"], sep="\t")
    lab["log_rpkm"] = np.nan  # as in the DeepChrome archive, which has no RPKM
    write_tsv(paths["labels"], lab)
    settings = {"lr": 0.01, "batch_size": 64, "max_epochs": 2, "patience": 1, "seed": 1}
    out = {k: tmp_path / "out" / k for k in ("model.pt", "metrics.json", "history.tsv", "p.tsv")}
    args = [paths["features"], paths["labels"], paths["split"], *list(out.values())[:3]]
    with pytest.raises(InputError, match="column 'log_rpkm' needs a number for every gene"):
        train(*args, "linear", "E003", settings, target="log_rpkm", predictions_out=out["p.tsv"])
    assert not any(p.exists() for p in out.values())
    m = train(*args, "linear", "E003", settings, predictions_out=out["p.tsv"])
    pred = pd.read_csv(out["p.tsv"], sep="\t")
    assert m["target"] == "class" and pred["log_rpkm"].isna().all() and len(pred) == 300
