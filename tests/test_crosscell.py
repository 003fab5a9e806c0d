"""Cross-cell evaluation: training sets, pooled training, leakage check, tables, config."""

from __future__ import annotations

import logging
import re
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from _training_synth import MARKS, make_signal

from deepchrome2 import paper
from deepchrome2.crosscell import (
    config_check,
    evaluate,
    experiment,
    experiments,
    pooled,
    sets,
    summary,
)
from deepchrome2.errors import InputError
from deepchrome2.io import Features, save_features, write_tsv
from deepchrome2.training.artifact import load_trained_set, save_trained
from deepchrome2.training.data import CellData
from deepchrome2.training.job import train_model
from deepchrome2.training.loop import TrainSettings
from deepchrome2.training.transform import Transform

REPO = Path(__file__).resolve().parents[1]
CELLS = ["E001", "E002", "E003", "E004", "E005", "E006"]


# ---------------------------------------------------------------- training sets


def expr_cohort(tmp_path: Path, n_genes: int = 400, seed: int = 0) -> dict[str, Path]:
    """Labels whose log RPKM correlates with E001's less and less: E002 most, E006 least.

    On the test genes the order is reversed, so a ranking that looked at them would differ.
    """
    rng = np.random.default_rng(seed)
    genes = np.array([f"G{i:05d}" for i in range(n_genes)])
    split = np.array(["train", "valid", "test"])[np.arange(n_genes) % 3]
    base = rng.normal(size=n_genes)
    paths = {}
    for i, cell in enumerate(CELLS):
        noise = rng.normal(size=n_genes)
        w_train = 1.0 - 0.18 * i  # E001 1.0 ... E006 0.1
        w_test = 0.1 + 0.18 * i if i else 1.0
        w = np.where(split == "test", w_test, w_train)
        log_rpkm = np.maximum(0, 2 + w * base + (1 - w) * noise)
        paths[cell] = tmp_path / f"{cell}.tsv"
        write_tsv(
            paths[cell],
            pd.DataFrame(
                {"gene_id": genes, "label": (log_rpkm > 2).astype(int), "log_rpkm": log_rpkm}
            ),
        )
    write_tsv(tmp_path / "split.tsv", pd.DataFrame({"gene_id": genes, "split": split}))
    return paths


def test_ranking_uses_training_genes_only(tmp_path):
    labels = expr_cohort(tmp_path)
    expr, column = sets.expression_matrix(labels, tmp_path / "split.tsv")
    assert column == "log_rpkm"
    corr = sets.correlation_matrix(expr)
    assert sets.ranking(corr, "E001") == ["E002", "E003", "E004", "E005", "E006"]
    test_expr, _ = sets.expression_matrix(labels, tmp_path / "split.tsv", subset="test")
    test_corr = sets.correlation_matrix(test_expr)
    assert sets.ranking(test_corr, "E001")[0] == "E006"  # the test genes would rank otherwise


# ---------------------------------------------------------------- synthetic cohort on disk


def write_cells(root: Path, cells: list[str], n_genes: int = 450, n_bins: int = 20) -> dict:
    """Features, labels and feature caches of ``cells`` sharing genes and one split."""
    genes = np.array([f"G{i:05d}" for i in range(n_genes)])
    split = np.array(["train", "valid", "test"])[np.arange(n_genes) % 3]
    write_tsv(root / "split.tsv", pd.DataFrame({"gene_id": genes, "split": split}))
    files = {}
    for i, cell in enumerate(cells):
        X, y, _ = make_signal(n_genes, n_bins, seed=10 + i)
        feats = root / f"{cell}.npz"
        save_features(feats, Features(X, genes, MARKS, np.arange(n_bins) * 100 - n_bins * 50))
        labels = root / f"{cell}.tsv"
        write_tsv(labels, pd.DataFrame({"gene_id": genes, "label": y, "log_rpkm": y * 1.0}))
        cache = root / "cache" / f"{cell}.npy"
        pooled.crosscell_cache(feats, cache)
        files[cell] = (cache, feats, labels)
    return files


def open_all(root: Path, files: dict, split: str = "split.tsv") -> list[pooled.CellRows]:
    return [pooled.open_cell(c, *f, root / split) for c, f in files.items()]


def test_cells_are_memory_mapped_and_pooled_rows_equal_concatenation(tmp_path):
    files = write_cells(tmp_path, ["E001", "E002", "E003"])
    cells = open_all(tmp_path, files)
    for c in cells:
        assert isinstance(c.X, np.memmap) and not c.X.flags.writeable
        assert Path(c.X.filename) == files[c.cell][0].resolve()
    pool = pooled.PooledRows.of(cells, "train")
    concat = np.concatenate([np.asarray(c.X)[c.rows["train"]] for c in cells])
    assert len(pool) == len(concat)
    assert np.array_equal(pool.fill(size=37), concat)
    idx = np.random.default_rng(0).permutation(len(pool))[:100]
    assert np.array_equal(pool.take(idx), concat[idx])
    assert all(np.shares_memory(p, c.X) for p, c in zip(pool.parts, cells, strict=True))
    tf = pooled.fit_transform(pool, "log1p_standardize", size=50)
    ref = Transform("log1p_standardize").fit(concat)
    np.testing.assert_allclose(tf.mean, ref.mean, rtol=1e-5)
    np.testing.assert_allclose(tf.std, ref.std, rtol=1e-5)
    np.testing.assert_allclose(pool.fill(tf.apply), ref.apply(concat), rtol=1e-5, atol=1e-5)


def test_pooling_does_not_copy_the_raw_signal(tmp_path):
    files = write_cells(tmp_path, ["E001", "E002", "E003", "E004"], n_genes=3000, n_bins=40)
    cells = open_all(tmp_path, files)
    pool = pooled.PooledRows.of(cells, "train")
    out_bytes = len(pool) * 5 * 40 * 4
    tracemalloc.start()
    tf = pooled.fit_transform(pool, "log1p_standardize", size=128)
    X = pool.fill(tf.apply, size=128)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert X.nbytes == out_bytes
    # one transformed copy plus a few chunks; a raw concatenation would add another out_bytes
    assert peak < 1.3 * out_bytes
    # the identity transform hands an already transformed array to training without a copy
    assert np.shares_memory(Transform("none").apply(X), X)


def mapped_kb(path: Path) -> int:
    """Resident kB of this process's memory maps of ``path`` (from /proc/self/smaps)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5 and fields[0][0] in "0123456789abcdef":
            inside = fields[-1] == str(path.resolve())
        elif inside and fields[0] == "Rss:":
            total += int(fields[1])
    return total


def test_pooling_releases_the_mapped_pages_of_each_cell(tmp_path):
    files = write_cells(tmp_path, ["E001", "E002"], n_genes=3000, n_bins=40)
    cells = open_all(tmp_path, files)
    caches = [files[c.cell][0] for c in cells]
    concat = np.concatenate([np.array(c.X)[c.rows["train"]] for c in cells])
    # reading a map makes its pages resident in this process: the probe sees them
    assert all(mapped_kb(p) > 100 for p in caches)
    for c in cells:
        pooled.release_pages(c.X)
    assert [mapped_kb(p) for p in caches] == [0, 0]
    pool = pooled.PooledRows.of(cells, "train")
    assert np.array_equal(pool.fill(size=500), concat)  # values unchanged after a release
    assert [mapped_kb(p) for p in caches] == [0, 0]  # and each cell's pages released again
    plain = np.ones((4, 5))
    pooled.release_pages(plain)  # not a memory map: left alone
    assert plain.sum() == 20


def test_pooled_training_equals_training_on_the_concatenation(tmp_path):
    files = write_cells(tmp_path, ["E001", "E002"])
    cells = open_all(tmp_path, files)
    st = TrainSettings(lr=0.01, batch_size=64, max_epochs=3, patience=2, seed=3)
    tm, res = pooled.train_pooled("linear", cells, st, transform="log1p", device="cpu")
    cat = {
        s: np.concatenate([np.asarray(c.X)[c.rows[s]] for c in cells]) for s in ("train", "valid")
    }
    data = CellData(
        X=cat,
        y={s: np.concatenate([c.y[c.rows[s]] for c in cells]) for s in ("train", "valid")},
        genes={s: np.concatenate([c.split_genes(s) for c in cells]) for s in ("train", "valid")},
        marks=MARKS,
        bin_starts=cells[0].bin_starts,
    )
    ref, ref_res = train_model("linear", data, st, transform="log1p", device="cpu")

    def strip(history):
        return [{k: v for k, v in h.items() if k != "seconds"} for h in history]

    assert strip(res.history) == strip(ref_res.history)  # the same batches, the same steps
    X = np.asarray(cells[0].X[:50])
    assert np.array_equal(tm.score(X), ref.score(X))
    assert tm.transform.kind == "log1p"


def test_a_target_track_scores_only_its_own_validation_genes(tmp_path, caplog):
    files = write_cells(tmp_path, ["E001", "E002", "E003", "E004"])
    cells = open_all(tmp_path, files)
    pool, target = cells[:3], cells[3]
    st = TrainSettings(lr=0.01, batch_size=64, max_epochs=4, patience=2, seed=3)
    args = {"settings": st, "transform": "log1p", "device": "cpu", "watched": [target]}
    with caplog.at_level(logging.INFO, logger="deepchrome2.crosscell.pooled"):
        alone = pooled.train_pooled_tracks("linear", pool, {"X": "E004"}, **args)
    n_valid = len(target.rows["valid"])
    assert f"{n_valid} valid genes of 1 cells, 1 tracks" in caplog.text
    # scoring every pooled cell's validation genes beside the target's changes nothing for it
    beside = pooled.train_pooled_tracks(
        "linear", pool, {"X": "E004", "own": "E002", "pool": None}, **args
    )
    assert pooled.scored_cells({"pool": None, "X": "E004"}, pool, cells) == cells
    assert [c.cell for c in pooled.scored_cells({"X": "E004", "o": "E002"}, pool, cells)] == [
        "E002",
        "E004",
    ]
    (tm, res), (tm2, res2) = alone["X"], beside["X"]
    assert res.best_epoch == res2.best_epoch
    assert res.best_valid_auroc == pytest.approx(res2.best_valid_auroc, abs=1e-6)
    X = np.asarray(target.X[:50])
    np.testing.assert_allclose(tm.score(X), tm2.score(X), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- leakage


def test_leakage_check():
    evaluate.check_no_leakage(["a", "b"], ["c"], "ok")
    with pytest.raises(evaluate.GeneLeakageError, match="1 test genes"):
        evaluate.check_no_leakage(["a", "b"], ["b", "c"], "model m")


def run_exclusive(tmp_path: Path, files: dict) -> Path:
    plan = sets.build_plan(list(files), ["E001"], ["exclusive_all"])
    write_tsv(tmp_path / "sets.tsv", plan)
    out = tmp_path / "exp"
    m = experiment.train_crosscell(
        tmp_path / "sets.tsv",
        plan["train_set"].item(),
        list(files),
        [f[0] for f in files.values()],
        [f[1] for f in files.values()],
        [f[2] for f in files.values()],
        tmp_path / "split.tsv",
        out / "models.pt",
        out / "metrics.tsv",
        out / "history.tsv",
        arch="linear",
        settings={"lr": 0.01, "batch_size": 64, "max_epochs": 3, "patience": 2, "seed": 1},
        transform="log1p_standardize",
        device="cpu",
    ).iloc[0]
    assert m["train_cells"] == "E002,E003" and m["auroc"] > 0.7 and m["track"] == "E001"
    # the per-track model, saved as a single-model file for the transfer evaluation
    tm = load_trained_set(out / "models.pt")["E001"]
    assert tm.meta["train_cells"] == "E002,E003" and len(tm.meta["train_genes"]) == 2 * 150
    save_trained(out / "model.pt", tm)
    return out / "model.pt"


@pytest.mark.parametrize("arch", ["linear", "random_forest"])
@pytest.mark.parametrize("target", ["class", "log_rpkm"])
def test_pooled_job_writes_the_predictions_of_every_use(tmp_path, arch, target):
    """One training-set job (inclusive_all, two target cells, one set) writes one table with
    every use's predictions on its target cell; each use's rows give back its test metric."""
    from scipy import stats
    from sklearn.metrics import roc_auc_score

    files = write_cells(tmp_path, ["E001", "E002", "E003"])
    plan = sets.build_plan(list(files), ["E001", "E002"], ["inclusive_all"])
    write_tsv(tmp_path / "sets.tsv", plan)
    tset = plan["train_set"].iloc[0]
    assert (plan["train_set"] == tset).all() and len(plan) == 2
    out = tmp_path / "exp"
    metrics = experiment.train_crosscell(
        tmp_path / "sets.tsv",
        tset,
        list(files),
        [f[0] for f in files.values()],
        [f[1] for f in files.values()],
        [f[2] for f in files.values()],
        tmp_path / "split.tsv",
        out / "models.pt",
        out / "metrics.tsv",
        out / "history.tsv",
        arch=arch,
        settings={"lr": 0.01, "batch_size": 64, "max_epochs": 3, "patience": 2, "seed": 1},
        hparams={"n_estimators": 20} if arch == "random_forest" else None,
        device="cpu",
        target=target,
        predictions_out=out / "predictions.tsv",
    )
    assert list(metrics.columns) == experiment.metric_columns(target)
    pred = pd.read_csv(out / "predictions.tsv", sep="\t", dtype={"target_cell": str})
    output = "p_high" if target == "class" else "pred_log_rpkm"
    assert list(pred.columns) == [
        *["experiment", "target_cell", "track", "gene_id", "split", "label", "log_rpkm", output]
    ]
    assert sorted(set(pred["target_cell"])) == ["E001", "E002"]
    for m in metrics.itertuples():
        use = pred[pred["target_cell"] == m.target_cell]
        assert len(use) == 450 and set(use["track"]) == {m.track}
        test = use[use["split"] == "test"]
        if target == "class":
            assert roc_auc_score(test["label"], test[output]) == pytest.approx(m.auroc, abs=1e-4)
        else:
            r = stats.pearsonr(test["log_rpkm"], test[output]).statistic
            assert r == pytest.approx(m.pearson_r, abs=1e-4) and m.pearson_r > 0.5
    models = load_trained_set(out / "models.pt")
    assert {tm.task.name for tm in models.values()} == {target}


def transfer(tmp_path: Path, files: dict, model: Path, split: str) -> pd.DataFrame:
    return evaluate.transfer_eval(
        model,
        tmp_path / "rows.tsv",
        "E002",
        list(files),
        [f[0] for f in files.values()],
        [f[1] for f in files.values()],
        [f[2] for f in files.values()],
        tmp_path / split,
        device="cpu",
    )


def test_no_gene_leakage_and_the_check_fires_on_a_leaking_split(tmp_path):
    files = write_cells(tmp_path, ["E001", "E002", "E003"])
    model = run_exclusive(tmp_path, files)
    rows = transfer(tmp_path, files, model, "split.tsv")
    assert list(rows["test_cell"]) == list(files) and (rows["auroc"] > 0.7).all()
    sp = pd.read_csv(tmp_path / "split.tsv", sep="\t")
    # another split: some of the model's training genes are now test genes
    moved = sp.copy()
    moved.loc[moved["split"] == "train", "split"] = "test"
    moved.loc[sp["split"] == "test", "split"] = "train"
    write_tsv(tmp_path / "moved.tsv", moved)
    with pytest.raises(evaluate.GeneLeakageError, match="seen in training"):
        transfer(tmp_path, files, model, "moved.tsv")
    # a split listing two training genes a second time, as test genes
    dup = pd.concat([sp, sp[sp["split"] == "train"].head(2).assign(split="test")])
    write_tsv(tmp_path / "dup.tsv", dup)
    with pytest.raises(evaluate.GeneLeakageError, match="2 test genes"):
        transfer(tmp_path, files, model, "dup.tsv")


def test_within_group_transfer_beats_across_group_when_the_groups_map_differs(tmp_path):
    """Two tissue groups whose histone-to-expression maps differ: in group B the promoter
    carries H3K27me3 and the Polycomb domain H3K4me3 (the two channels swapped). The per-cell
    models (rule train's function) and the transfer evaluation must show within-group
    transfer above across-group transfer."""
    from deepchrome2.training.job import train

    groups = {"E001": "A", "E002": "A", "E003": "B", "E004": "B"}
    files = write_cells(tmp_path, list(groups), n_genes=450)
    for cell, (cache, feats, _) in files.items():
        if groups[cell] == "B":
            with np.load(feats) as npz:
                X = npz["X"][:, [4, 1, 2, 3, 0]]  # swap the H3K4me3 and H3K27me3 channels
                f = Features(X, npz["genes"], MARKS, npz["bin_starts"])
            save_features(feats, f)
            pooled.crosscell_cache(feats, cache)
    st = {"lr": 0.01, "batch_size": 64, "max_epochs": 4, "patience": 2, "seed": 1}
    rows = []
    for cell, (_, feats, labels) in files.items():
        out = tmp_path / "models" / cell
        train(
            feats,
            labels,
            tmp_path / "split.tsv",
            out / "model.pt",
            out / "m.json",
            out / "h.tsv",
            arch="linear",
            cell=cell,
            settings=st,
            device="cpu",
        )
        rows.append(tmp_path / f"rows_{cell}.tsv")
        evaluate.transfer_eval(
            out / "model.pt",
            rows[-1],
            cell,
            list(files),
            [f[0] for f in files.values()],
            [f[1] for f in files.values()],
            [f[2] for f in files.values()],
            tmp_path / "split.tsv",
            "cpu",
        )
    m = evaluate.crosscell_table(rows, tmp_path / "cross_cell_linear.tsv", tissue=groups)
    off = m[~m["same_cell"]]
    within = off.loc[off["same_group"], "auroc"].mean()
    across = off.loc[~off["same_group"], "auroc"].mean()
    assert within > across + 0.1, (within, across)
    assert len(m) == 16 and m["same_group"].sum() == 8


@pytest.mark.parametrize("arch", ["deepchrome_avgpool", "linear"])
def test_transfer_matrix_sets_the_paper_beside_its_own_network_only(tmp_path, arch):
    """The paper's test_on_rest AUROC of a pair is its CNN's (deepchrome_avgpool): beside that
    network's transfer rows, off the diagonal; no paper column for another architecture."""
    rows = tmp_path / "rows.tsv"
    pairs = [("E003", "E003", 0.8), ("E003", "E004", 0.7)]
    write_tsv(
        rows,
        pd.DataFrame(
            {
                "arch": arch,
                "train_cell": [a for a, _, _ in pairs],
                "test_cell": [b for _, b, _ in pairs],
                "auroc": [v for _, _, v in pairs],
            }
        ),
    )
    m = evaluate.crosscell_table([rows], tmp_path / f"cross_cell_{arch}.tsv")
    if arch != paper.CROSSCELL_ARCH:
        assert "paper_auroc" not in m
        return
    want = next(
        float(line.split("\t")[3])
        for line in paper.REFERENCE.read_text().splitlines()
        if line.startswith("test_on_rest\tE003\tE004\t")
    )
    assert np.isnan(m.loc[0, "paper_auroc"]) and m.loc[1, "paper_auroc"] == pytest.approx(want)


def test_stale_cache_is_a_clear_error(tmp_path):
    files = write_cells(tmp_path, ["E001"])
    cache, feats, labels = files["E001"]
    np.save(cache, np.zeros((3, 5, 20), dtype=np.float32))
    with pytest.raises(InputError, match="rebuild the cache"):
        pooled.open_cell("E001", cache, feats, labels, tmp_path / "split.tsv")


# ---------------------------------------------------------------- tables


def matrix_rows() -> pd.DataFrame:
    rows = []
    for i, tr in enumerate(CELLS):
        for j, te in enumerate(CELLS):
            rows.append(
                {
                    "arch": "linear",
                    "train_cell": tr,
                    "test_cell": te,
                    "auroc": 0.80 + 0.01 * j - (0.02 if i != j else 0),
                }
            )
    return pd.DataFrame(rows)


def test_experiment_table_baseline_and_finding3():
    trained = pd.DataFrame(
        {
            "arch": "linear",
            "experiment": "exclusive_all",
            "target_cell": CELLS,
            "auroc": [
                0.80 + 0.01 * j + d for j, d in enumerate([0.01, 0.02, -0.005, 0.01, 0.0, 0.015])
            ],
            "n_train_cells": 5,
            "train_cells": "x",
        }
    )
    table = summary.experiments_table(
        matrix_rows(), trained, ["exclusive_all", "test_on_rest"], CELLS, ["linear"]
    )
    assert list(table["experiment"].unique()) == ["per_cell", "exclusive_all", "test_on_rest"]
    base = table[table["experiment"] == "per_cell"].set_index("target_cell")["auroc"]
    np.testing.assert_allclose(base.to_numpy(), 0.80 + 0.01 * np.arange(6))
    rest = table[table["experiment"] == "test_on_rest"].set_index("target_cell")["auroc"]
    j = np.arange(6)
    expected = [np.mean(0.80 + 0.01 * j[j != i] - 0.02) for i in range(6)]
    np.testing.assert_allclose(rest.to_numpy(), expected)
    f3 = summary.finding3_comparison(table, ["linear"]).iloc[0]
    assert f3["mean_delta_auroc"] == pytest.approx(np.mean([0.01, 0.02, -0.005, 0.01, 0.0, 0.015]))
    assert f3["n_cells"] == 6 and 0 < f3["wilcoxon_p"] < 1 and 0 < f3["ttest_p"] < 1
    summ = summary.summary_table(table).set_index("experiment")
    assert summ.loc["exclusive_all", "per_cell_mean_auroc"] == pytest.approx(base.mean())


# ---------------------------------------------------------------- config


def default_config() -> dict:
    return yaml.safe_load((REPO / "config.yaml").read_text())


def test_default_config_passes_the_checks():
    config_check.check_crosscell(default_config())


@pytest.mark.parametrize(
    "change, message",
    [
        ({"targets": ["E003", "E999"]}, "not in the cohort"),
        ({"architectures": ["linear", "nope"]}, "not in train.architectures"),
        (
            {"experiments": ["exclusive_all", "exclusive_best"]},
            "unknown experiments ['exclusive_best']; valid: inclusive_all, exclusive_all,",
        ),
        ({"t_high": 1.2}, "crosscell.t_high: 1.2 is out of range"),
        ({"t_somewhat": -1.5}, "crosscell.t_somewhat: -1.5 is out of range"),
        ({"t_high": 0.5, "t_somewhat": 0.7}, "must contain the high set"),
        ({"sets": "dc2"}, "cell(s) not in the cohort (E"),
        ({"sets": "dc2", "early_stop_on": "training"}, "sets dc2 implies early_stop_on target"),
    ],
)
def test_cross_key_checks(change, message):
    cfg = default_config()
    cfg["crosscell"].update(change)
    with pytest.raises(ValueError, match=re.escape(message)):
        config_check.check_crosscell(cfg)


def test_schema_checks_thresholds_and_the_registry_checks_names():
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    cfg = default_config()
    validate(cfg, str(REPO / "schemas" / "config.schema.yaml"))
    cfg["crosscell"]["t_somewhat"] = 1.5
    with pytest.raises(WorkflowError, match="1.5"):
        validate(cfg, str(REPO / "schemas" / "config.schema.yaml"))
    # experiment names: the registry is the one list (the schema has no enum to drift)
    assert set(experiments.NAMES) == set(paper.CROSSCELL_SETTINGS)
    with pytest.raises(ValueError, match="unknown cross-cell experiment 'best'; valid: incl"):
        experiments.get("best")
