"""Adapter: rule split_genes -> deepchrome2.data.steps.split_genes."""

from deepchrome2.data.steps import split_genes
from deepchrome2.runner import run_step


def main(smk):
    split_genes(smk.input.windows, smk.params.proportions, smk.params.seed, smk.output[0])


run_step(snakemake, main)
