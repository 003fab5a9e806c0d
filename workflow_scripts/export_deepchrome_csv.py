"""Adapter: rule export_deepchrome_csv -> deepchrome2.data.steps.export_deepchrome_csv."""

from pathlib import Path

from deepchrome2.data.steps import export_deepchrome_csv
from deepchrome2.runner import run_step


def main(smk):
    root = Path(smk.output[0]).parents[2]  # {root}/{cell}/classification/{split}.csv
    export_deepchrome_csv(
        smk.input.features, smk.input.labels, smk.input.split, root, smk.wildcards.cell
    )


run_step(snakemake, main)
