"""Adapter: rule split_genes -> deepchrome2.data.steps.make_split."""

from deepchrome2.data.steps import make_split
from deepchrome2.runner import run_step


def main(smk):
    make_split(smk.input.windows, smk.params.proportions, smk.params.seed, smk.output[0])


run_step(snakemake, main)
