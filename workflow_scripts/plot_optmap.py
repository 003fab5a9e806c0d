"""rule plot_optmap: class-optimization maps of one classifier, one column per method."""

from deepchrome2.interpret.optmap import get_method
from deepchrome2.plots.interpret import optmap_figure
from deepchrome2.runner import run_step


def main(smk):
    titles = [f"{m}: {get_method(m).title}" for m in smk.params.methods]
    label = f"{smk.wildcards.arch} on {smk.wildcards.cell}"
    optmap_figure(list(smk.input), titles, smk.output.pdf, smk.output.png, label)


run_step(snakemake, main)
