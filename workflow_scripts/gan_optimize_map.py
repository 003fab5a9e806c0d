"""rule gan_optimize_map: DeepChrome's class-optimization map of a trained classifier."""

from deepchrome2.gan.optimize import gan_optimize_map
from deepchrome2.runner import run_step


def main(smk):
    gan_optimize_map(smk.input.classifier, smk.output[0], **smk.params)


run_step(snakemake, main)
