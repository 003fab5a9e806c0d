"""rule plot_attention: bin- and mark-level attention of one cell."""

from deepchrome2.plots.interpret import attention_figure
from deepchrome2.runner import run_step


def main(smk):
    attention_figure(smk.input[0], smk.output.pdf, smk.output.png, smk.wildcards.cell)


run_step(snakemake, main)
