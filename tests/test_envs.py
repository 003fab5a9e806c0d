"""envs/deepchrome2.yaml and pyproject.toml list the same packages at the same pins."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
# conda package name -> PyPI distribution name, where they differ
CONDA_TO_PYPI = {"pytorch": "torch", "matplotlib-base": "matplotlib"}
NOT_PYTHON_DEPS = {"python", "pip"}


def _split(req: str) -> tuple[str, str]:
    name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", req.strip()).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def _conda_deps() -> dict[str, str]:
    env = yaml.safe_load((REPO / "envs" / "deepchrome2.yaml").read_text())
    deps = {}
    for dep in env["dependencies"]:
        name, spec = _split(dep)
        if name in NOT_PYTHON_DEPS:
            continue
        spec = "==" + spec[1:] if spec.startswith("=") and not spec.startswith("==") else spec
        deps[CONDA_TO_PYPI.get(name, name)] = spec
    return deps


def _pyproject_deps() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return dict(_split(r) for r in project["dependencies"])


def test_conda_env_lists_the_pip_dependencies() -> None:
    conda, pip = _conda_deps(), _pyproject_deps()
    assert set(conda) == set(pip), set(conda) ^ set(pip)


def test_conda_env_uses_the_same_versions() -> None:
    conda, pip = _conda_deps(), _pyproject_deps()
    assert {k: conda[k] for k in pip} == pip


def test_every_rule_declares_the_conda_env() -> None:
    for smk in sorted((REPO / "rules").glob("*.smk")):
        text = smk.read_text()
        n_rules = len(re.findall(r"^\s*(?:rule|checkpoint)(?: \w+)?:", text, flags=re.M))
        n_conda = len(re.findall(r"^\s*conda:\s*$", text, flags=re.M))
        assert n_conda == n_rules, f"{smk.name}: {n_rules} rules, {n_conda} conda directives"


def test_license_file_is_the_license_pyproject_declares() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["license-files"] == ["LICENSE"]
    spdx = {"MIT": "MIT License"}  # SPDX identifier -> the licence text's title line
    first = (REPO / "LICENSE").read_text().splitlines()[0].strip()
    assert first == spdx[project["license"]]
