"""rule gan_quality: stack the per-GAN quality tables."""

from deepchrome2.gan.summary import gan_quality
from deepchrome2.runner import run_step


def main(smk):
    gan_quality(list(smk.input), smk.output[0])


run_step(snakemake, main)
