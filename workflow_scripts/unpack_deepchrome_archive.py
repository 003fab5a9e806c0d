"""Adapter: unpack the configured cells of the DeepChrome archive (rules/download.smk)."""

from deepchrome2.data.deepchrome_archive import unpack_deepchrome_archive
from deepchrome2.data.deepchrome_csv import archive_root
from deepchrome2.runner import run_step


def main(smk):
    unpack_deepchrome_archive(smk.input[0], archive_root(smk.output[0]), smk.params.cells)


run_step(snakemake, main)
