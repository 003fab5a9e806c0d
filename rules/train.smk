"""Training every architecture on every cell, then tables and figures over the results.

Targets, input and params functions come from TRAINING (deepchrome2.training.workflow, made in
rules/common.smk); the figures are generated from the figure registry (rules/figures.smk).
"""


rule train:
    input:
        features="results/features/{cell}.npz",
        labels="results/labels/{cell}.tsv",
        split="results/splits/genes.tsv",
    output:
        model="results/models/{arch}/{cell}/model.pt",
        metrics="results/models/{arch}/{cell}/metrics.json",
        history="results/models/{arch}/{cell}/history.tsv",
        predictions="results/predictions/{arch}/{cell}.tsv",
    log:
        "logs/train/{arch}/{cell}.log",
    benchmark:
        "benchmarks/train/{arch}/{cell}.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: config["train"]["threads"]
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        settings=TRAINING.settings,
        hparams=TRAINING.hparams,
        transform=TRAINING.transform,
        device=config["device"],
        target=TRAINING.task.name,
    script:
        "../workflow_scripts/train.py"


rule training_tables:
    input:
        unpack(TRAINING.tables_input),
    output:
        per_cell=report(
            TRAINING.per_cell_table,
            caption="../report/table_per_cell_auroc.rst",
            category="per-cell",
        ),
        architectures=report(
            "results/tables/architectures.tsv",
            caption="../report/table_architectures.rst",
            category="per-cell",
        ),
    log:
        "logs/summarize/training_tables.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        architectures=TRAINING.archs,
        cells=CELLS,
        metric=TRAINING.metric,
    script:
        "../workflow_scripts/training_tables.py"


rule finding1:
    input:
        unpack(TRAINING.pair_input),
    output:
        report(
            "results/tables/finding1_linear_vs_cnn.tsv",
            caption="../report/table_finding1.rst",
            category="per-cell",
        ),
    log:
        "logs/summarize/finding1.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        a="deepchrome",
        baselines=TRAINING.finding1_baselines,
        metric=TRAINING.metric,
    script:
        "../workflow_scripts/finding1.py"


rule paper_comparison:
    input:
        unpack(TRAINING.paper_input),
    output:
        report(
            "results/tables/paper_comparison.tsv",
            caption="../report/table_paper_comparison.rst",
            category="per-cell",
        ),
    log:
        "logs/summarize/paper_comparison.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        architectures=TRAINING.archs,
    script:
        "../workflow_scripts/paper_comparison.py"
