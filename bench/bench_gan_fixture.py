"""The GAN test fixture over seeds: the spread its thresholds are set from.

Builds ``tests/test_gan_sim.py``'s own ``cohort`` fixture (a 400-gene simulated cohort), then,
for each GAN seed, trains the fixture's GAN (``GAN_CFG`` with that seed and ``--set``
overrides), draws 300 samples per class and prints, as one JSON line per seed, the Pearson r of
each generated class mean with the truth on the marks the simulator structures in that class
(what ``test_generated_class_means_correlate_with_truth`` checks) and the training's CPU
seconds.

    python bench/bench_gan_fixture.py --workdir DIR --seeds 1-8 --set critic_batch_stats=true
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_gan_sim as fixture  # noqa: E402

from deepchrome2.gan.summary import load_truth, profile_correlation, structured_marks  # noqa: E402
from deepchrome2.gan.train import generate_gan, load_generated, train_gan  # noqa: E402


class _Dirs:
    """The one method of pytest's ``tmp_path_factory`` that the fixture uses."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def mktemp(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path


def _seeds(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def score(cohort: dict[str, Path], generated: Path) -> dict[int, dict[str, float]]:
    """Per class, r of the generated class mean with the truth on the structured marks."""
    gen = load_generated(generated)
    truth = load_truth(cohort["truth"], fixture.CELL, gen["marks"])
    out = {}
    for c in (0, 1):
        r = profile_correlation(gen["X"][gen["y"] == c].mean(axis=0), truth[c])
        keep = structured_marks(truth[c])
        out[c] = {m: round(float(v), 3) for m, v, k in zip(gen["marks"], r, keep, strict=True) if k}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--seeds", default="1-8", help="GAN seeds, e.g. 1-8 or 3")
    ap.add_argument("--set", nargs="*", default=[], help="KEY=VALUE overrides of GAN_CFG (YAML)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    overrides = {k: yaml.safe_load(v) for k, _, v in (s.partition("=") for s in args.set)}
    cohort = fixture.cohort.__wrapped__(_Dirs(args.workdir))
    for seed in _seeds(args.seeds):
        cfg = {**fixture.GAN_CFG, **overrides, "seed": seed}
        out = args.workdir / f"gan_seed{seed}"
        out.mkdir(exist_ok=True)
        cpu = time.process_time()
        train_gan([cohort["features"]], [cohort["labels"]], cohort["split"], out / "gan.pt",
                  out / "history.tsv", cfg, device="cpu")  # fmt: skip
        cpu = time.process_time() - cpu
        generate_gan(out / "gan.pt", out / "generated.npz", n_per_class=300, seed=11)
        r = score(cohort, out / "generated.npz")
        print(json.dumps({"seed": seed, "r": r, "train_cpu_s": round(cpu, 1), **overrides}))


if __name__ == "__main__":
    main()
