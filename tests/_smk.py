"""Running the real workflow from tests: a full config written into a scratch working folder."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TINY = REPO / "tests" / "configs" / "tiny.yaml"

# Used when tests/configs/tiny.yaml does not exist: two cells, few genes, small chromosomes.
FALLBACK_TINY: dict[str, Any] = {
    "simulate": {
        "n_genes": 200,
        "genome_scale": 0.01,
        "chromosomes": ["chr21", "chr22"],
        "tissue_groups": {"ESC": ["E003"], "BLOOD": ["E062"]},
    },
    "split": {"seed": 2016, "proportions": {"train": 0.5, "valid": 0.25, "test": 0.25}},
}

# Keys whose value replaces the default instead of being merged into it.
REPLACE = {"tissue_groups", "cells", "proportions", "architectures"}


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``over``, recursively, except for the keys in REPLACE."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key not in REPLACE:
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def tiny_config(**overrides: Any) -> dict[str, Any]:
    """config.yaml with the tiny test cohort and ``overrides`` on top."""
    cfg = yaml.safe_load((REPO / "config.yaml").read_text())
    tiny = yaml.safe_load(TINY.read_text()) if TINY.exists() else FALLBACK_TINY
    return merge(merge(cfg, tiny), overrides)


def cells_of(cfg: dict[str, Any]) -> list[str]:
    if cfg["source"] == "simulate":
        return [c for g in cfg["simulate"]["tissue_groups"].values() for c in g]
    return list(cfg[cfg["source"]]["cells"])


def snakemake(
    workdir: Path,
    cfg: dict[str, Any],
    *args: str,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """Run the workflow in ``workdir`` with ``cfg`` as its only config file."""
    workdir.mkdir(parents=True, exist_ok=True)
    cfgfile = workdir / "test-config.yaml"
    cfgfile.write_text(yaml.safe_dump(cfg, sort_keys=False))
    cmd = [
        str(BIN / "snakemake"),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(cfgfile),
        *args,
    ]
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(
        cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout
    )
