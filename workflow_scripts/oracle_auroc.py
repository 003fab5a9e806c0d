"""Adapter: rule oracle_auroc -> deepchrome2.data.steps.oracle_auroc."""

from deepchrome2.data.steps import oracle_auroc
from deepchrome2.runner import run_step


def main(smk):
    labels = dict(zip(smk.params.cells, smk.input.labels, strict=True))
    oracle_auroc(smk.input.activity, labels, smk.input.split, smk.output[0])


run_step(snakemake, main)
