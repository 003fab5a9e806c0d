"""Adapter: rules bin_signals and predict_features -> deepchrome2.data.steps.bin_signals."""

from deepchrome2.data.steps import bin_signals
from deepchrome2.runner import run_step


def main(smk):
    bigwigs = dict(zip(smk.params.marks, smk.input.bigwigs, strict=True))
    bin_signals(smk.input.windows, bigwigs, smk.params.window, smk.output[0])


run_step(snakemake, main)
