"""rule generate_gan: samples of each class from a trained GAN."""

from deepchrome2.gan.train import generate_gan
from deepchrome2.runner import run_step


def main(smk):
    generate_gan(smk.input.checkpoint, smk.output[0], **smk.params)


run_step(snakemake, main)
