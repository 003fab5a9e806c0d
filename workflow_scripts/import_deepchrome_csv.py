"""Adapter: rule import_deepchrome_csv -> deepchrome2.data.steps.import_deepchrome_csv."""

from deepchrome2.data.steps import import_deepchrome_csv
from deepchrome2.runner import run_step


def main(smk):
    import_deepchrome_csv(
        smk.params.root,
        smk.wildcards.cell,
        smk.params.marks,
        smk.params.window,
        smk.output.features,
        smk.output.labels,
    )


run_step(snakemake, main)
