"""rule finding3: mean ΔAUROC (exclusive_all − per-cell) with paired tests over cells."""

from deepchrome2.crosscell.summary import finding3
from deepchrome2.runner import run_step


def main(smk):
    finding3(smk.input[0], smk.output[0], smk.params.architectures, smk.params.metric)


run_step(snakemake, main)
