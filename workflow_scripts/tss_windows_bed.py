"""rule tss_windows_bed: the TSS windows as BED6 for deepTools."""

from deepchrome2.data.deeptools import tss_windows_bed
from deepchrome2.runner import run_step


def main(smk):
    tss_windows_bed(smk.input[0], smk.output[0])


run_step(snakemake, main)
