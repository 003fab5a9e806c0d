"""One seeded gene-level train/valid/test split, shared by all cells."""

from __future__ import annotations

import numpy as np
import pandas as pd


def assign_splits(genes: np.ndarray, proportions: dict[str, float], seed: int) -> pd.DataFrame:
    """Assign each gene to train/valid/test in the given proportions.

    Genes are sorted before the seeded permutation, so the split depends only on the gene
    set and the seed. With DeepChrome's 6601/6601/6600 and 19,802 genes the sizes are exact.
    """
    genes = np.sort(np.asarray(genes, dtype=str))
    if len(np.unique(genes)) != len(genes):
        raise ValueError("gene IDs must be unique to split")
    total = sum(proportions.values())
    n = len(genes)
    n_train = round(n * proportions["train"] / total)
    n_valid = round(n * proportions["valid"] / total)
    perm = np.random.default_rng(seed).permutation(n)
    split = np.empty(n, dtype=object)
    split[perm[:n_train]] = "train"
    split[perm[n_train : n_train + n_valid]] = "valid"
    split[perm[n_train + n_valid :]] = "test"
    return pd.DataFrame({"gene_id": genes, "split": split})
