"""rule gan_optimize_map: DeepChrome's class-optimization map of a trained classifier."""

from deepchrome2.gan.optimize import optimize_files
from deepchrome2.runner import run_step


def main(smk):
    optimize_files(smk.input.classifier, smk.output[0], **smk.params)


run_step(snakemake, main)
