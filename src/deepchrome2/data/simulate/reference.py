"""Reference AUROCs of a simulated cohort: what a model of the marks could reach at best.

Per cell, on the shared split's test genes, against the cell's labels:

- ``oracle_auroc``: the latent activity, which the labels follow up to RNA noise. It also holds
  chromatin noise that no mark carries, so no model of the marks can reach it;
- ``chromatin_auroc``: the chromatin state the marks are drawn from (activity plus chromatin
  noise). Each mark adds its own noise and the count noise on top, so this is an upper bound;
- ``bayes_auroc``: a Bayes-style reference, a model fitted on the noise-free expected features
  of the same genes (the binned signal without count noise, ``class_profiles.npz`` per gene
  rather than per class) on the cell's training and validation genes. It is what the marks
  tell about expression once the sampling noise is gone, with the training genes a model has;
- ``oracle_pearson_r``: the latent activity against log RPKM, the ceiling of the regression
  target.

The expected features come from regenerating the cohort from its parameters (the same seed
gives the same latent truth), so nothing gene-sized is stored for them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler

from deepchrome2.data import simulate
from deepchrome2.data.simulate.signal import _bin_windows
from deepchrome2.data.steps import simulation_params
from deepchrome2.errors import InputError
from deepchrome2.io import load_labels, load_split, write_tsv

log = logging.getLogger(__name__)

COARSE_BP = 1000  # the reference model reads the expected signal in 1 kb bins
BAYES_C = 0.1  # inverse L2 strength of the reference model


def expected_features(params: simulate.SimulationParams, gene_ids: np.ndarray) -> np.ndarray:
    """Noise-free binned signal of ``gene_ids`` in every cell: cells x genes x marks x coarse bins.

    Coarse bins are ``COARSE_BP`` wide (the mean of the window's bins over each of them).
    """
    cohort = simulate.Cohort.from_params(params)
    row = pd.Series(np.arange(len(cohort.genes.gene_id)), index=cohort.genes.gene_id)
    missing = ~pd.Index(gene_ids).isin(row.index)
    if missing.any():
        raise ValueError(f"{missing.sum()} genes are not in the simulated cohort")
    want = row.loc[gene_ids].to_numpy()
    where = np.full(len(cohort.genes.gene_id), -1)
    where[want] = np.arange(len(want))
    span = params.upstream + params.downstream
    if span % COARSE_BP:
        raise ValueError(f"window of {span} bp is not a multiple of {COARSE_BP} bp")
    n_coarse = span // COARSE_BP
    cells = list(range(len(params.cells)))
    out = np.zeros((len(cells), len(want), len(simulate.MARKS), n_coarse), dtype=np.float32)
    for _, _, grid, idx, mi, expected in cohort.expected_signal(cells):
        keep = where[idx] >= 0
        if not keep.any():
            continue
        g = idx[keep]
        binned = _bin_windows(
            expected,
            grid,
            cohort.genes.tss[g],
            cohort.genes.strand[g] == "+",
            params.upstream,
            params.downstream,
            COARSE_BP,
        )  # genes x coarse bins x cells
        out[:, where[g], mi, :] = binned.transpose(2, 0, 1)
    return out


def bayes_scores(X: np.ndarray, y: np.ndarray, fit: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Fit the reference model on rows ``fit`` of ``X`` (genes x marks x bins), score ``score``.

    An L2-regularised logistic regression on cubic splines of the standardised log1p signal of
    every mark and coarse bin, so that each feature may act non-linearly (the marks saturate
    with activity). Of the models tried on the noise-free features (logistic regression on the
    features or on window means, their squares, gradient boosting), it came closest to the
    chromatin state and stayed above the models trained on the observed signal. Each mark's
    summit (its highest coarse bin) and contrast (highest minus lowest) are features too: with
    shapes off the TSS (``peak_shift``) and a broad level under them (``background``), a mark's
    height is in neither one bin nor their sum.
    """
    Z = reference_inputs(X)
    model = reference_model().fit(Z[fit], y[fit])
    return model.predict_proba(Z[score])[:, 1]


def reference_inputs(X: np.ndarray, summits: bool = True) -> np.ndarray:
    """The reference model's inputs from ``X`` (genes x marks x bins): log1p of every coarse
    bin and, with ``summits``, of each mark's highest bin and its highest minus lowest."""
    parts = [X.reshape(len(X), -1)]
    if summits:
        top, bottom = X.max(axis=2), X.min(axis=2)
        parts += [top, top - bottom]
    return np.log1p(np.concatenate(parts, axis=1))


def reference_model() -> Pipeline:
    """The reference model, unfitted: an L2 logistic regression on cubic splines."""
    return make_pipeline(
        StandardScaler(),
        SplineTransformer(n_knots=4, degree=3),
        LogisticRegression(C=BAYES_C, max_iter=3000),
    )


def _truth_table(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, sep="\t", dtype={"gene_id": str}).set_index("gene_id")
    except FileNotFoundError as err:
        raise InputError(path, "simulator truth table not found") from err


def oracle_auroc(
    sim: Mapping[str, Any],
    window: Mapping[str, int],
    truth: str | Path,
    labels: Mapping[str, str | Path],
    split: str | Path,
    out: str | Path,
) -> pd.DataFrame:
    """Write the per-cell reference AUROCs (module docstring) on the test genes."""
    params = simulation_params(sim, window)
    act = _truth_table(Path(truth) / "activity.tsv")
    chrom = _truth_table(Path(truth) / "chromatin.tsv")
    sp = load_split(split).set_index("gene_id")["split"]
    first = load_labels(next(iter(labels.values())))
    genes = first["gene_id"].to_numpy(dtype=str)
    part = sp.reindex(genes).to_numpy()
    if pd.isna(part).any():
        raise InputError(split, "a labelled gene has no split")
    test, fit = part == "test", part != "test"
    X = expected_features(params, genes)
    rows = []
    for cell, path in labels.items():
        lab = load_labels(path)
        if not np.array_equal(lab["gene_id"].to_numpy(dtype=str), genes):
            raise InputError(path, "genes differ from the first cell's labels")
        if cell not in params.cells:
            raise InputError(path, f"cell {cell} is not in the simulated cohort")
        y = lab["label"].to_numpy()
        k = params.cells.index(cell)
        score = bayes_scores(X[k], y, fit, test)
        rows.append(
            {
                "cell": cell,
                "n_test": int(test.sum()),
                "oracle_auroc": roc_auc_score(y[test], act.loc[genes[test], cell]),
                "chromatin_auroc": roc_auc_score(y[test], chrom.loc[genes[test], cell]),
                "bayes_auroc": roc_auc_score(y[test], score),
                # The regression target's ceiling: true activity against log RPKM.
                "oracle_pearson_r": stats.pearsonr(
                    act.loc[genes[test], cell].to_numpy(), lab["log_rpkm"].to_numpy()[test]
                ).statistic,
            }
        )
        log.info("%s: reference AUROCs %s", cell, rows[-1])
    df = pd.DataFrame(rows)
    write_tsv(out, df, float_format="%.4f")
    return df
