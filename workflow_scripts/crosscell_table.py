"""rule crosscell_table: gather one architecture's transfer rows into its matrix table."""

from deepchrome2.crosscell.evaluate import crosscell_table
from deepchrome2.runner import run_step


def main(smk):
    crosscell_table(smk.input, smk.output[0], tissue=smk.params.tissue)


run_step(snakemake, main)
