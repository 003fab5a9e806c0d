"""rule train_gan: a conditional GAN on the training genes of one cell or pooled cells."""

from deepchrome2.gan.train import train_gan
from deepchrome2.runner import run_step


def main(smk):
    train_gan(
        list(smk.input.features),
        list(smk.input.labels),
        smk.input.split,
        smk.output.checkpoint,
        smk.output.history,
        gan_cfg=smk.params.gan,
        device=smk.params.device,
    )


run_step(snakemake, main)
