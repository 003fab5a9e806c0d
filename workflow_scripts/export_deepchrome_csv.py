"""Adapter: rule export_deepchrome_csv -> deepchrome2.data.steps.export_archive_cell."""

from deepchrome2.data.steps import export_archive_cell
from deepchrome2.runner import run_step


def main(smk):
    export_archive_cell(
        smk.input.features, smk.input.labels, smk.input.split, smk.params.root, smk.wildcards.cell
    )


run_step(snakemake, main)
