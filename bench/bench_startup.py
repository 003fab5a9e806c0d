"""Start-up CPU of every job type: the imports a workflow script makes before its step runs.

Each Snakemake job starts a fresh Python, unpickles Snakemake's job object and runs the script's
module-level imports before ``run_step`` calls the step. For every script in workflow_scripts/
this runs the same imports in a fresh interpreter (``--repeats`` times) and prints the median
CPU seconds (user + system) and which heavy libraries came with them:

    python bench/bench_startup.py [--repeats 3] [--src src] [--importtime SCRIPT]

``--importtime SCRIPT`` prints the 25 slowest imports of one script instead
(``python -X importtime``, cumulative microseconds). A job's own log records the same start-up
CPU (``rule ... started (start-up X CPU s)``) and its step's CPU.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "torch._dynamo", "matplotlib", "sklearn", "scipy.stats", "pyBigWig", "pandas")
PREAMBLE = """
import pickle
from snakemake.logging import logger
from snakemake.iocontainers import Snakemake
import snakemake.io
"""
PROBE = """
import json, sys, time
{preamble}
{imports}
heavy = [m for m in {heavy!r} if m in sys.modules]
print(json.dumps({{"cpu": time.process_time(), "heavy": heavy}}))
"""


def script_imports(path: Path) -> str:
    """The module-level import statements of one workflow script."""
    tree = ast.parse(path.read_text())
    return "\n".join(
        ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
    )


def probe(imports: str, src: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src))
    code = PROBE.format(preamble=PREAMBLE, imports=imports, heavy=HEAVY)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def importtime(imports: str, src: Path, top: int = 25) -> list[tuple[int, str]]:
    """The ``top`` slowest imports (cumulative microseconds) of one script."""
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", PREAMBLE + imports],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    rows = []
    for line in out.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--src", type=Path, default=ROOT / "src", help="package folder to import")
    ap.add_argument("--scripts", type=Path, default=ROOT / "workflow_scripts")
    ap.add_argument("--importtime", metavar="SCRIPT", help="slowest imports of one script")
    args = ap.parse_args()
    if args.importtime:
        imports = script_imports(args.scripts / f"{args.importtime}.py")
        for us, name in importtime(imports, args.src):
            print(f"{us / 1e6:8.3f} s  {name}")
        return
    print("| script | start-up CPU s (median) | heavy libraries loaded |")
    print("|---|---:|---|")
    for path in sorted(args.scripts.glob("*.py")):
        imports = script_imports(path)
        runs = [probe(imports, args.src) for _ in range(args.repeats)]
        cpu = statistics.median(r["cpu"] for r in runs)
        print(f"| {path.stem} | {cpu:.2f} | {', '.join(runs[0]['heavy'])} |", flush=True)


if __name__ == "__main__":
    main()
