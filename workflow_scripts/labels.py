"""Adapter: rule labels -> deepchrome2.data.steps.labels."""

from deepchrome2.data.steps import labels
from deepchrome2.runner import run_step


def main(smk):
    labels(
        smk.input.rpkm,
        smk.input.windows,
        smk.wildcards.cell,
        smk.output[0],
        gene_id=smk.params.gene_id,
    )


run_step(snakemake, main)
