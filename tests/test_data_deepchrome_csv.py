"""The DeepChrome CSV archive layout: exact round trip, mark order, malformed files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import MARKS, TOY_DIR

from deepchrome2.data.deepchrome_csv import (
    ARCHIVE_MARKS,
    read_archive_cell,
    read_split_csv,
    split_path,
    write_archive_cell,
)
from deepchrome2.errors import InputError

SPLITS = ("train", "valid", "test")


def raw(path: Path) -> np.ndarray:
    """The archive file as a plain number table (independent of the reader)."""
    return np.loadtxt(path, delimiter=",", dtype=float)


def test_toy_fixture_is_present() -> None:
    for s in SPLITS:
        assert (TOY_DIR / f"{s}.csv").stat().st_size > 0
    assert (TOY_DIR / "README.md").exists()


def test_round_trip_is_byte_identical(toy_archive: Path, tmp_path: Path) -> None:
    feats, labels, split = read_archive_cell(toy_archive, "E003", MARKS)
    out = tmp_path / "out"
    paths = write_archive_cell(out, "E003", feats, labels, split)
    assert paths == [split_path(out, "E003", s) for s in SPLITS]
    for s in SPLITS:
        assert split_path(out, "E003", s).read_bytes() == (TOY_DIR / f"{s}.csv").read_bytes()
    assert not [p for p in out.rglob(".*")]  # no temporary files left


def test_reader_shapes_labels_and_split(toy_archive: Path) -> None:
    feats, labels, split = read_archive_cell(toy_archive, "E003", MARKS)
    assert feats.X.shape == (29, 5, 100) and feats.X.dtype == np.float32
    assert feats.marks == MARKS
    np.testing.assert_array_equal(feats.bin_starts, np.arange(-5000, 5000, 100))
    assert split["split"].value_counts().to_dict() == {"train": 10, "valid": 10, "test": 9}
    assert list(labels["gene_id"]) == list(feats.genes) == list(split["gene_id"])
    assert feats.genes[0] == "000003"  # IDs kept as written, leading zeros included
    expect = np.concatenate([raw(TOY_DIR / f"{s}.csv")[::100, 7] for s in SPLITS])
    np.testing.assert_array_equal(labels["label"], expect)


def test_archive_mark_order_is_mapped_to_config_order(toy_archive: Path) -> None:
    feats, _, _ = read_archive_cell(toy_archive, "E003", MARKS)
    table = raw(TOY_DIR / "train.csv")  # columns: id, bin, H3K27me3, H3K36me3, H3K4me1, ...
    gene0 = table[:100]
    np.testing.assert_array_equal(gene0[:, 1], np.arange(1, 101))
    for mark in MARKS:
        col = 2 + ARCHIVE_MARKS.index(mark)
        np.testing.assert_array_equal(feats.X[0, MARKS.index(mark)], gene0[:, col], err_msg=mark)
    # a subset in another order is honoured too
    sub, _, _ = read_archive_cell(toy_archive, "E003", ["H3K9me3", "H3K27me3"])
    np.testing.assert_array_equal(sub.X[:, 0], feats.X[:, MARKS.index("H3K9me3")])
    np.testing.assert_array_equal(sub.X[:, 1], feats.X[:, MARKS.index("H3K27me3")])
    assert ARCHIVE_MARKS == ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]


def test_round_trip_through_another_mark_order(toy_archive: Path, tmp_path: Path) -> None:
    order = ["H3K27me3", "H3K9me3", "H3K4me1", "H3K36me3", "H3K4me3"]
    feats, labels, split = read_archive_cell(toy_archive, "E003", order)
    write_archive_cell(tmp_path, "E003", feats, labels, split)
    for s in SPLITS:
        assert split_path(tmp_path, "E003", s).read_bytes() == (TOY_DIR / f"{s}.csv").read_bytes()


def _lines(name: str = "train.csv") -> list[str]:
    return (TOY_DIR / name).read_text().splitlines(keepends=True)


def _set_field(lines: list[str], row: int, col: int, value: str) -> list[str]:
    fields = lines[row].rstrip("\n").split(",")
    fields[col] = value
    return [*lines[:row], ",".join(fields) + "\n", *lines[row + 1 :]]


MALFORMED = {
    "seven_columns": lambda ls: [",".join(ls[0].split(",")[:7]) + "\n", *ls[1:]],
    "non_numeric_bin": lambda ls: _set_field(ls, 5, 1, "six"),
    "non_numeric_mark": lambda ls: _set_field(ls, 5, 3, "abc"),
    "non_numeric_label": lambda ls: _set_field(ls, 150, 7, "high"),
    "empty_value": lambda ls: _set_field(ls, 5, 4, ""),
    "truncated_gene": lambda ls: ls[:-1],
    "bins_out_of_order": lambda ls: [ls[1], ls[0], *ls[2:]],
    "label_changes_within_gene": lambda ls: (
        [ls[0][:-2] + ("0\n" if ls[0][-2] == "1" else "1\n")] + ls[1:]
    ),
    "empty": lambda ls: [],
    "nine_columns": lambda ls: [ls[0].rstrip("\n") + ",3\n", *ls[1:]],
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_csv_raises_input_error_naming_the_file(toy_archive: Path, case: str) -> None:
    path = split_path(toy_archive, "E003", "train")
    path.write_text("".join(MALFORMED[case](_lines())))
    with pytest.raises(InputError) as err:
        read_archive_cell(toy_archive, "E003", MARKS)
    assert err.value.path == str(path)
    assert str(path) in str(err.value)


def test_missing_split_file_and_missing_mark(toy_archive: Path) -> None:
    valid = split_path(toy_archive, "E003", "valid")
    with pytest.raises(InputError) as err:
        read_archive_cell(toy_archive, "E003", ["H3K4me3", "H3K27ac"])
    assert "H3K27ac" in err.value.problem
    valid.unlink()
    with pytest.raises(InputError) as err:
        read_archive_cell(toy_archive, "E003", MARKS)
    assert err.value.path == str(valid) and "not found" in err.value.problem


def test_read_split_csv_rejects_wrong_bin_count(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    shutil.copyfile(TOY_DIR / "test.csv", path)
    with pytest.raises(InputError, match="x.csv"):
        read_split_csv(path, n_bins=99)
    ids, X, y = read_split_csv(path, n_bins=100)
    assert X.shape == (9, 5, 100) and len(ids) == len(y) == 9
