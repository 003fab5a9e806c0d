"""Simulated cohort in Roadmap's file formats (the default input), and the oracle AUROC of its
known truth. Included only with source: simulate."""

SIM_DIR = config["simulate"]["outdir"]


rule simulate_cohort:
    output:
        rpkm=f"{SIM_DIR}/57epigenomes.RPKM.pc",
        gtf=f"{SIM_DIR}/gencode.annotation.gtf",
        chrom_sizes=f"{SIM_DIR}/chrom.sizes",
        truth=multiext(
            f"{SIM_DIR}/truth/",
            "activity.tsv",
            "chromatin.tsv",
            "genes.tsv",
            "cells.tsv",
            "class_profiles.npz",
        ),
    log:
        "logs/simulate/cohort.log",
    benchmark:
        "benchmarks/simulate/cohort.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        sim=config["simulate"],
        window=config["window"],
    script:
        "../workflow_scripts/simulate_cohort.py"


rule simulate_bigwigs:
    output:
        bigwigs=expand(
            f"{SIM_DIR}/bigwig/{{cell}}-{{mark}}.fc.signal.bigwig",
            mark=MARKS,
            allow_missing=True,
        ),
    log:
        "logs/simulate/bigwigs_{cell}.log",
    benchmark:
        "benchmarks/simulate/bigwigs_{cell}.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        sim=config["simulate"],
        window=config["window"],
        marks=MARKS,
    script:
        "../workflow_scripts/simulate_bigwigs.py"


rule oracle_auroc:
    input:
        activity=f"{SIM_DIR}/truth/activity.tsv",
        chromatin=f"{SIM_DIR}/truth/chromatin.tsv",
        labels=expand("results/labels/{cell}.tsv", cell=CELLS),
        split="results/splits/genes.tsv",
    output:
        report(
            "results/tables/oracle_auroc.tsv",
            caption="../report/table_oracle_auroc.rst",
            category="data",
        ),
    log:
        "logs/oracle_auroc.log",
    benchmark:
        "benchmarks/oracle_auroc.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        cells=CELLS,
        sim=config["simulate"],
        window=config["window"],
    script:
        "../workflow_scripts/oracle_auroc.py"
