"""Derived views of the validated workflow configuration."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from deepchrome2.data.simulate.shapes import GRID
from deepchrome2.data.simulate.shapes import MARKS as SIMULATED_MARKS
from deepchrome2.errors import ConfigError, InputError
from deepchrome2.messages import nearest
from deepchrome2.samples import Cohort, cohort_from_pattern, cohort_from_sheet


def _key(path: Any) -> str:
    return ".".join(str(p) for p in path)


@functools.cache
def _validator(schema_path: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(yaml.safe_load(Path(schema_path).read_text()))


def check_keys(config: Mapping[str, Any], schema_path: str | os.PathLike[str]) -> None:
    """Validate ``config`` against the schema; raise one :class:`ConfigError` line.

    An unknown key (every schema object is closed) is reported before anything else, with the
    nearest valid key of its section.
    """
    errors = list(_validator(str(schema_path)).iter_errors(dict(config)))
    for err in errors:
        if err.validator != "additionalProperties" or err.validator_value is not False:
            continue
        valid = list(err.schema.get("properties", {}))
        for key in err.instance:
            if key not in valid:
                where = _key([*err.absolute_path, key])
                hint = nearest(key, valid)
                prefix = _key(err.absolute_path)
                if hint and prefix:
                    hint = hint.replace("'", f"'{prefix}.", 1)
                raise ConfigError(where, f"unknown key{hint}")
    if errors:
        err = jsonschema.exceptions.best_match(errors)
        raise ConfigError(_key(err.absolute_path) or "(top level)", err.message)


def export_import_path(src: str | os.PathLike[str]) -> None:
    """Put ``src`` first on ``PYTHONPATH``, so that jobs' scripts import this package from the
    workflow's own folder (no installation needed)."""
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(src) not in parts:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(src), *parts])


@functools.cache
def _sheet(path: str, mtime_ns: int) -> Cohort:
    return cohort_from_sheet(path)


def uses_sheet(config: Mapping[str, Any]) -> bool:
    """True when the cohort comes from a sample sheet (``files.samples``)."""
    return config["source"] == "files" and "samples" in config["files"]


def cohort(config: Mapping[str, Any]) -> Cohort:
    """Cells, marks and bigWigs of the configured source (see :mod:`deepchrome2.samples`)."""
    source = config["source"]
    if "marks" not in config and not uses_sheet(config):
        raise ConfigError("marks", f"required with source: {source} (no sample sheet)")
    if source == "simulate":
        groups = config["simulate"]["tissue_groups"]
        cells = [c for group in groups.values() for c in group]
        marks = list(config["marks"])
        return Cohort(cells, marks, {}, {c: g for g, cs in groups.items() for c in cs})
    if uses_sheet(config):
        sheet = str(config["files"]["samples"])
        mtime = Path(sheet).stat().st_mtime_ns if Path(sheet).exists() else 0
        found = _sheet(os.path.abspath(sheet), mtime)
        given = config.get("marks")
        if given is not None and sorted(given) != sorted(found.marks):
            raise ConfigError(
                "marks",
                f"{list(given)} differ from the marks of the sample sheet {sheet} "
                f"({', '.join(found.marks)}); drop marks: (the sheet decides) or list the same",
            )
        # The sheet's marks in the order marks: lists them, the models' input channels.
        return found if given is None else dataclasses.replace(found, marks=list(given))
    if source == "files":
        files = config["files"]
        if "bigwig" not in files or "cells" not in files:
            raise ConfigError(
                "files", "give samples (a sample sheet), or bigwig (a path pattern) and cells"
            )
        return cohort_from_pattern(files["bigwig"], list(files["cells"]), list(config["marks"]))
    return Cohort(list(config[source]["cells"]), list(config["marks"]), {})


def cells(config: Mapping[str, Any]) -> list[str]:
    """The cohort's cell IDs, in config (or sample sheet) order, for the configured source."""
    return cohort(config).cells


def tissue_of(config: Mapping[str, Any]) -> dict[str, str]:
    """Cell -> tissue group (simulated cohort, or a sample sheet's ``tissue`` column)."""
    return cohort(config).tissue


def check_unique_cells(config: Mapping[str, Any]) -> None:
    """Reject a simulated cohort that lists a cell in two tissue groups."""
    all_cells = cells(config)
    dup = sorted({c for c in all_cells if all_cells.count(c) > 1})
    if dup:
        raise ConfigError("simulate.tissue_groups", f"cells in more than one tissue group: {dup}")


def window_bins(window: Mapping[str, int]) -> int:
    """Bins per TSS window; ConfigError unless the window is a whole number of bins."""
    span = window["upstream"] + window["downstream"]
    if span % window["bin_size"]:
        raise ConfigError(
            "window", f"upstream + downstream ({span} bp) must be a multiple of bin_size"
        )
    return span // window["bin_size"]


def check_source(config: Mapping[str, Any]) -> None:
    """Cross-key checks the schema cannot express, each with one clear message."""
    check_unique_cells(config)
    w = config["window"]
    window_bins(w)
    if config["source"] == "files" and "samples" in config["files"]:
        for key in ("bigwig", "cells"):
            if key in config["files"]:
                raise ConfigError(
                    f"files.{key}",
                    "not used with a sample sheet (files.samples): remove it, or drop samples "
                    "to use the {cell}-{mark} pattern shorthand",
                )
    if config["source"] == "simulate":
        extra = [m for m in config["marks"] if m not in SIMULATED_MARKS]
        if extra:
            raise ConfigError(
                "marks", f"the simulator models only {list(SIMULATED_MARKS)}, not {extra}"
            )
        if w["bin_size"] % GRID or w["upstream"] % GRID or w["downstream"] % GRID:
            raise ConfigError("window", f"the simulator needs multiples of its {GRID} bp grid")


def check_local_bigwigs(config: Mapping[str, Any], found: Cohort) -> None:
    """With ``source: files``, every bigWig given as a path (not a URL, and not the pattern
    shorthand's download target) must be a file: one line naming the sheet (or
    ``files.bigwig``), the cell, the mark and the path, rather than Snakemake's missing-input
    report."""
    if config["source"] != "files" or (not uses_sheet(config) and "download" in config):
        return
    missing = [
        (c, m, p)
        for (c, m), p in found.bigwigs.items()
        if not found.is_url(c, m) and not Path(p).is_file()
    ]
    if not missing:
        return
    cell, mark, path = missing[0]
    more = f" ({len(missing)} of {len(found.bigwigs)} bigWigs missing)" if len(missing) > 1 else ""
    problem = f"bigWig of cell {cell} mark {mark} not found: {path}{more}"
    if uses_sheet(config):
        raise InputError(config["files"]["samples"], problem)
    raise ConfigError("files.bigwig", problem)


def check_downloads(config: Mapping[str, Any], found: Cohort) -> None:
    """bigWigs given by URL need the ``download:`` settings; the pattern shorthand with
    ``download:`` needs ``download.bigwig_url``."""
    if config["source"] != "files":
        return
    urls = [k for k in found.bigwigs if found.is_url(*k)]
    if urls and "download" not in config:
        cell, mark = urls[0]
        raise ConfigError(
            "download",
            f"the sample sheet gives {len(urls)} bigWig(s) by URL (e.g. {cell} {mark}); "
            "downloading them needs the download: section (see config/roadmap.yaml)",
        )
    if not uses_sheet(config) and "download" in config and "bigwig_url" not in config["download"]:
        raise ConfigError("download.bigwig_url", "required with the files.bigwig pattern")
