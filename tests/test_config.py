"""The config refuses typos, a config file given on the command line replaces config.yaml, and
the workflow is parsed without the package installed and without importing torch."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from _smk import REPO, job_counts, snakemake, tiny_config
from conftest import error_lines, make_handmade

from deepchrome2.config import check_keys
from deepchrome2.errors import ConfigError

SCHEMA_PATH = REPO / "schemas" / "config.schema.yaml"
SCHEMA = yaml.safe_load(SCHEMA_PATH.read_text())
# Every shipped config as the workflow is run with it: the overlays of config/ on config.yaml,
# config.yaml and the test configs alone.
CONFIG_RUNS = [
    [REPO / "config.yaml"],
    *([REPO / "config.yaml", p] for p in sorted(REPO.glob("config/*.yaml"))),
    *([p] for p in sorted(REPO.glob("tests/configs/*.yaml"))),
]


def config_id(files: list[Path]) -> str:
    return "+".join(str(p.relative_to(REPO)) for p in files)


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        node: Any = SCHEMA
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def key_paths(value: Any, schema: dict, path: tuple = ()) -> Iterator[tuple[str, ...]]:
    """Every key of ``value`` that its schema names in ``properties`` (free-form maps such as
    tissue groups or per-architecture settings are descended into, not listed)."""
    schema = _resolve(schema)
    if not isinstance(value, dict):
        return
    props = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    for key, sub in value.items():
        if key in props:
            yield (*path, key)
            yield from key_paths(sub, props[key], (*path, key))
        elif isinstance(extra, dict):
            yield from key_paths(sub, extra, (*path, key))


def full_config() -> dict:
    """config.yaml with every optional section filled in (files and download too)."""
    cfg = yaml.safe_load((REPO / "config.yaml").read_text())
    cfg["files"] = {
        "samples": "config/samples.tsv",
        "rpkm": "expr.tsv.gz",
        "gene_id_column": "gene_id",
        "gtf": "genes.gtf.gz",
    }
    cfg["download"] = {
        "dir": "resources/downloads",
        "rpkm_url": "https://example.org/expr.tsv.gz",
        "gtf_url": "https://example.org/genes.gtf.gz",
        "retries": 1,
        "backoff": 1,
        "checksums": "checksums.tsv",
    }
    return cfg


KEYS = list(key_paths(full_config(), SCHEMA))


def test_the_full_config_is_valid() -> None:
    check_keys(full_config(), SCHEMA_PATH)
    assert len(KEYS) > 60


@pytest.mark.parametrize("path", KEYS, ids=".".join)
def test_a_typo_in_any_key_is_named_with_the_nearest_key(path: tuple[str, ...]) -> None:
    cfg = full_config()
    node = cfg
    for key in path[:-1]:
        node = node[key]
    typo = path[-1] + path[-1][-1]  # the last letter doubled: max_epochs -> max_epochss
    node[typo] = node.pop(path[-1])
    with pytest.raises(ConfigError) as err:
        check_keys(cfg, SCHEMA_PATH)
    where = ".".join((*path[:-1], typo))
    assert str(err.value) == f"config {where}: unknown key (did you mean '{'.'.join(path)}'?)"


def test_every_schema_object_is_closed() -> None:
    """Every object with properties refuses other keys."""
    open_objects = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "properties" in node and node.get("additionalProperties") is not False:
                open_objects.append(where)
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")

    walk(SCHEMA, "")
    # The allOf conditions hold properties only to test the value of `source`.
    assert [w for w in open_objects if "/if" not in w] == []


def _enums(node: Any, where: str = "") -> Iterator[tuple[str, list]]:
    """(path, values) of every ``enum`` in the schema."""
    if isinstance(node, dict):
        if "enum" in node:
            yield where, node["enum"]
        for k, v in node.items():
            yield from _enums(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _enums(v, f"{where}/{i}")


def test_every_schema_key_is_described() -> None:
    """The schema documents every key (the README points users to it)."""

    def undocumented(node: dict, path: str) -> Iterator[str]:
        props = node.get("properties", {})
        subs = [(f"{path}.{key}" if path else key, sub) for key, sub in props.items()]
        # the schema of every entry of a mapping (e.g. train.per_arch.<arch>) or of a list
        subs += [(f"{path}.*", node[k]) for k in ("additionalProperties", "items")
                 if isinstance(node.get(k), dict) and node[k].get("type") == "object"]  # fmt: skip
        for where, sub in subs:
            if "description" not in sub and "$ref" not in sub:
                yield where
            yield from undocumented(sub, where)

    assert list(undocumented(SCHEMA, "")) == []


def test_schema_name_lists_are_the_codes() -> None:
    """Each enum of names the code defines (recipes, optimizers, schedules, validation
    cadences, transforms, cross-cell set sources, early stopping, map methods) is the code's
    list, wherever the schema repeats it: the schema cannot accept a name the code refuses,
    nor refuse one it accepts."""
    from deepchrome2.crosscell.sets import EARLY_STOP, SET_SOURCES
    from deepchrome2.interpret.methods import OPTMAP_METHODS
    from deepchrome2.training.loop import OPTIMIZERS, SCHEDULES, VALID_EVERY
    from deepchrome2.training.recipes import RECIPES
    from deepchrome2.training.transform import KINDS

    code = {
        "recipe": sorted(RECIPES),
        "optimizer": sorted(OPTIMIZERS),
        "schedule": sorted(SCHEDULES),
        "valid_every": sorted(VALID_EVERY),
        "transform": sorted(KINDS),
        "sets": sorted(SET_SOURCES),
        "early_stop_on": sorted(EARLY_STOP),
        "methods": sorted(OPTMAP_METHODS),
    }
    seen = set()
    for where, values in _enums(SCHEMA):
        key = next((k for k in where.split("/")[::-1] if k in code), None)
        if key is not None:
            assert sorted(values) == code[key], where
            seen.add(key)
    assert seen == set(code)


@pytest.mark.parametrize(
    "edit, line",
    [
        ({"trian": {"lr": 0.1}}, "error: config trian: unknown key (did you mean 'train'?)"),
        (
            {"train": {"max_epoch": 3}},
            "error: config train.max_epoch: unknown key (did you mean 'train.max_epochs'?)",
        ),
        (
            {"window": {"bin_sise": 50}},
            "error: config window.bin_sise: unknown key (did you mean 'window.bin_size'?)",
        ),
        (
            {"train": {"valid_every": "cells"}},
            "error: config train.valid_every: 'cells' is not one of ['epoch', 'cell']",
        ),
    ],
)
def test_workflow_refuses_a_typo(tmp_path: Path, edit: dict, line: str) -> None:
    res = snakemake(tmp_path, tiny_config(**edit), "-n")
    assert res.returncode != 0
    assert error_lines(res.stderr) == [line], res.stderr[-2000:]
    assert not (tmp_path / "results").exists()


def test_configfile_replaces_config_yaml(tmp_path: Path) -> None:
    """A trimmed cohort stays trimmed: config.yaml's other tissue groups are not merged back."""
    cfg = tiny_config()
    cfg["simulate"]["tissue_groups"] = {"ESC": ["E003", "E004"]}
    res = snakemake(tmp_path, cfg, "-n", "results/tables/oracle_auroc.tsv")
    assert res.returncode == 0, res.stderr[-2000:]
    planned = set(re.findall(r"results/labels/(\w+)\.tsv", res.stdout + res.stderr))
    assert planned == {"E003", "E004"}


def test_overlay_is_merged_over_the_named_base(tmp_path: Path) -> None:
    """`--configfile config.yaml config/full.yaml`: the documented way to lay a partial config
    over the defaults; full.yaml's cohort is planned."""
    res = subprocess.run(
        [
            str(Path(sys.executable).parent / "snakemake"),
            "--snakefile", str(REPO / "Snakefile"),
            "--directory", str(tmp_path),
            "--configfile", str(REPO / "config.yaml"), str(REPO / "config" / "full.yaml"),
            "-n", "results/tables/oracle_auroc.tsv",
        ],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-2000:]
    planned = set(re.findall(r"results/labels/(\w+)\.tsv", res.stdout + res.stderr))
    full = yaml.safe_load((REPO / "config" / "full.yaml").read_text())
    assert planned == {c for g in full["simulate"]["tissue_groups"].values() for c in g}


PURELIB = "import sysconfig; print(sysconfig.get_paths()['purelib'])"


def bare_venv(root: Path) -> Path:
    """A venv holding the declared dependencies (this interpreter's site-packages, added as a
    plain path so that its .pth files, the editable install of the package among them, are not
    read) but not the package."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    purelib = sysconfig.get_paths()["purelib"]
    site = Path(
        subprocess.run(
            [str(root / "bin" / "python"), "-c", PURELIB],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    (site / "deps.pth").write_text(purelib + "\n")
    return root / "bin" / "python"


def test_workflow_needs_no_installed_package(tmp_path: Path) -> None:
    python = bare_venv(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = subprocess.run(
        [str(python), "-c", "import snakemake, torch, pyBigWig; import deepchrome2"],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert "No module named 'deepchrome2'" in probe.stderr, probe.stderr  # deps yes, package no
    work = tmp_path / "work"
    work.mkdir()
    cfgfile = work / "config.yaml"
    cfgfile.write_text(yaml.safe_dump(tiny_config()))
    # -X importtime lists every module imported while the workflow is parsed and planned; the
    # demo's own config too, whose architectures differ from the tiny one's.
    for configfile in (cfgfile, REPO / "config.yaml"):
        res = subprocess.run(
            [str(python), "-X", "importtime", "-m", "snakemake", "--snakefile",
             str(REPO / "Snakefile"), "--directory", str(work), "--configfile", str(configfile),
             "-n"],
            capture_output=True, text=True, env=env, cwd=work, timeout=600,
        )  # fmt: skip
        assert res.returncode == 0, res.stderr[-3000:]
        lines = res.stderr.splitlines()
        imported = {line.rsplit("|", 1)[-1].strip() for line in lines if "|" in line}
        assert "deepchrome2.config" in imported, configfile
        assert "torch" not in imported, configfile
    # A job runs too: its script finds the package through the workflow, not an installation.
    sim = tiny_config()["simulate"]["outdir"]
    job = subprocess.run(
        [str(python), "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
         "--directory", str(work), "--configfile", str(cfgfile), "--cores", "1",
         f"{sim}/chrom.sizes"],
        capture_output=True, text=True, env=env, cwd=work, timeout=600,
    )  # fmt: skip
    assert job.returncode == 0, job.stderr[-3000:]
    assert (work / sim / "chrom.sizes").read_text().startswith("chr21\t")


def test_models_import_no_torch_until_built() -> None:
    """The model registry lists names, hyperparameters and kinds without importing torch,
    also for a module that re-exports another's ``KIND`` (``linear_max``); the kinds are the
    imported modules' own."""
    code = (
        "import sys; from deepchrome2 import models; "
        "names = models.available(); hps = {n: models.hparam_names(n) for n in names}; "
        "kinds = {n: models.kind(n) for n in names}; "
        "assert 'torch' not in sys.modules, 'torch imported'; "
        "assert kinds == {n: models.get(n).KIND for n in names}, kinds; "
        "assert hps == {n: sorted(models.get(n).DEFAULTS) for n in names}, hps; "
        "assert kinds['linear_max'] == 'torch' and kinds['random_forest'] == 'sklearn'; "
        "assert models.hparam_names('deepchrome') == sorted(models.defaults('deepchrome'))"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr


def test_simulator_keeps_its_five_marks(tmp_path: Path) -> None:
    cfg = tiny_config(marks=["H3K4me3", "H3K4me1", "H3K36me3", "H3K9me3", "H3K27me3", "H3K27ac"])
    res = snakemake(tmp_path, cfg, "-n")
    assert res.returncode != 0
    assert error_lines(res.stderr) == [
        "error: config marks: the simulator models only ['H3K4me3', 'H3K4me1', 'H3K36me3', "
        "'H3K9me3', 'H3K27me3'], not ['H3K27ac']"
    ], res.stderr[-2000:]


def test_marks_needed_without_a_sheet() -> None:
    from deepchrome2.config import cohort

    cfg = tiny_config()
    del cfg["marks"]
    with pytest.raises(ConfigError, match="config marks: required with source: simulate"):
        cohort(cfg)


def loaded(files: list[Path]) -> dict:
    """The config Snakemake builds from ``--configfile files...`` (each laid over the last)."""
    from snakemake.utils import update_config

    out: dict = {}
    for path in files:
        update_config(out, yaml.safe_load(path.read_text()))
    return out


@pytest.mark.parametrize("files", CONFIG_RUNS, ids=config_id)
def test_check_config_fills_the_same_defaults_as_snakemake(files: list[Path]) -> None:
    """The package's schema step gives the config Snakemake's validate() would (defaults)."""
    from snakemake.utils import validate

    from deepchrome2.config_check import fill_defaults

    ours, theirs = loaded(files), loaded(files)
    fill_defaults(ours)
    validate(theirs, str(SCHEMA_PATH))
    assert ours == theirs


def test_check_config_fills_in_defaults_as_snakemake_does() -> None:
    from snakemake.utils import validate

    from deepchrome2.config_check import fill_defaults

    cfg = tiny_config(
        crosscell={"architectures": ["linear"], "experiments": ["exclusive_all"], "targets": "all"}
    )
    del cfg["train"]["recipe"]
    ours, theirs = copy.deepcopy(cfg), copy.deepcopy(cfg)
    fill_defaults(ours)
    validate(theirs, str(SCHEMA_PATH))
    assert ours == theirs
    assert ours["crosscell"]["t_high"] == 0.8 and ours["crosscell"]["sets"] == "correlation"
    assert ours["train"]["recipe"] == "fast"


@pytest.mark.parametrize(
    "edit, message",
    [
        ({"gan": {"cells": ["E999"]}}, "config gan.cells: ['E999'] are not cells of the cohort"),
        (
            {"gan": {"classifier": "linear_max"}},
            "config gan.classifier: linear_max is not in train.architectures",
        ),
        ({"interpret": {"cells": ["E999"]}}, "config interpret.cells: ['E999'] are not cells"),
        ({"gan": {"ema": 1.0}}, "config gan.ema: 1.0 is greater than or equal to the maximum"),
        (
            {"gan": {"critic_batch_stats": "yes"}},
            "config gan.critic_batch_stats: 'yes' is not of type 'boolean'",
        ),
        (
            {"simulate": {"peak_shift": -100}},
            "config simulate.peak_shift: -100 is less than the minimum of 0",
        ),
        (
            {"simulate": {"peak_shift_cell": 1.5}},
            "config simulate.peak_shift_cell: 1.5 is greater than the maximum of 1",
        ),
        (
            {"simulate": {"background": -0.5}},
            "config simulate.background: -0.5 is less than the minimum of 0",
        ),
        ({"train": {"architectures": ["cnn"]}}, "config: unknown architecture 'cnn'"),
        (
            {"crosscell": {"architectures": ["linear"], "experiments": ["best"], "targets": "all"}},
            "config crosscell.experiments: unknown experiments ['best']; valid: inclusive_all,",
        ),
    ],
)
def test_check_config_names_the_bad_key_of_every_stage(edit: dict, message: str) -> None:
    from deepchrome2.config_check import check_config

    cfg = tiny_config(**edit)
    with pytest.raises(ValueError) as err:
        check_config(cfg)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("section", ["source", "simulate", "train", "gan", "interpret"])
def test_a_missing_section_the_stages_read_is_one_clear_line(section: str) -> None:
    """A config without a section that a stage reads is refused by the schema, naming it
    (without ``source`` the error once asked for ``files:``; without ``gan:`` it was a
    KeyError traceback)."""
    from deepchrome2.config_check import check_config

    cfg = tiny_config()
    del cfg[section]
    with pytest.raises(ValueError) as err:
        check_config(cfg)
    assert str(err.value) == f"config (top level): '{section}' is a required property"


def test_own_files_need_no_simulate_section(tmp_path: Path) -> None:
    """With source: files the simulator's section may be left out: the workflow plans the
    data stage from the user's files and no simulator rule."""
    hm = make_handmade(tmp_path / "inputs", cells=("E003", "E004"))
    cfg = tiny_config(source="files", files=hm.files_config())
    del cfg["simulate"]
    res = snakemake(tmp_path / "work", cfg, "-n", "results/features/E003.npz")
    assert res.returncode == 0, res.stderr[-2000:]
    counts = job_counts(res.stdout + res.stderr)
    assert counts["bin_signals"] == 1 and "tss_windows" in counts
    assert not {r for r in counts if "simulate" in r or "oracle" in r}


def test_check_config_runs_each_check_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The architectures are checked once per config check, the cross-cell notice made once."""
    import deepchrome2.config_check as cc

    calls: dict[str, int] = {}

    def count(name: str, real: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            calls[name] = calls.get(name, 0) + 1
            return real(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(cc, "check_architectures", count("arch", cc.check_architectures))
    monkeypatch.setattr(cc.crosscell_check, "notice", count("notice", cc.crosscell_check.notice))
    cfg = tiny_config(crosscell={"architectures": ["linear"], "experiments": ["exclusive_all"]})
    cfg["simulate"]["tissue_groups"] = {"ESC": ["E003"]}
    notices = cc.check_config(cfg)
    assert calls == {"arch": 1, "notice": 1}
    assert notices == [
        "cross-cell evaluation needs at least 2 cells; the cohort has 1, so it is skipped"
    ]


def test_workflow_reports_a_stage_check_in_one_line(tmp_path: Path) -> None:
    res = snakemake(tmp_path, tiny_config(gan={"classifier": "linear_max"}), "-n")
    assert res.returncode != 0
    assert error_lines(res.stderr) == [
        "error: config gan.classifier: linear_max is not in train.architectures"
    ], res.stderr[-2000:]


def test_the_demo_runs_every_deepchrome2_cross_cell_experiment() -> None:
    """config.yaml (the demo) runs all nine of DeepChrome 2.0's cross-cell settings, for linear
    and deepchrome."""
    demo = yaml.safe_load((REPO / "config.yaml").read_text())["crosscell"]
    nine = {
        *(f"{w}_{s}" for w in ("inclusive", "exclusive") for s in ("all", "high", "somewhat")),
        "inclusive_random",
        "exclusive_random",
        "test_on_rest",
    }
    assert len(nine) == 9 and set(demo["experiments"]) == nine
    assert {"linear", "deepchrome"} <= set(demo["architectures"])
    assert demo["targets"] == "all"
