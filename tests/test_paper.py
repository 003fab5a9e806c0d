"""Tests of the DeepChrome 2.0 reference table and the comparison with our numbers."""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deepchrome2 import models, paper
from deepchrome2.errors import InputError
from deepchrome2.plots.paper import ours_vs_paper
from deepchrome2.training.summary import paper_comparison, training_tables

REPO = Path(__file__).resolve().parents[1]
TSV = REPO / "resources" / "deepchrome2_paper" / "dc2_test_auroc.tsv"


def raw_rows() -> list[dict[str, str]]:
    with TSV.open() as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_lookup_matches_the_file() -> None:
    rows = raw_rows()
    assert len(rows) == 3889
    for row in rows[::97]:
        got = paper.paper_auroc(row["setting"], row["model_cell"], row["test_cell"])
        assert got == pytest.approx(float(row["test_auroc"]), abs=0)
    # first data line of the file: deepchrome E003 E003 0.635894
    assert paper.paper_auroc("deepchrome", "E003") == 0.635894


def test_absent_cell_is_nan_and_unknown_setting_lists_valid() -> None:
    assert math.isnan(paper.paper_auroc("deepchrome", "E999"))
    assert math.isnan(paper.paper_auroc("linear_max", "E003", "E004"))
    with pytest.raises(
        ValueError, match="unknown DeepChrome 2.0 setting 'deepchrome_avg'; valid: "
    ) as err:
        paper.paper_auroc("deepchrome_avg", "E003")
    assert "deepchrome_FC" in str(err.value) and "test_on_rest" in str(err.value)


def test_setting_means_are_the_published_ones() -> None:
    # Mean test AUROC per setting as listed in the reference's README (3 decimals).
    published = {
        "deepchrome_avgpool": 0.771,
        "deepchrome": 0.770,
        "deepchrome_strided": 0.762,
        "mlp": 0.777,
        "linear": 0.776,
        "linear_max": 0.792,
        "linear_median": 0.755,
        "linear_sum": 0.791,
        "linear_min": 0.506,
    }
    ref = paper.per_cell_reference(list(published) + ["transformer"])
    assert "transformer" not in set(ref["arch"])
    means = ref.groupby("arch")["paper_auroc"].mean()
    for arch, value in published.items():
        assert means[arch] == pytest.approx(value, abs=5e-4), arch
    assert (ref.groupby("arch").size()[["deepchrome", "mlp"]] == 55).all()


def test_every_mapped_architecture_exists_and_setting_is_in_the_file() -> None:
    settings = {r["setting"] for r in raw_rows()}
    for arch, setting in paper.SETTING_OF_ARCH.items():
        assert arch in models.available()
        assert setting in settings
    assert set(paper.CROSSCELL_SETTINGS) <= settings


def test_comparison_pairs_shared_cells_only() -> None:
    ref = paper.per_cell_reference(["deepchrome", "transformer"])
    paper_e003 = paper.paper_auroc("deepchrome_maxpool", "E003")
    paper_e004 = paper.paper_auroc("deepchrome_maxpool", "E004")
    ours = pd.DataFrame(
        {
            "arch": ["deepchrome"] * 3 + ["transformer"],
            "cell": ["E003", "E004", "E999", "E003"],
            "auroc": [0.80, 0.70, 0.90, 0.5],
        }
    )
    out = paper.comparison(ours, ref)
    assert list(out["architecture"]) == ["deepchrome"]
    row = out.iloc[0]
    assert row["paper_setting"] == "deepchrome_maxpool"
    assert (row["n_cells_ours"], row["n_cells_paper"], row["n_shared"]) == (3, 55, 2)
    assert row["mean_auroc_ours"] == pytest.approx(0.8)
    diff = ((0.80 - paper_e003) + (0.70 - paper_e004)) / 2
    assert row["mean_diff"] == pytest.approx(diff)
    assert row["mean_auroc_paper"] == pytest.approx(0.770239, abs=1e-6)


def test_modified_reference_is_rejected(tmp_path: Path) -> None:
    copy = tmp_path / "dc2_test_auroc.tsv"
    shutil.copy(TSV, copy)
    assert len(paper.load_reference(copy)) == 3889  # an unchanged copy is accepted
    copy = tmp_path / "edited" / "dc2_test_auroc.tsv"
    copy.parent.mkdir()
    shutil.copy(TSV, copy)
    with copy.open("a") as fh:
        fh.write("deepchrome\tE999\tE999\t0.9\n")
    with pytest.raises(InputError, match="sha256 differs"):
        paper.load_reference(copy)
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\n1\t2\n")
    with pytest.raises(InputError, match="columns must be setting, model_cell"):
        paper.load_reference(bad)
    with pytest.raises(InputError, match="not found"):
        paper.load_reference(tmp_path / "missing.tsv")


def test_paper_columns_beside_ours() -> None:
    ref = paper.per_cell_reference(["deepchrome", "transformer", "mlp"])
    wide = pd.DataFrame(
        {"cell": ["E003", "E999"], "deepchrome": [0.8, 0.7], "transformer": [0.6, 0.5]}
    )
    out = paper.with_paper_columns(wide, ref)
    assert list(out.columns) == ["cell", "deepchrome", "deepchrome_paper", "transformer"]
    assert out.loc[0, "deepchrome_paper"] == paper.paper_auroc("deepchrome_maxpool", "E003")
    assert math.isnan(out.loc[1, "deepchrome_paper"])
    # no shared cell: no column
    other = paper.with_paper_columns(wide.iloc[1:], ref)
    assert list(other.columns) == ["cell", "deepchrome", "transformer"]


def _write_metrics(root: Path, rows: list[tuple[str, str, float]]) -> list[Path]:
    """One metrics.json per (arch, cell, auroc), with the keys the summaries read."""
    paths = []
    for arch, cell, auc in rows:
        d = root / arch / cell
        d.mkdir(parents=True)
        m = {"arch": arch, "cell": cell, "auroc": auc, "auprc": auc, "accuracy": 0.7}
        m.update(loss=0.5, best_epoch=2, epochs=4, train_seconds=1.0, n_parameters=12)
        (d / "metrics.json").write_text(json.dumps(m))
        paths.append(d / "metrics.json")
    return paths


def test_workflow_tables_and_figure_carry_the_paper(tmp_path: Path) -> None:
    rows = [("deepchrome", "E003", 0.9), ("deepchrome", "E004", 0.6), ("transformer", "E003", 0.7)]
    rows += [("deepchrome_avgpool", "E003", 0.8), ("deepchrome_avgpool", "E004", 0.85)]
    paths = _write_metrics(tmp_path / "m", rows)
    training_tables(paths, tmp_path / "per_cell.tsv", tmp_path / "archs.tsv", reference=TSV)
    per_cell = pd.read_csv(tmp_path / "per_cell.tsv", sep="\t")
    assert list(per_cell.columns) == [
        "cell", "deepchrome", "deepchrome_paper", "transformer",
        "deepchrome_avgpool", "deepchrome_avgpool_paper",
    ]  # fmt: skip
    row = per_cell.set_index("cell").loc["E004"]
    assert row["deepchrome_avgpool_paper"] == pytest.approx(
        paper.paper_auroc("deepchrome", "E004"), abs=1e-4
    )
    order = ["deepchrome_avgpool", "deepchrome", "transformer"]
    table = paper_comparison(paths, TSV, tmp_path / "cmp.tsv", order)
    back = pd.read_csv(tmp_path / "cmp.tsv", sep="\t")
    assert list(back["architecture"]) == ["deepchrome_avgpool", "deepchrome"]
    assert list(back["paper_setting"]) == ["deepchrome", "deepchrome_maxpool"]
    want = np.mean(
        [a - paper.paper_auroc("deepchrome", c) for a, c in ((0.8, "E003"), (0.85, "E004"))]
    )
    assert back.loc[0, "mean_diff"] == pytest.approx(want, abs=1e-4)
    assert len(table) == 2
    pdf, png = tmp_path / "f.pdf", tmp_path / "f.png"
    points = ours_vs_paper(paths, TSV, pdf, png, order)
    assert len(points) == 4 and set(points["arch"]) == {"deepchrome", "deepchrome_avgpool"}
    assert pdf.read_bytes()[:4] == b"%PDF" and png.read_bytes()[:4] == b"\x89PNG"


def test_no_shared_cell_gives_empty_comparison_and_a_figure(tmp_path: Path) -> None:
    paths = _write_metrics(tmp_path / "m", [("deepchrome", "E999", 0.8)])
    table = paper_comparison(paths, TSV, tmp_path / "cmp.tsv")
    assert table.loc[0, "n_shared"] == 0 and math.isnan(table.loc[0, "mean_diff"])
    points = ours_vs_paper(paths, TSV, tmp_path / "f.pdf", tmp_path / "f.png")
    assert points.empty and (tmp_path / "f.png").stat().st_size > 0
    training_tables(paths, tmp_path / "a.tsv", tmp_path / "b.tsv", reference=TSV)
    assert "deepchrome_paper" not in pd.read_csv(tmp_path / "a.tsv", sep="\t").columns
