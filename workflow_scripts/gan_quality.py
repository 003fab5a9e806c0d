"""rule gan_quality: stack the per-GAN quality tables."""

from deepchrome2.gan.quality import concat_tables
from deepchrome2.runner import run_step


def main(smk):
    concat_tables(list(smk.input), smk.output[0])


run_step(snakemake, main)
