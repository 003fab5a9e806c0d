"""Adapter: rule import_deepchrome_split -> deepchrome2.data.steps.import_deepchrome_split."""

from deepchrome2.data.deepchrome_csv import archive_root
from deepchrome2.data.steps import import_deepchrome_split
from deepchrome2.runner import run_step


def main(smk):
    import_deepchrome_split(str(archive_root(smk.input[0])), smk.params.cells, smk.output[0])


run_step(snakemake, main)
