"""rules plot_gan_*: one GAN figure, PDF and PNG."""

from deepchrome2.plots.gan import gan_figure_files
from deepchrome2.runner import run_step


def main(smk):
    inp = smk.input
    gan_figure_files(
        smk.params.name,
        smk.output.pdf,
        smk.output.png,
        gan_name=smk.wildcards.gset,
        checkpoint=inp.get("checkpoint"),
        generated=inp.get("generated"),
        features=list(inp.get("features", [])),
        labels=list(inp.get("labels", [])),
        split=inp.get("split"),
        history=inp.get("history"),
        optmaps=list(inp.get("optmaps", [])),
        cells=smk.params.cells,
        truth=inp.get("truth"),
    )


run_step(snakemake, main)
