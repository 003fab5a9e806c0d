"""rule crosscell_sets: the training set of every experiment and target cell."""

from deepchrome2.crosscell.sets import crosscell_sets
from deepchrome2.runner import run_step


def main(smk):
    labels = dict(zip(smk.params.cells, smk.input.labels, strict=True))
    crosscell_sets(
        labels,
        smk.input.split,
        smk.output.sets,
        smk.output.correlation,
        cohort=smk.params.cells,
        targets=smk.params.targets,
        experiments=smk.params.experiments,
        **smk.params.options,
    )


run_step(snakemake, main)
