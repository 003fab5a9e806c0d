"""Glue between Snakemake ``script:`` adapters and package functions.

``run_step`` sets up logging into the rule's log file, caps threads, keeps freed memory for
reuse (:mod:`deepchrome2.allocator`), and turns an
:class:`~deepchrome2.errors.InputError` into one clear line on stderr and a non-zero exit.
Outputs of a failed step, and the temporary files it was writing, are removed so that no
partial output is left behind; temporary files a killed earlier run left next to the outputs are
removed when the step starts.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from deepchrome2.allocator import keep_freed_memory
from deepchrome2.errors import InputError
from deepchrome2.io import remove_stale_temporaries, remove_temporaries

log = logging.getLogger("deepchrome2")


def setup_logging(logfile: str | None = None, level: int = logging.INFO) -> None:
    """Send package log records to ``logfile`` (and stderr when no file is given)."""
    handlers: list[logging.Handler] = []
    if logfile:
        Path(logfile).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(logfile, mode="w"))
    else:
        handlers.append(logging.StreamHandler(sys.stderr))
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in handlers:
        h.setFormatter(fmt)
        root.addHandler(h)
    root.setLevel(level)


def set_threads(n: int) -> None:
    """Cap numeric libraries at ``n`` threads (the rule's ``threads:``)."""
    n = max(1, int(n))
    # Jobs share the cores: idle OpenMP threads sleep rather than spin. Read when OpenMP starts,
    # so this covers the jobs that import torch lazily; the workflow sets it for all jobs.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(n)
    from threadpoolctl import threadpool_limits

    threadpool_limits(n)
    if "torch" in sys.modules:  # only steps that use torch pay for importing it
        sys.modules["torch"].set_num_threads(n)


def _remove_outputs(paths: list[str]) -> None:
    import shutil

    for p in paths:
        path = Path(p)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()


def run_step(smk: Any, step: Callable[[Any], None]) -> None:
    """Run ``step(smk)`` for a Snakemake ``script:`` adapter.

    ``smk`` is the ``snakemake`` object Snakemake injects. Bad input exits with status 1
    after printing ``error: <file>: <problem>``; outputs are removed.
    """
    logfile = smk.log[0] if len(smk.log) else None
    setup_logging(logfile)
    set_threads(getattr(smk, "threads", 1))
    keep_freed_memory()
    outputs = [str(o) for o in smk.output]
    start = time.perf_counter()
    startup_cpu = time.process_time()  # interpreter, Snakemake's preamble and the imports
    log.info("rule %s started (start-up %.2f CPU s)", getattr(smk, "rule", "?"), startup_cpu)
    stale = remove_stale_temporaries(outputs)
    if stale:
        log.info("removed %d temporary files of an earlier, interrupted run", len(stale))
    try:
        step(smk)
    except InputError as err:
        remove_temporaries()
        _remove_outputs(outputs)
        log.error("%s", err)
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
    except BaseException:
        remove_temporaries()
        _remove_outputs(outputs)
        log.exception("rule %s failed", getattr(smk, "rule", "?"))
        raise
    log.info(
        "rule %s done in %.1f s, %.2f CPU s (%.2f CPU s for the process)",
        getattr(smk, "rule", "?"),
        time.perf_counter() - start,
        time.process_time() - startup_cpu,
        time.process_time(),
    )
