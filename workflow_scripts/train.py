"""rule train: fit one architecture on one cell."""

from deepchrome2.runner import run_step
from deepchrome2.training.job import train


def main(smk):
    train(
        smk.input.features,
        smk.input.labels,
        smk.input.split,
        smk.output.model,
        smk.output.metrics,
        smk.output.history,
        predictions_out=smk.output.predictions,
        arch=smk.wildcards.arch,
        cell=smk.wildcards.cell,
        **smk.params,
    )


run_step(snakemake, main)
