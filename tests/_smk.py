"""Running the real workflow from tests: a full config written into a scratch working folder."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from snakemake.utils import update_config

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TINY = REPO / "tests" / "configs" / "tiny.yaml"


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid over a copy of ``base`` the way Snakemake lays a second ``--configfile``
    over the first: mappings are merged key by key, any other value replaces the old one."""
    out = copy.deepcopy(base)
    update_config(out, copy.deepcopy(over))
    return out


def tiny_config(**overrides: Any) -> dict[str, Any]:
    """tests/configs/tiny.yaml (a complete config) with ``overrides`` laid over it."""
    return merge(yaml.safe_load(TINY.read_text()), overrides)


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
    return snakemake_configfiles(workdir, [cfgfile], *args, timeout=timeout)


def snakemake_configfiles(
    workdir: Path,
    configfiles: list[Path],
    *args: str,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """Run the workflow in ``workdir`` with ``--configfile`` followed by ``configfiles``, each
    laid over the one before (as ``snakemake --configfile config.yaml config/x.yaml``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(BIN / "snakemake"),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        *(str(f) for f in configfiles),
        *args,
    ]
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(
        cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout
    )


def job_counts(out: str) -> dict[str, int]:
    """The "Job stats" table of a Snakemake run or dry run: rule -> number of jobs."""
    counts = {}
    for line in out.split("Job stats:", 1)[1].splitlines()[3:]:
        m = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if not m:
            break
        counts[m.group(1)] = int(m.group(2))
    return counts
