"""Cross-cell training sets as the paper has them: the registry, dc2 and correlation sets,
deduplicated training jobs, per-target early stopping, empty sets and the paper's AUROC."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from _training_synth import make_signal
from test_crosscell import CELLS, expr_cohort, write_cells

from deepchrome2 import models, paper
from deepchrome2.crosscell import experiment, sets, summary
from deepchrome2.io import write_tsv
from deepchrome2.training.loop import (
    TrainSettings,
    fit_torch,
    fit_torch_tracks,
    seed_everything,
    validation_interval,
)

REPO = Path(__file__).resolve().parents[1]
DC2_JSON = REPO / "resources/deepchrome2_paper/dc2_experiment_sets.json"
TRAINED = [
    "inclusive_all",
    "exclusive_all",
    "inclusive_high",
    "exclusive_high",
    "inclusive_somewhat",
    "exclusive_somewhat",
    "inclusive_random",
    "exclusive_random",
]


def corr_of(tmp_path):
    expr, _ = sets.expression_matrix(expr_cohort(tmp_path), tmp_path / "split.tsv")
    return sets.correlation_matrix(expr)


# ---------------------------------------------------------------- correlation sets


def test_correlation_sets_follow_the_thresholds(tmp_path):
    corr = corr_of(tmp_path)
    plan = sets.build_plan(
        CELLS, CELLS, TRAINED + ["test_on_rest"], corr=corr, t_high=0.6, t_somewhat=0.3,
        k_random=3, seed=5,
    )  # fmt: skip
    get = {(r.target_cell, r.experiment): r.train_cells.split(",") for r in plan.itertuples()}
    sizes = []
    for x in CELLS:
        others = [c for c in CELLS if c != x]
        r = corr.loc[x, others]
        assert set(get[(x, "exclusive_high")]) - {""} == set(r[r >= 0.6].index)
        assert set(get[(x, "exclusive_somewhat")]) - {""} == set(r[r >= 0.3].index)
        assert set(get[(x, "inclusive_high")]) == set(r[r >= 0.6].index) | {x}
        assert set(get[(x, "inclusive_somewhat")]) == set(r[r >= 0.3].index) | {x}
        assert set(get[(x, "exclusive_all")]) == set(others)
        assert set(get[(x, "inclusive_all")]) == set(CELLS)
        # random: k_random cells in both variants, X in the inclusive one only
        assert len(get[(x, "exclusive_random")]) == 3 and x not in get[(x, "exclusive_random")]
        assert len(get[(x, "inclusive_random")]) == 3 and x in get[(x, "inclusive_random")]
        assert get[(x, "test_on_rest")] == [x]
        sizes.append(len(r[r >= 0.6]))
    assert min(sizes) < max(sizes)  # the thresholds give sizes that vary by target (0 too)


def test_random_sets_are_seeded_and_take_all_others_when_fewer(tmp_path):
    corr = corr_of(tmp_path)

    def draw(seed, k=2):
        return sets.build_plan(CELLS, CELLS, ["exclusive_random"], corr=corr, k_random=k, seed=seed)

    assert draw(0).equals(draw(0))
    assert len({tuple(draw(s)["train_cells"]) for s in range(6)}) > 1
    every = draw(0, k=8)  # 5 other cells only: all of them
    assert (every["n_train_cells"] == 5).all()


def test_labels_are_the_expression_vector_without_log_rpkm(tmp_path):
    labels = expr_cohort(tmp_path)
    for path in labels.values():
        df = pd.read_csv(path, sep="\t")
        write_tsv(path, df.assign(log_rpkm=np.nan))
    expr, column = sets.expression_matrix(labels, tmp_path / "split.tsv")
    assert column == "label"
    assert set(np.unique(expr.to_numpy())) == {0, 1}
    corr = sets.correlation_matrix(expr)
    assert sets.ranking(corr, "E001")[0] == "E002"


# ---------------------------------------------------------------- set IDs, dedup, the plan


def test_set_id_is_the_sorted_cell_list():
    assert sets.set_id(["E004", "E003"]) == sets.set_id(["E003", "E004"])
    assert sets.set_id(["E003", "E004"]) != sets.set_id(["E003", "E005"])
    assert re.fullmatch(r"2c-[0-9a-f]{10}", sets.set_id(["E003", "E004"]))


def test_inclusive_all_is_one_training_set_for_all_targets():
    plan = sets.build_plan(CELLS[:4], CELLS[:4], ["inclusive_all", "exclusive_all"])
    incl = plan[plan["experiment"] == "inclusive_all"]
    assert incl["train_set"].nunique() == 1 and (incl["track"] == sets.POOLED).all()
    excl = plan[plan["experiment"] == "exclusive_all"]
    assert excl["train_set"].nunique() == 4 and list(excl["track"]) == CELLS[:4]
    ts = sets.training_sets(plan)
    assert len(ts) == 5
    # early stopping on the training cells: every use watches the pooled validation genes
    plan_t = sets.build_plan(CELLS[:4], CELLS[:4], ["exclusive_all"], early_stop_on="training")
    assert (plan_t["track"] == sets.POOLED).all()


def test_dc2_plan_has_the_papers_runs_and_339_training_sets():
    raw = json.loads(DC2_JSON.read_text())
    cohort = raw["inclusive_all"]["train"]
    assert len(cohort) == 55
    plan = sets.build_plan(cohort, cohort, TRAINED, sets="dc2")
    # 386 runs: inclusive_all once, the seven per-target experiments for 55 cells
    runs = 1 + (len(plan) - 55)
    assert runs == 386
    empty = sets.empty_sets(plan)
    assert len(empty) == 20
    assert empty["experiment"].value_counts().to_dict() == {
        "exclusive_high": 16,
        "exclusive_somewhat": 4,
    }
    assert sets.training_sets(plan)["train_set"].nunique() == 339
    # every set is the paper's list, in any order
    for r in plan.sample(40, random_state=1).itertuples():
        key = (
            "inclusive_all"
            if r.experiment == "inclusive_all"
            else f"{r.experiment}_{r.target_cell}"
        )
        assert sorted(raw[key]["train"]) == (r.train_cells.split(",") if r.train_cells else [])
    notice = sets.empty_notice(plan)
    assert notice.startswith("cross-cell: 20 empty training sets are skipped")


def test_dc2_set_naming_a_cell_outside_the_cohort_is_refused():
    cohort = json.loads(DC2_JSON.read_text())["inclusive_all"]["train"]
    target = "E003"
    need = set(sets.load_dc2_sets()[f"exclusive_high_{target}"])
    gone = sorted(need)[0]
    small = [c for c in cohort if c != gone]
    with pytest.raises(
        ValueError,
        match=rf"exclusive_high of {target} trains on 1 cell\(s\) not in the cohort \({gone}\)",
    ):
        sets.build_plan(small, [target], ["exclusive_high"], sets="dc2")
    with pytest.raises(ValueError, match="the paper has no exclusive_high run for target E999"):
        sets.build_plan([*cohort, "E999"], ["E999"], ["exclusive_high"], sets="dc2")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"t_high": 1.01}, "crosscell.t_high: 1.01 is out of range"),
        ({"t_somewhat": -2}, "crosscell.t_somewhat: -2 is out of range"),
        ({"t_high": 0.3, "t_somewhat": 0.4}, "t_somewhat <= t_high"),
        ({"k_random": 0}, "crosscell.k_random: 0"),
        ({"sets": "paper"}, "valid: dc2, correlation"),
        ({"early_stop_on": "test"}, "valid: target, training"),
    ],
)
def test_bad_plan_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        sets.build_plan(CELLS, CELLS, ["exclusive_all"], **kwargs)
    with pytest.raises(ValueError, match="unknown experiments \\['best'\\]; valid: inclusive_all"):
        sets.build_plan(CELLS, CELLS, ["best"])


# ---------------------------------------------------------------- per-target early stopping


def test_tracked_run_equals_separate_runs_early_stopped_on_each_track():
    X, y, _ = make_signal(600, 20, seed=4)
    Xtr, ytr, Xv, yv = X[:300], y[:300], X[300:], y[300:]
    tracks = {"a": np.arange(0, 100), "b": np.arange(100, 300), "all": None}
    st = TrainSettings(lr=0.05, batch_size=32, max_epochs=12, patience=2, seed=9)

    def fresh():
        seed_everything(st.seed)
        return models.build("linear", X.shape[1], X.shape[2])

    together = fit_torch_tracks(fresh(), Xtr, ytr, Xv, yv, tracks, st)
    epochs = []
    for name, rows in tracks.items():
        sel = slice(None) if rows is None else rows
        alone = fresh()
        res = fit_torch(alone, Xtr, ytr, Xv[sel], yv[sel], st)
        got, state = together[name]
        assert got.best_epoch == res.best_epoch
        assert got.best_valid_auroc == pytest.approx(res.best_valid_auroc, abs=1e-12)
        assert got.epochs_run == res.epochs_run
        for k, v in alone.state_dict().items():
            assert torch.equal(state[k], v), (name, k)
        epochs.append(res.epochs_run)
    # the run went on until the last track's patience was spent
    assert max(epochs) == max(len(r.history) for r, _ in together.values())


def test_one_job_serves_every_use_of_its_training_set(tmp_path):
    files = write_cells(tmp_path, ["E001", "E002", "E003"])
    cohort = list(files)
    corr = pd.DataFrame(np.ones((3, 3)), index=cohort, columns=cohort)
    # every pair correlates perfectly: inclusive_high of every target is all three cells,
    # the same training set as inclusive_all
    plan = sets.build_plan(cohort, cohort, ["inclusive_all", "inclusive_high"], corr=corr)
    assert plan["train_set"].nunique() == 1
    write_tsv(tmp_path / "sets.tsv", plan)
    settings = {"lr": 0.02, "batch_size": 64, "max_epochs": 6, "patience": 2, "seed": 1}

    def run(plan_path, out):
        return experiment.train_crosscell(
            plan_path,
            plan["train_set"].iloc[0],
            cohort,
            [f[0] for f in files.values()],
            [f[1] for f in files.values()],
            [f[2] for f in files.values()],
            tmp_path / "split.tsv",
            out / "models.pt",
            out / "metrics.tsv",
            out / "history.tsv",
            arch="linear",
            settings=settings,
            device="cpu",
        )

    m = run(tmp_path / "sets.tsv", tmp_path / "all")
    assert len(m) == 6 and set(m["track"]) == {"pooled", *cohort}
    hist = pd.read_csv(tmp_path / "all/history.tsv", sep="\t", dtype={"track": str})
    assert set(hist["track"]) == {"pooled", *cohort}
    # a plan with E002's use alone gives the same model for E002
    write_tsv(tmp_path / "one.tsv", plan[plan["track"] == "E002"])
    alone = run(tmp_path / "one.tsv", tmp_path / "one")
    both = m[m["track"] == "E002"].reset_index(drop=True)
    pd.testing.assert_frame_equal(both, alone.reset_index(drop=True))


# ---------------------------------------------------------------- tables: NA rows, the paper


def paper_value(setting: str, model_cell: str, test_cell: str) -> float:
    """A value of the reference table, read line by line (not through the loader)."""
    for line in paper.REFERENCE.read_text().splitlines()[1:]:
        s, m, t, v = line.split("\t")
        if (s, m, t) == (setting, model_cell, test_cell):
            return float(v)
    raise KeyError((setting, model_cell, test_cell))


def test_empty_sets_are_na_rows_and_the_paper_sits_beside_ours():
    cohort = ["E003", "E004", "E005"]
    matrix = pd.DataFrame(
        [
            {"arch": "linear", "train_cell": a, "test_cell": b, "auroc": 0.7 + 0.01 * i + 0.001 * j}
            for i, a in enumerate(cohort)
            for j, b in enumerate(cohort)
        ]
    )
    plan = sets.build_plan(
        cohort, cohort, ["exclusive_high", "inclusive_all"], corr=pd.DataFrame(
            np.eye(3), index=cohort, columns=cohort), t_high=0.9,
    )  # fmt: skip
    assert (plan.loc[plan["experiment"] == "exclusive_high", "n_train_cells"] == 0).all()
    archs = ["deepchrome_avgpool", "linear"]  # the paper's cross-cell network, and another
    trained = pd.DataFrame(
        {
            "arch": np.repeat(archs, 3),
            "experiment": "inclusive_all",
            "target_cell": cohort * 2,
            "auroc": [0.8, 0.81, 0.82] * 2,
            "n_train_cells": 3,
            "train_cells": ",".join(cohort),
        }
    )
    trained = pd.concat([trained, summary.empty_rows(plan, archs)], ignore_index=True)
    matrix = pd.concat([matrix, matrix.assign(arch="deepchrome_avgpool")], ignore_index=True)
    exps = ["inclusive_all", "exclusive_high", "test_on_rest"]
    table = summary.experiments_table(matrix, trained, exps, cohort, archs)
    table = summary.with_paper(table, cohort, paper.load_reference())
    # the paper trained only its CNN across cells: no paper value beside another network
    assert table.loc[table["arch"] == "linear", "paper_auroc"].isna().all()
    both = summary.summary_table(table, paper.load_reference()).set_index(["arch", "experiment"])
    assert both.loc[("linear", "inclusive_all"), ["paper_mean_auroc", "n_shared"]].isna().all()
    assert both.loc[("deepchrome_avgpool", "inclusive_all"), "n_shared"] == 3
    table = table[table["arch"] == "deepchrome_avgpool"].reset_index(drop=True)
    na = table[table["experiment"] == "exclusive_high"]
    assert len(na) == 3 and na["auroc"].isna().all()
    row = table[(table["experiment"] == "inclusive_all") & (table["target_cell"] == "E004")]
    assert row["paper_auroc"].item() == pytest.approx(paper_value("inclusive_all", "", "E004"))
    ex = table[(table["experiment"] == "exclusive_high") & (table["target_cell"] == "E003")]
    assert ex["paper_auroc"].item() == pytest.approx(paper_value("exclusive_high", "E003", "E003"))
    rest = table[(table["experiment"] == "test_on_rest") & (table["target_cell"] == "E005")]
    expected = np.mean([paper_value("test_on_rest", "E005", c) for c in ("E003", "E004")])
    assert rest["paper_auroc"].item() == pytest.approx(expected)
    summ = summary.summary_table(table, paper.load_reference()).set_index("experiment")
    assert summ.loc["exclusive_high", "n_cells"] == 0
    assert summ.loc["exclusive_high", "n_empty_sets"] == 3
    incl = summ.loc["inclusive_all"]
    ours = [0.8, 0.81, 0.82]
    theirs = [paper_value("inclusive_all", "", c) for c in cohort]
    assert incl["mean_diff_vs_paper"] == pytest.approx(np.mean(np.subtract(ours, theirs)))
    assert incl["n_shared"] == 3 and incl["paper_n_cells"] == 55
    # cells that are not the paper's: no paper columns at all
    other = table.assign(target_cell=table["target_cell"].str.replace("E", "X"))
    assert "paper_auroc" not in summary.with_paper(
        other.drop(columns=["paper_auroc", "delta_vs_paper"]), cohort, paper.load_reference()
    )


def test_validating_every_cell_of_a_pool_takes_the_same_steps_and_stops_sooner():
    X, y, _ = make_signal(740, 20, seed=5)
    Xtr, ytr, Xv, yv = X[:640], y[:640], X[640:], y[640:]
    tracks = {"t": None}
    base = {"lr": 0.05, "batch_size": 32, "max_epochs": 3, "seed": 9}

    def run(**kw):
        seed_everything(9)
        model = models.build("linear", X.shape[1], X.shape[2])
        return fit_torch_tracks(model, Xtr, ytr, Xv, yv, tracks, TrainSettings(**{**base, **kw}))

    # four cells of 160 training genes pooled; the target's 100 validation genes are fewer
    st_cell = {"valid_every": "cell", "cell_rows": 160}
    assert validation_interval(TrainSettings(**base, **st_cell), 640, 100) == 160
    assert validation_interval(TrainSettings(**base, **st_cell), 640, 300) == 320  # 300 -> batches
    assert (
        validation_interval(TrainSettings(**base, valid_every="epoch", cell_rows=160), 640, 1)
        == 640
    )
    assert validation_interval(TrainSettings(**base, valid_every="cell"), 640, 1) == 640

    per_epoch = run(valid_every="epoch", patience=100)["t"][0].history
    per_cell = run(patience=100, **st_cell)["t"][0].history
    assert [h["epoch"] for h in per_epoch] == [1, 2, 3]
    assert [h["epoch"] for h in per_cell] == [
        0.25,
        0.5,
        0.75,
        1,
        1.25,
        1.5,
        1.75,
        2,
        2.25,
        2.5,
        2.75,
        3,
    ]
    # the same batches in the same order: at each epoch's end, the same model
    ends = [h for h in per_cell if h["epoch"] in (1, 2, 3)]
    for a, b in zip(per_epoch, ends, strict=True):
        assert a["valid_auroc"] == pytest.approx(b["valid_auroc"], abs=1e-12)
        assert a["valid_loss"] == pytest.approx(b["valid_loss"], abs=1e-9)
    # patience counts validations, at least one epoch's: 4 cells' worth of genes here, not 2
    res, _ = run(patience=2, **st_cell)["t"]
    assert res.epochs_run == pytest.approx(res.best_epoch + 1) or res.epochs_run == 3
    res, _ = run(patience=6, max_epochs=30, **{**st_cell, "cell_rows": 128})["t"]
    assert res.epochs_run == pytest.approx(res.best_epoch + 1.2)  # 6 validations of 5 a pass
    res_epoch, _ = run(valid_every="epoch", patience=2)["t"]
    assert res_epoch.epochs_run == res_epoch.best_epoch + 2 or res_epoch.epochs_run == 3
