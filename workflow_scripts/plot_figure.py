"""rules plot_<figure>: one figure of the registry (deepchrome2.plots.registry), PDF and PNG."""

from deepchrome2.plots.registry import FigureJob, plot_figure
from deepchrome2.runner import run_step


def main(smk):
    job = FigureJob(
        input=dict(smk.input.items()),
        params=smk.params.settings,
        wildcards=dict(smk.wildcards.items()),
        pdf=smk.output.pdf,
        png=smk.output.png,
    )
    plot_figure(smk.params.figure, job)


run_step(snakemake, main)
