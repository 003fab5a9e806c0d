"""rule deeptools_matrix: one cell's signal in computeMatrix's .mat.gz format."""

from deepchrome2.data.deeptools import deeptools_matrix
from deepchrome2.runner import run_step


def main(smk):
    inp = smk.input
    deeptools_matrix(inp.features, inp.labels, inp.windows, smk.output[0], smk.params.window)


run_step(snakemake, main)
