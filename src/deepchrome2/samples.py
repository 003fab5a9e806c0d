"""The cohort: which cells, which marks, and the bigWig of each (cell, mark).

A cohort comes from a sample sheet (``files.samples``, validated by schemas/samples.schema.yaml),
from the ``{cell}-{mark}`` path pattern shorthand (``files.bigwig`` with ``files.cells`` and
``marks``), or from the simulator's tissue groups. Every check raises :class:`InputError` naming
the sheet and the problem in one line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pandas as pd
import yaml

from deepchrome2.errors import InputError
from deepchrome2.messages import first_few, nearest

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "samples.schema.yaml"
URL_SCHEMES = ("http", "https")
MAX_MARKS = 20


@dataclass
class Cohort:
    """Cells and marks in order, and each (cell, mark)'s bigWig (a path or an http(s) URL)."""

    cells: list[str]
    marks: list[str]
    bigwigs: dict[tuple[str, str], str]
    tissue: dict[str, str] = field(default_factory=dict)

    def is_url(self, cell: str, mark: str) -> bool:
        return is_url(self.bigwigs[cell, mark])


def is_url(value: str) -> bool:
    """True for ``scheme://...`` (a URL), False for a file path."""
    return "://" in value


def _schema(path: str | os.PathLike[str] = SCHEMA) -> dict:
    return yaml.safe_load(Path(path).read_text())


def read_sheet(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and validate a sample sheet; rows keep their order."""
    if not Path(path).is_file():
        raise InputError(path, "sample sheet not found")
    try:
        df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError as err:
        raise InputError(path, "the sample sheet is empty") from err
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputError(path, f"cannot parse the sample sheet: {err}") from err
    schema = _schema()
    known = list(schema["properties"])
    for col in df.columns:
        if col not in known:
            raise InputError(
                path, f"unknown column '{col}'{nearest(col, known)}; columns: {', '.join(known)}"
            )
    missing = [c for c in schema["required"] if c not in df.columns]
    if missing:
        raise InputError(path, f"sample sheet lacks column(s) {', '.join(missing)}")
    if df.empty:
        raise InputError(path, "sample sheet has no rows")
    validator = jsonschema.Draft202012Validator(schema)
    for i, row in enumerate(df.to_dict("records")):
        row = {k: v for k, v in row.items() if not (k not in schema["required"] and v == "")}
        for err in validator.iter_errors(row):
            col = err.path[0] if err.path else ""
            raise InputError(
                path, f"line {i + 2}: {col} {err.instance!r} is not valid ({err.message})"
            )
    _check_rows(path, df)
    return df


def _check_rows(path: str | os.PathLike[str], df: pd.DataFrame) -> None:
    """Duplicates, URL schemes, the number of marks, every mark for every cell, one tissue."""
    dup = df.duplicated(["cell", "mark"], keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        same = df[(df["cell"] == first["cell"]) & (df["mark"] == first["mark"])]
        raise InputError(
            path,
            f"duplicate rows for cell {first['cell']} mark {first['mark']} "
            f"(lines {', '.join(str(i + 2) for i in same.index)})",
        )
    for i, value in zip(df.index, df["bigwig"], strict=True):
        if is_url(value):
            scheme = urlsplit(value).scheme.lower()
            if scheme not in URL_SCHEMES or not urlsplit(value).netloc:
                raise InputError(
                    path,
                    f"line {i + 2}: bigWig URL {value} has scheme '{scheme}'; "
                    f"only {' and '.join(URL_SCHEMES)} URLs are downloaded",
                )
    marks = list(dict.fromkeys(df["mark"]))
    if len(marks) > MAX_MARKS:
        raise InputError(path, f"{len(marks)} marks; at most {MAX_MARKS} are supported")
    _check_every_mark(path, df, marks)
    if "tissue" in df:
        n = df.groupby("cell", sort=False)["tissue"].nunique()
        if (n > 1).any():
            raise InputError(path, f"cell {n.index[n > 1][0]} has rows with different tissues")


def _check_every_mark(path: str | os.PathLike[str], df: pd.DataFrame, marks: list[str]) -> None:
    """Every cell has a row for every mark; the error lists what each cell lacks (five cells
    at most) and, for a mark on only some cells, the nearest other mark (a typo)."""
    have = df.groupby("cell", sort=False)["mark"].agg(set)
    lacking = {c: [m for m in marks if m not in got] for c, got in have.items()}
    lacking = {c: lack for c, lack in lacking.items() if lack}
    if not lacking:
        return
    parts = [f"cell {c} has no row for mark(s) {', '.join(lack)}" for c, lack in lacking.items()]
    on = {m: sum(m in got for got in have) for m in marks}
    hints = []
    for m in marks:  # a typo: a mark on fewer cells than a mark it closely resembles
        hint = nearest(m, [o for o in marks if on[o] > on[m]])
        if hint:
            hints.append(f"; mark {m} is on {on[m]} of {len(have)} cells{hint}")
    raise InputError(
        path,
        first_few(parts, 5, sep="; ") + f"; every cell needs every mark of the sheet "
        f"({', '.join(marks)})" + "".join(hints),
    )


def cohort_from_sheet(path: str | os.PathLike[str]) -> Cohort:
    """The cohort of a sample sheet: cells and marks in order of first appearance."""
    df = read_sheet(path)
    cells = list(dict.fromkeys(df["cell"]))
    marks = list(dict.fromkeys(df["mark"]))
    bigwigs = {(c, m): b for c, m, b in zip(df["cell"], df["mark"], df["bigwig"], strict=True)}
    tissue = {}
    if "tissue" in df:
        tissue = {c: t for c, t in zip(df["cell"], df["tissue"], strict=True) if t}
    return Cohort(cells, marks, bigwigs, tissue)


def cohort_from_pattern(pattern: str, cells: list[str], marks: list[str]) -> Cohort:
    """The ``{cell}-{mark}`` shorthand: every cell with every mark at ``pattern``."""
    bigwigs = {(c, m): pattern.format(cell=c, mark=m) for c in cells for m in marks}
    return Cohort(list(cells), list(marks), bigwigs)
