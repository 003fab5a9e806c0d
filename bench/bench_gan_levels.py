"""Where the GAN's mean levels go wrong, and which settings fix them: a sweep on one cell.

For each setting in ``--grid`` (JSON: a list of overrides of the ``gan:`` section), trains the
conditional WGAN-GP on the training genes of ``--cell``, draws ``n_generated`` samples per
class and scores them with the workflow's own quality rows (level error, W1 against real-vs-
real, classifier fidelity, truth r). Per class and mark it adds the diagnosis in the GAN's
transformed space (log1p, standardised): the gap of the generated mean and the ratio of the
generated standard deviation to the test genes'. A raw-space level error with a small
transformed-space mean gap is a spread (tail) error, not a location error. And two reference
ratios over the same resampled real-versus-real floor as the quality rows' ``w1_ratio_*``:
``train_copy_ratio_*``, what a generator that replayed its training genes would get, and
``valid_draw_ratio_*``, the one fixed valid-versus-test draw.

Needs a finished data stage and classifier: ``results/features``, ``results/labels``,
``results/splits`` and, for the truth r, the simulated truth. The classifier is the run's
``results/models/<classifier>/<cell>/model.pt``, or trained here (``fast`` recipe) without one.

    python bench/bench_gan_levels.py --workdir RUN_DIR --grid '[{}, {"epochs": 600}]'
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import yaml

from deepchrome2.gan.data import load_split_data
from deepchrome2.gan.quality import quality_rows
from deepchrome2.gan.summary import load_truth, resampled_wasserstein, wasserstein_per_column
from deepchrome2.gan.train import GanConfig, fit_gan, sample
from deepchrome2.training.artifact import TrainedModel, load_trained
from deepchrome2.training.data import load_cell
from deepchrome2.training.job import train_model
from deepchrome2.training.loop import TrainSettings
from deepchrome2.training.recipes import resolve

REPO = Path(__file__).resolve().parents[1]


def cpu_seconds() -> float:
    """CPU seconds of this process so far (user + system)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def spread_diagnosis(
    Zgen: np.ndarray, ygen: np.ndarray, Ztest: np.ndarray, ytest: np.ndarray, marks: list[str]
) -> dict[str, float]:
    """Per class and mark: generated-minus-test mean and generated/test std, transformed space."""
    out = {}
    for c in (0, 1):
        g, t = Zgen[ygen == c], Ztest[ytest == c]
        gap = g.mean(axis=(0, 2)) - t.mean(axis=(0, 2))
        ratio = g.std(axis=(0, 2)) / np.maximum(t.std(axis=(0, 2)), 1e-12)
        for m, a, b in zip(marks, gap, ratio, strict=True):
            out[f"z_gap_{m}_c{c}"] = float(a)
            out[f"z_sd_ratio_{m}_c{c}"] = float(b)
    return out


def train_copy_ratios(
    Ztrain: np.ndarray,
    ytrain: np.ndarray,
    Zvalid: np.ndarray,
    yvalid: np.ndarray,
    Ztest: np.ndarray,
    ytest: np.ndarray,
    marks: list[str],
) -> dict[str, float]:
    """Per class and mark: the W1 ratio a generator would get by replaying its training genes
    (training genes against test genes, over the resampled real-versus-real W1), and the same
    for the one fixed valid-versus-test draw."""
    out = {}
    for c in (0, 1):
        tr, v, t = Ztrain[ytrain == c], Zvalid[yvalid == c], Ztest[ytest == c]
        n = min(len(tr), len(v))
        floor = resampled_wasserstein(np.concatenate([v, t]), n, len(t)).mean(axis=1)
        copy = wasserstein_per_column(tr[:n], t).mean(axis=1) / floor
        fixed = wasserstein_per_column(v[:n], t).mean(axis=1) / floor
        for m, a, b in zip(marks, copy, fixed, strict=True):
            out[f"train_copy_ratio_{m}_c{c}"] = float(a)
            out[f"valid_draw_ratio_{m}_c{c}"] = float(b)
    return out


def classifier(wd: Path, cell: str, arch: str, device: str) -> TrainedModel:
    """The workflow's trained classifier of ``cell``, or one trained here with the ``fast``
    recipe when the run has none yet."""
    path = wd / f"results/models/{arch}/{cell}/model.pt"
    if path.exists():
        return load_trained(path)
    data = load_cell(
        wd / f"results/features/{cell}.npz",
        wd / f"results/labels/{cell}.tsv",
        wd / "results/splits/genes.tsv",
    )
    settings = resolve({"recipe": "fast"}, arch)
    tm, _ = train_model(
        arch, data, TrainSettings.from_dict(settings), None, settings["transform"], device
    )
    return tm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", default=".")
    ap.add_argument("--cell", default="E003")
    ap.add_argument("--config", default=str(REPO / "config.yaml"))
    ap.add_argument("--grid", default="[{}]")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--classifier", default=None, help="default: gan.classifier of --config")
    ap.add_argument("--out", default=None)
    ap.add_argument("--threads", type=int, default=None, help="default: gan.threads of --config")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    wd = Path(args.workdir)
    gan_cfg = yaml.safe_load(Path(args.config).read_text())["gan"]
    torch.set_num_threads(args.threads or int(gan_cfg.get("threads", 1)))
    feats, labels = (
        [wd / f"results/features/{args.cell}.npz"],
        [wd / f"results/labels/{args.cell}.tsv"],
    )
    split = wd / "results/splits/genes.tsv"
    train = load_split_data(feats, labels, split, "train", 20)
    test = load_split_data(feats, labels, split, "test", 20)
    valid = load_split_data(feats, labels, split, "valid", 20)
    clf = classifier(wd, args.cell, args.classifier or gan_cfg["classifier"], args.device)
    truth_path = wd / "resources/simulated/truth/class_profiles.npz"
    truth = load_truth(truth_path, args.cell, train.marks) if truth_path.exists() else None
    rows = []
    for over in json.loads(args.grid):
        cfg = GanConfig.from_mapping({**gan_cfg, **over})
        cpu0, wall0 = cpu_seconds(), time.perf_counter()
        gan = fit_gan(train.X, train.y, cfg, train.marks, train.bin_starts, args.device)
        wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
        Zg, yg = sample(gan, int(gan_cfg["n_generated"]), int(gan_cfg["seed"]), transformed=True)
        q = quality_rows(
            "sweep",
            args.cell,
            Zg,
            yg,
            gan.transform.inverse,
            gan.transform.forward,
            test,
            valid,
            clf.predict_proba,
            truth,
            train.marks,
        )
        fwd = gan.transform.forward
        diag = spread_diagnosis(Zg, yg, fwd(test.X), test.y, train.marks)
        diag |= train_copy_ratios(
            fwd(train.X), train.y, fwd(valid.X), valid.y, fwd(test.X), test.y, train.marks
        )
        for r in q:
            r.update(setting=json.dumps(over, sort_keys=True), train_wall_s=wall, train_cpu_s=cpu)
            r["fidelity_gap"] = r["real_test_accuracy"] - r["fidelity_accuracy"]
            c = r["class"]
            r.update({k.replace(f"_c{c}", ""): v for k, v in diag.items() if k.endswith(f"_c{c}")})
            rows.append(r)
        summary = pd.DataFrame(rows[-2:])
        level_cols = [c for c in summary if c.startswith("level_error_")]
        print(
            f"{over}: {wall:.1f} s wall, {cpu:.1f} CPU s; max |level error| "
            f"{summary[level_cols].abs().max().max():.3f}; max W1 ratio "
            f"{summary['w1_ratio'].max():.2f} (per mark {summary['max_w1_ratio'].max():.2f}); "
            f"max fidelity gap {summary['fidelity_gap'].max():.3f}",
            flush=True,
        )
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 250, "display.max_columns", 60):
        print(table.T.to_string())
    if args.out:
        table.to_csv(args.out, sep="\t", index=False, float_format="%.4g")


if __name__ == "__main__":
    main()
