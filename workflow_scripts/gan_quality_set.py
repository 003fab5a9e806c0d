"""rule gan_quality_set: fidelity, distances and truth correlation of one GAN."""

from deepchrome2.gan.quality import gan_quality_set
from deepchrome2.runner import run_step


def main(smk):
    gan_quality_set(
        smk.input.checkpoint,
        smk.input.generated,
        list(smk.input.features),
        list(smk.input.labels),
        smk.input.split,
        output=smk.output[0],
        classifiers=list(smk.input.classifiers),
        truth=smk.input.get("truth"),
        **smk.params,
    )


run_step(snakemake, main)
