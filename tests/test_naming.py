"""One name per step: rule X runs workflow_scripts/X.py, which calls the package function X.

Generated rules (rules/figures.smk: plot_<figure>; rules/download.smk: download_<name>) share
one script named after their family, and rule predict_features bins a predict-only cell with
the script of rule bin_signals (docs/architecture.md, "Naming").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "workflow_scripts"
# script -> the prefix of the names of the generated rules that run it
GENERATED = {"plot_figure": "plot_", "download": "download_"}
# rule -> the script it shares with the rule of that name
SHARED = {"predict_features": "bin_signals"}

RULE = re.compile(r"^\s*(?:rule|checkpoint)(?:\s+(\w+))?\s*:\s*$")
SCRIPT = re.compile(r"""^\s*["']\.\./workflow_scripts/(\w+)\.py["']\s*$""")


def rule_scripts() -> list[tuple[str | None, str]]:
    """(rule name, script stem) of every rule with a ``script:``; None names a generated rule."""
    out = []
    for smk in sorted((ROOT / "rules").glob("*.smk")):
        rule: str | None = None
        for line in smk.read_text().splitlines():
            if m := RULE.match(line):
                rule = m.group(1)
            elif m := SCRIPT.match(line):
                out.append((rule, m.group(1)))
    return out


def called_package_functions(script: Path) -> set[str]:
    """Names that the script imports from deepchrome2 and calls."""
    tree = ast.parse(script.read_text())
    imported = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("deepchrome2")
        for alias in node.names
    }
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    return imported & called


def test_the_rules_are_found() -> None:
    rules = rule_scripts()
    assert ("train", "train") in rules
    assert (None, "plot_figure") in rules


def test_each_rule_runs_the_script_of_its_name() -> None:
    for rule, script in rule_scripts():
        if rule is None:
            assert script in GENERATED, f"a generated rule runs {script}.py"
        else:
            assert script == SHARED.get(rule, rule), f"rule {rule} runs {script}.py"


def test_each_script_belongs_to_a_rule() -> None:
    used = {script for _, script in rule_scripts()}
    assert sorted(p.stem for p in SCRIPTS.glob("*.py")) == sorted(used)


@pytest.mark.parametrize("script", sorted(SCRIPTS.glob("*.py")), ids=lambda p: p.stem)
def test_each_script_calls_the_function_of_its_name(script: Path) -> None:
    called = called_package_functions(script)
    assert script.stem in called, f"{script.name} calls {sorted(called)}"
