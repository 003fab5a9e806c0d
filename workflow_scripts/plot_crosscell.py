"""rules plot_crosscell_*: one cross-cell figure, as PDF and PNG."""

from deepchrome2.plots.crosscell import plot_figure
from deepchrome2.runner import run_step


def main(smk):
    plot_figure(
        smk.params.figure,
        smk.input[0],
        smk.output.pdf,
        smk.output.png,
        arch=smk.wildcards.get("arch"),
        experiments=smk.params.experiments,
        architectures=smk.params.architectures,
    )


run_step(snakemake, main)
