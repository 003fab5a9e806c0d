"""rule crosscell_cache: one cell's features as an uncompressed .npy for memory mapping."""

from deepchrome2.crosscell.pooled import crosscell_cache
from deepchrome2.runner import run_step


def main(smk):
    crosscell_cache(smk.input[0], smk.output[0])


run_step(snakemake, main)
