"""rules download_<name>: download one input file (rules/download.smk)."""

from deepchrome2.download import download
from deepchrome2.runner import run_step


def main(smk):
    download(
        smk.input[0],
        smk.output[0],
        checksums=smk.params.checksums,
        retries=smk.params.retries,
        backoff=smk.params.backoff,
        expected=smk.params.expected,
    )


run_step(snakemake, main)
