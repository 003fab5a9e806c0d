"""Result files: written atomically, readable as the umask allows, no temporary files left."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from deepchrome2.errors import InputError
from deepchrome2.io import write_tsv
from deepchrome2.runner import run_step


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_result_files_follow_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        write_tsv(tmp_path / "t.tsv", pd.DataFrame({"a": [1]}))
    finally:
        os.umask(old)
    assert _mode(tmp_path / "t.tsv") == 0o666 & ~umask


def _smk(tmp_path: Path, out: Path) -> SimpleNamespace:
    return SimpleNamespace(
        log=[str(tmp_path / "step.log")], output=[str(out)], threads=1, rule="demo"
    )


def test_failed_step_leaves_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "results" / "t.tsv"

    def step(smk: SimpleNamespace) -> None:
        from deepchrome2.io import atomic_path

        _, tmp = atomic_path(out)
        tmp.write_text("half")  # then the disk fills up
        raise InputError(out, "disk full")

    with pytest.raises(SystemExit):
        run_step(_smk(tmp_path, out), step)
    assert list(out.parent.iterdir()) == []


def test_step_start_removes_temporaries_of_a_killed_run(tmp_path: Path) -> None:
    out = tmp_path / "results" / "t.tsv"
    out.parent.mkdir(parents=True)
    stale = out.parent / ".t.tsv.tmp-123-abcd"  # left by a run killed mid-write
    stale.write_text("half")
    other = out.parent / ".other.tsv.tmp-1-ab"  # another step's: not ours to remove
    other.write_text("x")
    run_step(_smk(tmp_path, out), lambda smk: write_tsv(out, pd.DataFrame({"a": [1]})))
    assert sorted(p.name for p in out.parent.iterdir()) == [other.name, "t.tsv"]
