"""Adapter: rule plot_mark_profiles -> deepchrome2.plots.data.plot_mark_profiles."""

from deepchrome2.plots.data import plot_mark_profiles
from deepchrome2.runner import run_step


def main(smk):
    features = dict(zip(smk.params.cells, smk.input.features, strict=True))
    labels = dict(zip(smk.params.cells, smk.input.labels, strict=True))
    truth = smk.input.get("truth")
    plot_mark_profiles(features, labels, smk.output.pdf, smk.output.png, truth=truth)


run_step(snakemake, main)
