"""rule crosscell_tables: experiments x target cells x architectures, and its summary."""

from deepchrome2.crosscell.summary import crosscell_tables
from deepchrome2.runner import run_step


def main(smk):
    crosscell_tables(
        smk.input.matrices,
        smk.input.metrics,
        smk.input.sets,
        smk.output.experiments,
        smk.output.summary,
        experiments=smk.params.experiments,
        targets=smk.params.targets,
        architectures=smk.params.architectures,
        metric=smk.params.metric,
        cohort=smk.params.cohort,
    )


run_step(snakemake, main)
