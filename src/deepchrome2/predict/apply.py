"""Predict-only mode: apply a trained model to a cell that has bigWigs but no expression.

The new cell's signal is binned over this run's TSS windows exactly as a cohort cell's, and
the model's saved transform (fitted on its own training genes) is applied as it is: nothing is
refitted on the new cell. Its marks must be the model's marks in the model's order.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd

from deepchrome2.errors import InputError
from deepchrome2.io import load_features, load_split, write_tsv
from deepchrome2.training.artifact import load_trained, load_trained_set
from deepchrome2.training.loop import resolve_device

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]


def predict_new_cell(
    model: PathLike,
    features: PathLike,
    split: PathLike,
    out: PathLike,
    device: str = "auto",
    track: str = "",
) -> pd.DataFrame:
    """Write ``gene_id``, ``split`` (the gene's split in this run) and the model's output for
    every gene: ``class`` (1 = predicted highly expressed, ``p_high >= 0.5``) and ``p_high``
    for a class model, ``pred_log_rpkm`` for a regression model. With ``track``, ``model`` is
    a cross-cell training set's models.pt and the model of that early-stopping track is used."""
    dev = resolve_device(device)
    if track:
        tms = load_trained_set(model, device=dev)
        if track not in tms:
            raise InputError(model, f"has no model for early-stopping track {track}")
        tm = tms[track]
    else:
        tm = load_trained(model, device=dev)
    feats = load_features(features)
    if feats.marks != tm.marks:
        raise InputError(
            features,
            f"marks {feats.marks} differ from the model's {tm.marks} ({model}); the same marks "
            "in the same order are needed",
        )
    if feats.X.shape[2] != tm.n_bins:
        raise InputError(features, f"{feats.X.shape[2]} bins but model {model} has {tm.n_bins}")
    if not np.all(np.isfinite(feats.X)):
        raise InputError(features, "features contain NaN or inf")
    if tm.transform.uses_log and feats.X.size and feats.X.min() < 0:
        raise InputError(features, f"negative signal; the model's {tm.transform.kind} needs >= 0")
    sp = load_split(split).drop_duplicates("gene_id").set_index("gene_id")["split"]
    df = pd.DataFrame({"gene_id": feats.genes, "split": sp.reindex(feats.genes).fillna("none")})
    scores = tm.score(feats.X)
    if tm.task.is_class:
        df["class"] = (scores >= 0.5).astype(np.int64)
    df[tm.task.output] = scores
    log.info("%s on %s: %d genes", tm.arch, features, len(df))
    write_tsv(out, df, float_format="%.6g")
    return df
