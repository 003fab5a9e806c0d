"""rule plot_roc: every architecture's ROC and precision-recall curves, one figure per cell."""

from deepchrome2.plots.predictions import roc_pr_figures
from deepchrome2.runner import run_step


def main(smk):
    roc_pr_figures(smk.input, smk.params.architectures, smk.params.cells, smk.output)


run_step(snakemake, main)
