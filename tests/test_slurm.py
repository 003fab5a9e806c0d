"""The workflow on the tiny cohort through a real Slurm cluster, with --profile profiles/slurm.

CI starts a one-node cluster first (.ci/slurm/start.sh) and sets DEEPCHROME_REQUIRE_SLURM=1, so
that this test fails rather than skips when Slurm does not answer. Elsewhere it skips, saying why.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from _smk import REPO, snakemake, tiny_config

from deepchrome2.config import cells as cfg_cells

PROFILE = REPO / "profiles" / "slurm"
# The shipped profile names no partition (a site setting): its jobs then go to the cluster's
# default partition, which CI's one-node cluster defines (.ci/slurm/start.sh).
PROFILE_PARTITION = yaml.safe_load((PROFILE / "config.yaml").read_text())["default-resources"].get(
    "slurm_partition"
)
GPU_RULES = {"train", "train_gan"}
# The whole pipeline on three tiny cells, with lean training and two cross-cell experiments:
# every kind of rule runs (the cross-cell sets checkpoint too), in about 65 Slurm jobs.
LEAN = {
    "simulate": {"tissue_groups": {"ESC": ["E003", "E004"], "BLOOD": ["E062"]}},
    "train": {"architectures": ["linear", "deepchrome"], "max_epochs": 3, "patience": 2},
    "crosscell": {
        "architectures": ["linear"],
        "targets": ["E003"],
        "experiments": ["exclusive_all", "exclusive_high"],
    },
}
SUBMITTED = re.compile(r"Job (\d+) has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")


def _out(*cmd: str) -> str | None:
    """stdout of a Slurm command, or None when it fails."""
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return res.stdout if res.returncode == 0 else None


def default_partition() -> str | None:
    """The cluster's default partition (``sinfo`` marks it with *), or None."""
    names = (_out("sinfo", "-h", "-o", "%P") or "").split()
    return next((n.rstrip("*") for n in names if n.endswith("*")), None)


PARTITION = PROFILE_PARTITION or default_partition() or "(no default partition)"


def no_slurm_reason() -> str | None:
    """Why the Slurm test cannot run here, or None when a cluster answers."""
    if shutil.which("sbatch") is None:
        return "Slurm's client tools (sbatch, squeue) are not installed"
    ping = _out("scontrol", "ping")
    if ping is None or "UP" not in ping:
        return "no slurmctld answers `scontrol ping`"
    states = _out("sinfo", "-h", "-p", PARTITION, "-o", "%t")
    if not states:
        return f"Slurm has no partition {PARTITION!r} (the profile's slurm_partition)"
    if not {"idle", "mix", "alloc"} & set(states.split()):
        return f"no node of partition {PARTITION!r} is up (states: {states.split()})"
    return None


@pytest.fixture(scope="module")
def slurm() -> None:
    reason = no_slurm_reason()
    if reason is None:
        return
    if os.environ.get("DEEPCHROME_REQUIRE_SLURM") == "1":
        pytest.fail(f"DEEPCHROME_REQUIRE_SLURM=1 but {reason}")
    pytest.skip(f"{reason}; start a one-node cluster with .ci/slurm/start.sh (as root)")


def job_records(ids: list[str]) -> dict[str, dict[str, str]]:
    """Slurm's record (scontrol show job) of each job ID: key=value fields."""
    records = {}
    for jid in ids:
        text = _out("scontrol", "show", "job", "--oneliner", jid) or ""
        records[jid] = dict(f.split("=", 1) for f in text.split() if "=" in f)
    return records


@pytest.mark.slow
def test_tiny_cohort_runs_through_slurm(slurm: None, tmp_path: Path) -> None:
    cpus = min(int(c) for c in _out("sinfo", "-h", "-p", PARTITION, "-o", "%c").split())
    cfg = tiny_config(**LEAN)
    res = snakemake(
        tmp_path,
        cfg,
        "--profile",
        str(PROFILE),
        # CI-sized: first status check after 2 s (default 40), no rule asks for more CPUs
        # than a node has.
        "--slurm-init-seconds-before-status-checks",
        "2",
        "--max-threads",
        str(cpus),
        timeout=1800,
    )
    log = "\n".join(p.read_text() for p in (tmp_path / ".snakemake" / "log").glob("*.log"))
    assert res.returncode == 0, res.stderr[-4000:]

    # Every job except local rules (rule all) went to Slurm, once.
    submitted = SUBMITTED.findall(log)
    remote_jobs = re.findall(r"^(?:rule|checkpoint) (\w+):$", log, flags=re.M)
    assert remote_jobs, "no job ran"
    assert len(submitted) == len(remote_jobs)
    assert len({jid for _, jid, _ in submitted}) == len(submitted)
    rules = [re.search(r"/rule_(\w+?)/", path).group(1) for _, _, path in submitted]
    assert sorted(rules) == sorted(remote_jobs)
    assert {"bin_signals", "train"} <= set(rules)

    # Slurm ran them: its records say COMPLETED on the profile's partition, and each job left
    # its Slurm output file under the job ID.
    ids = [jid for _, jid, _ in submitted]
    records = job_records(ids)
    for (_, jid, path), rule in zip(submitted, rules, strict=True):
        rec = records[jid]
        assert rec.get("JobState") == "COMPLETED", (rule, jid, rec)
        assert rec.get("Partition") == PARTITION
        assert Path(path).name == f"{jid}.log" and Path(path).exists()
        wants_gpu = "gres:gpu:1" in rec.get("TresPerJob", "")
        assert wants_gpu == (rule in GPU_RULES), (rule, rec.get("TresPerJob"))

    # And the data products of every cell are there.
    for cell in cfg_cells(cfg):
        assert (tmp_path / f"results/features/{cell}.npz").stat().st_size > 0
        assert (tmp_path / f"results/labels/{cell}.tsv").stat().st_size > 0
