"""rule train_crosscell: one experiment's pooled model for one target cell."""

from deepchrome2.crosscell.experiment import run_experiment
from deepchrome2.runner import run_step


def main(smk):
    run_experiment(
        smk.input.sets,
        smk.params.cells,
        smk.input.caches,
        smk.input.features,
        smk.input.labels,
        smk.input.split,
        smk.output.model,
        smk.output.metrics,
        smk.output.history,
        arch=smk.wildcards.arch,
        experiment=smk.wildcards.experiment,
        target=smk.wildcards.cell,
        settings=smk.params.settings,
        hparams=smk.params.hparams,
        transform=smk.params.transform,
        device=smk.params.device,
        predict=smk.params.target,
        predictions_out=smk.output.predictions,
    )


run_step(snakemake, main)
