"""Tables and figures over training results, and the train config checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from deepchrome2.errors import InputError
from deepchrome2.plots import registry
from deepchrome2.plots.per_cell import representative_cells
from deepchrome2.training.config_check import arch_hparams, arch_settings, check_architectures
from deepchrome2.training.summary import (
    architecture_table,
    collect_metrics,
    finding1,
    paired_comparison,
    per_cell_auroc,
    training_tables,
)

CELLS = ["E003", "E004", "E005", "E062", "E034", "E045", "E071", "E074"]


def _metrics(tmp_path, archs=("linear", "deepchrome", "mlp"), delta=0.01):
    """metrics.json + history.tsv per (arch, cell); deepchrome = linear + delta + i/1000."""
    paths = []
    for a, arch in enumerate(archs):
        for i, cell in enumerate(CELLS):
            auc = 0.8 + 0.01 * i + (delta + i / 1000 if arch == "deepchrome" else 0) + a / 100
            d = tmp_path / arch / cell
            d.mkdir(parents=True)
            m = {
                "arch": arch,
                "cell": cell,
                "auroc": auc,
                "auprc": auc - 0.05,
                "accuracy": 0.7,
                "loss": 0.5,
                "best_epoch": 2 + i % 3,
                "epochs": 7 + i % 3,
                "train_seconds": 1.0 + a,
                "n_parameters": [12, 644177, 10][a],
            }
            (d / "metrics.json").write_text(json.dumps(m))
            pd.DataFrame(
                {
                    "epoch": [1, 2, 3],
                    "train_loss": [0.7, 0.6, 0.5],
                    "valid_loss": [0.7, 0.6, 0.65],
                    "valid_auroc": [0.7, 0.8, 0.79],
                    "seconds": [0.1] * 3,
                }
            ).to_csv(d / "history.tsv", sep="\t", index=False)
            paths.append(d / "metrics.json")
    return paths


def test_per_cell_table_is_cell_by_arch_with_oracle(tmp_path):
    m = collect_metrics(_metrics(tmp_path))
    oracle = pd.DataFrame({"cell": CELLS, "oracle_auroc": np.linspace(0.9, 0.95, 8)})
    t = per_cell_auroc(m, oracle, architectures=["mlp", "linear", "deepchrome"], cells=CELLS)
    assert list(t.columns) == ["cell", "mlp", "linear", "deepchrome", "oracle_auroc"]
    assert list(t["cell"]) == CELLS
    assert t.loc[2, "linear"] == pytest.approx(0.82)
    assert t.loc[7, "oracle_auroc"] == pytest.approx(0.95)


def test_architecture_table(tmp_path):
    t = architecture_table(collect_metrics(_metrics(tmp_path)), ["linear", "deepchrome", "mlp"])
    lin = t.set_index("architecture").loc["linear"]
    assert lin["n_parameters"] == 12 and lin["n_cells"] == 8
    assert lin["mean_auroc"] == pytest.approx(0.835)
    assert lin["median_auroc"] == pytest.approx(0.835)
    assert lin["mean_epochs"] == pytest.approx(np.mean([7 + i % 3 for i in range(8)]))
    assert list(t["architecture"]) == ["linear", "deepchrome", "mlp"]


def test_finding1_paired_tests(tmp_path):
    row = finding1(_metrics(tmp_path), tmp_path / "f1.tsv").iloc[0]
    # deepchrome - linear = 0.01 + 0.01 + i/1000 for every cell: all 8 positive
    assert row["n_cells"] == 8 and row["n_cells_a_better"] == 8
    assert row["mean_delta_auroc"] == pytest.approx(0.02 + 0.0035)
    assert row["wilcoxon_p"] == pytest.approx(2 / 2**8)  # exact two-sided, all signs agree
    assert row["ttest_p"] < 1e-6 and row["ci95_low"] < 0.0235 < row["ci95_high"]
    back = pd.read_csv(tmp_path / "f1.tsv", sep="\t")
    assert back.loc[0, "comparison"] == "deepchrome - linear"


def test_finding1_has_a_row_per_linear_baseline(tmp_path):
    """DeepChrome 2.0's Finding 1 is about its best linear model (the max aggregator): each
    linear model trained gets its own row, in the order given."""
    paths = _metrics(tmp_path, archs=("linear", "deepchrome", "linear_max"), delta=0.0075)
    finding1(paths, tmp_path / "f1.tsv", baselines=["linear", "linear_max"])
    back = pd.read_csv(tmp_path / "f1.tsv", sep="\t")
    assert list(back["comparison"]) == ["deepchrome - linear", "deepchrome - linear_max"]
    assert list(back["baseline"]) == ["linear", "linear_max"]
    # per cell i: linear 0.80 + 0.01 i, deepchrome 0.8175 + 0.011 i, linear_max 0.82 + 0.01 i
    assert back["mean_delta_auroc"].tolist() == pytest.approx([0.021, 0.001])
    assert back["n_cells_a_better"].tolist() == [8, 5]  # the max beats it on cells 0-2
    assert back["mean_auroc_baseline"].tolist() == pytest.approx([0.835, 0.855])
    assert back["mean_auroc_deepchrome"].tolist() == pytest.approx([0.856] * 2)
    assert (back["wilcoxon_p"] > 0.05).tolist() == [False, True]


def test_linear_vs_deepchrome_draws_each_linear_model(tmp_path):
    """The scatter draws one series per linear model: the second one's colour (C1, orange) is
    in the image only when it is given."""
    from matplotlib.image import imread

    from deepchrome2.plots.per_cell import scatter_pair

    m = collect_metrics(_metrics(tmp_path, archs=("linear", "deepchrome", "linear_max")))
    orange = np.array([1.0, 0x7F / 255, 0x0E / 255])

    def orange_pixels(xs: list[str], name: str) -> int:
        scatter_pair(m, tmp_path / f"{name}.pdf", tmp_path / f"{name}.png", xs=xs)
        rgb = imread(tmp_path / f"{name}.png")[..., :3]
        return int((np.abs(rgb - orange).max(axis=-1) < 0.02).sum())

    assert orange_pixels(["linear"], "one") == 0
    assert orange_pixels(["linear", "linear_max"], "two") > 50
    assert (tmp_path / "two.pdf").stat().st_size > 1000


def test_finding1_with_no_difference_reports_nan_p(tmp_path):
    m = collect_metrics(_metrics(tmp_path, delta=0))
    m.loc[m["arch"] == "deepchrome", "auroc"] = m.loc[m["arch"] == "linear", "auroc"].to_numpy()
    row = paired_comparison(m)
    assert row["mean_delta_auroc"] == 0 and np.isnan(row["wilcoxon_p"])


def test_write_tables_and_bad_oracle(tmp_path):
    paths = _metrics(tmp_path)
    bad = tmp_path / "oracle.tsv"
    bad.write_text("cell\tauc\nE003\t0.9\n")
    with pytest.raises(InputError, match="oracle table needs columns"):
        training_tables(paths, tmp_path / "a.tsv", tmp_path / "b.tsv", oracle=bad)
    training_tables(paths, tmp_path / "a.tsv", tmp_path / "b.tsv")
    assert pd.read_csv(tmp_path / "a.tsv", sep="\t").shape == (8, 4)


@pytest.mark.parametrize("name", [n for n in registry.of_stage("training") if n != "ours_vs_paper"])
def test_figures_written_as_pdf_and_png(tmp_path, name):
    paths = _metrics(tmp_path)
    oracle = tmp_path / "oracle.tsv"
    pd.DataFrame({"cell": CELLS, "oracle_auroc": 0.9}).to_csv(oracle, sep="\t", index=False)
    # per-gene predictions of each architecture on one cell (the ROC figure)
    rng = np.random.default_rng(0)
    label = rng.integers(0, 2, 200)
    predictions = []
    for arch in ("linear", "deepchrome", "mlp"):
        predictions.append(tmp_path / f"{arch}.tsv")
        pd.DataFrame(
            {
                "gene_id": [f"g{i}" for i in range(200)],
                "split": "test",
                "label": label,
                "p_high": np.clip(0.3 * label + rng.uniform(0, 0.7, 200), 0, 1),
            }
        ).to_csv(predictions[-1], sep="\t", index=False)
    pdf, png = tmp_path / f"{name}.pdf", tmp_path / f"{name}.png"
    job = registry.FigureJob(
        input={"metrics": paths, "oracle": oracle, "predictions": predictions},
        params={"order": ["linear", "deepchrome", "mlp"], "metric": "auroc"},
        wildcards={"cell": CELLS[0]},
        pdf=pdf,
        png=png,
    )
    registry.plot_figure(name, job)
    assert pdf.read_bytes()[:4] == b"%PDF"
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_representative_cell_is_the_median_one(tmp_path):
    rep = representative_cells(collect_metrics(_metrics(tmp_path)))
    assert rep["linear"] in {"E034", "E062"}  # AUROCs 0.83/0.84 straddle the median 0.835


def _config():
    with open(Path(__file__).parents[1] / "config.yaml") as fh:
        return yaml.safe_load(fh)


def test_default_config_architectures_are_valid():
    check_architectures(_config())


def test_unknown_architecture_is_rejected_with_valid_names():
    cfg = _config()
    cfg["train"]["architectures"] = ["linear", "resnet50"]
    with pytest.raises(
        ValueError,
        match="unknown architecture 'resnet50' in train.architectures; valid: .*deepchrome.*linear",
    ):
        check_architectures(cfg)
    cfg["train"]["architectures"] = ["linear"]
    cfg["train"]["per_arch"] = {"lenet": {"lr": 0.1}}
    with pytest.raises(ValueError, match="unknown architecture 'lenet' in train.per_arch"):
        check_architectures(cfg)
    cfg["train"]["per_arch"] = {"deepchrom": {"lr": 0.1}}  # a typo: the nearest name is named
    with pytest.raises(ValueError, match=r"'deepchrom' in train.per_arch \(did you mean 'deep"):
        check_architectures(cfg)


def test_unknown_hparam_is_rejected():
    cfg = _config()
    cfg["train"]["per_arch"] = {"deepchrome": {"hparams": {"n_filter": 3}}}
    with pytest.raises(ValueError, match="unknown hyperparameter 'n_filter'.*valid: .*n_filters"):
        check_architectures(cfg)
    with pytest.raises(ValueError, match=r"hparams \(did you mean 'n_filters'\?\)"):
        check_architectures(cfg)


def test_per_arch_overrides():
    cfg = _config()
    cfg["train"]["per_arch"] = {"mlp": {"lr": 0.01, "hparams": {"dropout": 0.2}}}
    assert arch_settings(cfg, "mlp")["lr"] == 0.01
    assert arch_settings(cfg, "deepchrome")["lr"] == 1e-3  # the fast recipe's
    assert arch_settings(cfg, "mlp")["seed"] == cfg["train"]["seed"]
    assert arch_hparams(cfg, "mlp") == {"dropout": 0.2}
    assert arch_hparams(cfg, "linear") == {}


def test_training_plan_targets_follow_the_config():
    from deepchrome2.training.workflow import TrainingPlan

    cfg = _config()
    plan = TrainingPlan(cfg, ["E003", "E004"], "simulate")
    t = plan.targets()
    assert "results/models/deepchrome/E004/metrics.json" in t
    assert "results/tables/finding1_linear_vs_cnn.tsv" in t
    assert "results/figures/auroc_vs_oracle.png" in t
    assert plan.tables_input(None)["oracle"] == "results/tables/oracle_auroc.tsv"
    cfg["train"]["architectures"] = ["mlp"]
    plan = TrainingPlan(cfg, ["E003"], "files")
    t = plan.targets()
    assert not any("finding1" in x or "oracle" in x or "linear_vs" in x for x in t)
    assert "oracle" not in plan.tables_input(None)


def test_finding1_is_planned_against_every_linear_model_trained():
    from deepchrome2.training.workflow import TrainingPlan

    cfg = _config()
    cfg["train"]["architectures"] = ["linear_max", "mlp", "deepchrome", "linear_min"]
    plan = TrainingPlan(cfg, ["E003"], "simulate")
    assert plan.finding1_baselines == ["linear_max", "linear_min"]
    assert "results/tables/finding1_linear_vs_cnn.tsv" in plan.targets()
    assert plan.pair_input(None)["metrics"] == [
        f"results/models/{a}/E003/metrics.json" for a in ("linear_max", "linear_min", "deepchrome")
    ]
    cfg["train"]["architectures"] = ["linear", "linear_max"]  # no CNN: no Finding 1
    assert not any("finding1" in x for x in TrainingPlan(cfg, ["E003"], "simulate").targets())


def test_unreadable_or_incomplete_metrics_name_the_file(tmp_path):
    good = _metrics(tmp_path, archs=("linear",))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(InputError, match=r"broken\.json: cannot read metrics"):
        collect_metrics([*good, broken])
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"arch": "linear", "auroc": 0.8}))
    with pytest.raises(InputError, match=r"partial\.json: metrics lack cell$"):
        collect_metrics([*good, partial])
    with pytest.raises(InputError, match=r"missing\.json: cannot read metrics"):
        collect_metrics([tmp_path / "missing.json"])
