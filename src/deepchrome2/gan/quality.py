"""Measured quality of a trained GAN.

- fidelity: a trained classifier that never saw GAN output labels generated samples; the
  accuracy and mean probability of the conditioned class, next to the same on the real test
  genes and, as a second real sample, on the validation genes: how far two real samples of
  the class differ sets the scale of the generated-versus-test gap;
- distance: per-bin 1-D Wasserstein distance between generated and real test genes of a class,
  averaged over marks and bins (in the GAN's transformed space), next to the same distance
  between two real samples of the same sizes: valid against test (one draw), and its
  expectation over ``n_resamples`` random partitions of the valid and test genes
  (``w1_real_resampled``). The ratio of generated to resampled real, overall and per mark
  (averaged over the mark's bins), and the largest per-mark ratio. Beside them, the same ratios
  for the training genes against the test genes (``w1_ratio_train``, ``w1_ratio_train_{mark}``):
  what a generator that reproduced its training genes exactly would score, the lowest a GAN
  fitted to them can be expected to reach on that split;
- level: per mark, the relative error of the generated mean signal (over genes and bins) against
  the real test genes' mean, ``mean(generated) / mean(test) - 1``;
- truth (simulated cohort): Pearson r per mark between the generated class-mean profile and the
  simulator's noise-free class-mean profile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from deepchrome2.errors import InputError
from deepchrome2.gan.data import PathLike, SplitData, load_splits_data
from deepchrome2.gan.model import Critic, gradient_penalty
from deepchrome2.gan.summary import (
    fidelity,
    load_truth,
    profile_correlation,
    resampled_wasserstein,
    structured_marks,
    wasserstein_per_column,
)
from deepchrome2.gan.train import load_gan, load_generated
from deepchrome2.io import write_tsv
from deepchrome2.training.loop import eager

log = logging.getLogger(__name__)

ADAM = eager(torch.optim.Adam)  # torch.optim.Adam, without importing torch._dynamo


def critic_distance(
    real: np.ndarray,
    y_real: np.ndarray,
    fake: np.ndarray,
    y_fake: np.ndarray,
    steps: int = 300,
    seed: int = 0,
    gp_weight: float = 10.0,
    width: int = 128,
) -> float:
    """Wasserstein distance estimated by a *fresh* conditional critic (transformed space).

    The critic is trained with the gradient penalty for ``steps`` full-batch steps to separate
    ``real`` from ``fake``; returns ``mean D(real) - mean D(fake)`` at the end. A lower value
    means the two sets are harder to tell apart.
    """
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    R, F = torch.as_tensor(real), torch.as_tensor(fake)
    yr, yf = torch.as_tensor(y_real, dtype=torch.long), torch.as_tensor(y_fake, dtype=torch.long)
    D = Critic(R.shape[1], R.shape[2], width)
    opt = ADAM(D.parameters(), lr=1e-3, betas=(0.5, 0.9))
    by_class = [
        (torch.nonzero(yr == c).flatten(), torch.nonzero(yf == c).flatten()) for c in (0, 1)
    ]
    for _ in range(steps):
        # interpolate real and fake rows of the same class for the gradient penalty
        ir, jf = [], []
        for rc, fc in by_class:
            k = min(len(rc), len(fc))
            ir.append(rc[torch.randperm(len(rc), generator=gen)[:k]])
            jf.append(fc[torch.randperm(len(fc), generator=gen)[:k]])
        i, j = torch.cat(ir), torch.cat(jf)
        gp = gradient_penalty(D, R[i], F[j], yr[i], gen)
        loss = D(F, yf).mean() - D(R, yr).mean() + gp_weight * gp
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    with torch.no_grad():
        return float(D(R, yr).mean() - D(F, yf).mean())


def quality_rows(
    gan_name: str,
    cell: str,
    Zgen: np.ndarray,
    ygen: np.ndarray,
    transform_inverse: Callable[[np.ndarray], np.ndarray],
    transform_forward: Callable[[np.ndarray], np.ndarray],
    test: SplitData,
    valid: SplitData,
    predict_proba: Callable[[np.ndarray], np.ndarray] | None,
    truth: np.ndarray | None,
    marks: Sequence[str],
    n_resamples: int = 20,
    train: SplitData | None = None,
) -> list[dict]:
    """One row per class with fidelity, distances, (when ``train``) the training genes'
    distances and (when ``truth``) correlations."""
    rows = []
    Xgen = transform_inverse(Zgen)
    Ztest, Zvalid = transform_forward(test.X), transform_forward(valid.X)
    Ztrain = transform_forward(train.X) if train is not None else None
    for c in (0, 1):
        g, t, v = ygen == c, test.y == c, valid.y == c
        n_base = int(v.sum())
        row: dict = {
            "gan": gan_name,
            "cell": cell,
            "class": c,
            "n_generated": int(g.sum()),
            "n_test": int(t.sum()),
            "n_valid": n_base,
        }
        if predict_proba is not None:
            row["fidelity_accuracy"], row["fidelity_mean_prob"] = fidelity(
                predict_proba, Xgen[g], c
            )
            row["real_test_accuracy"], row["real_test_mean_prob"] = fidelity(
                predict_proba, test.X[t], c
            )
            row["real_valid_accuracy"], row["real_valid_mean_prob"] = fidelity(
                predict_proba, valid.X[v], c
            )
        # mean level per mark over genes and bins, generated vs real test genes (raw signal)
        level = Xgen[g].mean(axis=(0, 2)) / np.maximum(test.X[t].mean(axis=(0, 2)), 1e-12) - 1
        for m, e in zip(marks, level, strict=True):
            row[f"level_error_{m}"] = float(e)
        zg = Zgen[g][:n_base]
        w1_gen = wasserstein_per_column(zg, Ztest[t])  # marks x bins
        row["w1_generated_vs_test"] = float(w1_gen.mean())
        row["w1_valid_vs_test"] = float(wasserstein_per_column(Zvalid[v], Ztest[t]).mean())
        pool = np.concatenate([Zvalid[v], Ztest[t]])
        w1_real = resampled_wasserstein(pool, len(zg), int(t.sum()), n_resamples)
        row["w1_real_resampled"] = float(w1_real.mean())
        row["w1_ratio"] = row["w1_generated_vs_test"] / row["w1_real_resampled"]
        per_mark = w1_gen.mean(axis=1) / w1_real.mean(axis=1)
        for m, ratio in zip(marks, per_mark, strict=True):
            row[f"w1_ratio_{m}"] = float(ratio)
        row["max_w1_ratio"] = float(per_mark.max())
        if Ztrain is not None:
            ztr = Ztrain[train.y == c]
            n = min(len(ztr), len(zg))
            floor = w1_real if n == len(zg) else resampled_wasserstein(pool, n, int(t.sum()))
            w1_train = wasserstein_per_column(ztr[:n], Ztest[t])
            row["w1_ratio_train"] = float(w1_train.mean() / floor.mean())
            per_mark_train = w1_train.mean(axis=1) / floor.mean(axis=1)
            for m, ratio in zip(marks, per_mark_train, strict=True):
                row[f"w1_ratio_train_{m}"] = float(ratio)
        if truth is not None:
            r_gen = profile_correlation(Xgen[g].mean(axis=0), truth[c])
            r_real = profile_correlation(test.X[t].mean(axis=0), truth[c])
            structured = structured_marks(truth[c])
            for m, rg, rr in zip(marks, r_gen, r_real, strict=True):
                row[f"r_{m}"] = float(rg)
                row[f"real_test_r_{m}"] = float(rr)
            row["structured_marks"] = ",".join(np.asarray(marks)[structured]) or "-"
            row["min_r_structured"] = float(r_gen[structured].min()) if structured.any() else np.nan
        rows.append(row)
    return rows


def gan_quality_set(
    checkpoint: PathLike,
    generated: PathLike,
    features: Sequence[PathLike],
    labels: Sequence[PathLike],
    split: PathLike,
    cells: Sequence[str],
    output: PathLike,
    classifiers: Sequence[PathLike] = (),
    truth: PathLike | None = None,
    gan_name: str = "",
    min_genes_per_class: int = 20,
) -> pd.DataFrame:
    """Snakemake step: quality rows of one GAN against each of its cells; writes a TSV."""
    from deepchrome2.training.artifact import load_trained

    gan = load_gan(checkpoint)
    gen = load_generated(generated)
    if gen["marks"] != gan.marks:
        raise InputError(generated, "marks differ from the GAN checkpoint")
    rows = []
    for i, cell in enumerate(cells):
        parts = load_splits_data(
            [features[i]], [labels[i]], split, ("test", "valid", "train"), min_genes_per_class
        )
        test, valid, train = parts["test"], parts["valid"], parts["train"]
        if test.marks != gan.marks or test.X.shape[2] != len(gan.bin_starts):
            raise InputError(features[i], f"marks/bins differ from the GAN's ({gan.marks})")
        clf = load_trained(classifiers[i]) if classifiers else None
        if clf is not None and clf.marks != gan.marks:
            raise InputError(classifiers[i], "classifier marks differ from the GAN's marks")
        tr = load_truth(truth, cell, gan.marks) if truth else None
        if tr is not None and tr.shape[-1] != test.X.shape[2]:
            raise InputError(truth, f"truth has {tr.shape[-1]} bins, features {test.X.shape[2]}")
        rows += quality_rows(
            gan_name or Path(checkpoint).parent.name,
            cell,
            gen["Z"],
            gen["y"],
            gan.transform.inverse,
            gan.transform.forward,
            test,
            valid,
            clf.predict_proba if clf is not None else None,
            tr,
            gan.marks,
            train=train,
        )
    df = pd.DataFrame(rows)
    write_tsv(output, df, float_format="%.4g")
    for r in rows:
        log.info(
            "%s %s class %d: fidelity %.3f, W1 gen/test %.3f vs real/real %.3f "
            "(largest ratio over marks %.2f), min r %s",
            r["gan"],
            r["cell"],
            r["class"],
            r.get("fidelity_accuracy", np.nan),
            r["w1_generated_vs_test"],
            r["w1_real_resampled"],
            r["max_w1_ratio"],
            r.get("min_r_structured", "-"),
        )
    return df
