"""rule plot_signal_heatmap: every gene of a cell sorted by expression, marks as columns."""

from deepchrome2.plots.interpret import signal_heatmap
from deepchrome2.runner import run_step


def main(smk):
    signal_heatmap(smk.input[0], smk.output.pdf, smk.output.png, smk.wildcards.cell)


run_step(snakemake, main)
