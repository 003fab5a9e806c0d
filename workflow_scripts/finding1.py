"""rule finding1: mean test-AUROC difference deepchrome - linear with paired tests."""

from deepchrome2.runner import run_step
from deepchrome2.training.summary import finding1


def main(smk):
    finding1(smk.input.metrics, smk.output[0], **smk.params)


run_step(snakemake, main)
