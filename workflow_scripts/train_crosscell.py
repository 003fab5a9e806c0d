"""rule train_crosscell: one architecture trained once on one training set."""

from deepchrome2.crosscell.experiment import train_crosscell
from deepchrome2.runner import run_step


def main(smk):
    train_crosscell(
        smk.input.sets,
        smk.wildcards.tset,
        smk.params.cells,
        smk.input.caches,
        smk.input.features,
        smk.input.labels,
        smk.input.split,
        smk.output.models,
        smk.output.metrics,
        smk.output.history,
        arch=smk.wildcards.arch,
        settings=smk.params.settings,
        hparams=smk.params.hparams,
        transform=smk.params.transform,
        device=smk.params.device,
        target=smk.params.target,
        predictions_out=smk.output.predictions,
    )


run_step(snakemake, main)
