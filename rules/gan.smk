"""Conditional GAN of histone signal per expression class: training, samples and quality.

Targets, inputs and params come from GAN (deepchrome2.gan.workflow, made in rules/common.smk);
the figures are generated from the figure registry (rules/figures.smk).
"""


rule train_gan:
    input:
        features=GAN.features,
        labels=GAN.labels,
        split="results/splits/genes.tsv",
    output:
        checkpoint="results/gan/{gset}/gan.pt",
        history="results/gan/{gset}/history.tsv",
    log:
        "logs/gan/train_{gset}.log",
    benchmark:
        "benchmarks/gan/train_{gset}.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: GAN.section["threads"]
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        gan=GAN.section,
        device=config["device"],
    script:
        "../workflow_scripts/train_gan.py"


rule generate_gan:
    input:
        checkpoint="results/gan/{gset}/gan.pt",
    output:
        "results/gan/{gset}/generated.npz",
    log:
        "logs/gan/generate_{gset}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        n_per_class=GAN.section["n_generated"],
        seed=GAN.section["seed"],
    script:
        "../workflow_scripts/generate_gan.py"


rule gan_optimize_map:
    input:
        classifier=GAN.classifier_model(),
    output:
        "results/gan/{cell}/optmap.npz",
    log:
        "logs/gan/optmap_{cell}.log",
    benchmark:
        "benchmarks/gan/optmap_{cell}.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        l2=GAN.section["optimize"]["l2"],
        steps=GAN.section["optimize"]["steps"],
        lr=GAN.section["optimize"]["lr"],
        seed=GAN.section["seed"],
    script:
        "../workflow_scripts/gan_optimize_map.py"


rule gan_quality_set:
    input:
        unpack(GAN.quality_input),
    output:
        "results/gan/{gset}/quality.tsv",
    log:
        "logs/gan/quality_{gset}.log",
    benchmark:
        "benchmarks/gan/quality_{gset}.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        cells=GAN.cells_of,
        min_genes_per_class=GAN.section["min_genes_per_class"],
    script:
        "../workflow_scripts/gan_quality_set.py"


rule gan_quality:
    input:
        GAN.quality_tables(),
    output:
        report(
            "results/tables/gan_quality.tsv",
            caption="../report/table_gan_quality.rst",
            category="GAN",
        ),
    log:
        "logs/gan/quality_table.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/gan_quality.py"
