"""rule plot_attribution: integrated-gradients maps of every torch model of one cell."""

from deepchrome2.plots.interpret import attribution_figure
from deepchrome2.runner import run_step


def main(smk):
    attribution_figure(list(smk.input), smk.output.pdf, smk.output.png, smk.wildcards.cell)


run_step(snakemake, main)
