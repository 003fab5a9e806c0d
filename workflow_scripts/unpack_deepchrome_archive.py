"""Adapter: unpack the configured cells of the DeepChrome archive (rules/download.smk)."""

from deepchrome2.data.deepchrome_archive import unpack
from deepchrome2.runner import run_step


def main(smk):
    unpack(smk.input[0], smk.params.root, smk.params.cells)


run_step(snakemake, main)
