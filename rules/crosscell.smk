"""Cross-cell evaluation: the train-cell x test-cell transfer matrix of the per-cell models,
the DeepChrome 2.0 training-set experiments (pooled training) and their tables.

Targets, inputs and params come from CROSSCELL (deepchrome2.crosscell.workflow, made in
rules/common.smk); the figures are generated from the figure registry (rules/figures.smk).
"""


rule crosscell_cache:
    input:
        "results/features/{cell}.npz",
    output:
        "results/crosscell/cache/{cell}.npy",
    log:
        "logs/crosscell/cache/{cell}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/crosscell_cache.py"


checkpoint crosscell_sets:
    input:
        labels=expand("results/labels/{cell}.tsv", cell=CELLS),
        split="results/splits/genes.tsv",
    output:
        sets="results/crosscell/sets.tsv",
        correlation="results/crosscell/expression_correlation.tsv",
    log:
        "logs/crosscell/sets.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        cells=CELLS,
        targets=CROSSCELL.target_cells,
        experiments=CROSSCELL.experiments,
        options=CROSSCELL.plan_options,
    script:
        "../workflow_scripts/crosscell_sets.py"


rule transfer_eval:
    input:
        model="results/models/{arch}/{cell}/model.pt",
        caches=CROSSCELL.feature_caches(),
        features=expand("results/features/{cell}.npz", cell=CELLS),
        labels=expand("results/labels/{cell}.tsv", cell=CELLS),
        split="results/splits/genes.tsv",
    output:
        "results/crosscell/transfer/{arch}/{cell}.tsv",
    log:
        "logs/crosscell/transfer/{arch}/{cell}.log",
    benchmark:
        "benchmarks/crosscell/transfer/{arch}/{cell}.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        cells=CELLS,
        device=config["device"],
    script:
        "../workflow_scripts/transfer_eval.py"


rule crosscell_table:
    input:
        CROSSCELL.transfer_rows,
    output:
        report(
            "results/tables/cross_cell_{arch}.tsv",
            caption="../report/table_crosscell.rst",
            category="cross-cell",
        ),
    log:
        "logs/crosscell/crosscell_table_{arch}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        tissue=cfg.tissue_of(config),
    script:
        "../workflow_scripts/crosscell_table.py"


rule train_crosscell:
    input:
        sets="results/crosscell/sets.tsv",
        caches=CROSSCELL.feature_caches(),
        features=expand("results/features/{cell}.npz", cell=CELLS),
        labels=expand("results/labels/{cell}.tsv", cell=CELLS),
        split="results/splits/genes.tsv",
    output:
        models="results/crosscell/pooled/{arch}/{tset}/models.pt",
        metrics="results/crosscell/pooled/{arch}/{tset}/metrics.tsv",
        history="results/crosscell/pooled/{arch}/{tset}/history.tsv",
        predictions="results/predictions/crosscell/{arch}/{tset}.tsv",
    log:
        "logs/crosscell/pooled/{arch}/{tset}.log",
    benchmark:
        "benchmarks/crosscell/pooled/{arch}/{tset}.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: config["train"]["threads"]
    resources:
        mem_mb=CROSSCELL.pooled_mem_mb,
        runtime=120,
    params:
        cells=CELLS,
        settings=CROSSCELL.settings,
        hparams=CROSSCELL.hparams,
        transform=CROSSCELL.transform,
        device=config["device"],
        target=CROSSCELL.task.name,
    script:
        "../workflow_scripts/train_crosscell.py"


rule crosscell_tables:
    input:
        matrices=expand("results/tables/cross_cell_{arch}.tsv", arch=CROSSCELL.archs),
        metrics=CROSSCELL.experiment_metrics,
        sets="results/crosscell/sets.tsv",
    output:
        experiments=report(
            "results/tables/crosscell_experiments.tsv",
            caption="../report/table_crosscell_experiments.rst",
            category="cross-cell",
        ),
        summary=report(
            "results/tables/crosscell_summary.tsv",
            caption="../report/table_crosscell_summary.rst",
            category="cross-cell",
        ),
    log:
        "logs/crosscell/tables.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        experiments=CROSSCELL.experiments,
        targets=CROSSCELL.target_cells,
        architectures=CROSSCELL.archs,
        metric=CROSSCELL.metric,
        cohort=CELLS,
    script:
        "../workflow_scripts/crosscell_tables.py"


rule finding3:
    input:
        "results/tables/crosscell_experiments.tsv",
    output:
        report(
            "results/tables/finding3_crosscell.tsv",
            caption="../report/table_finding3.rst",
            category="cross-cell",
        ),
    log:
        "logs/crosscell/finding3.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        architectures=CROSSCELL.archs,
        metric=CROSSCELL.metric,
    script:
        "../workflow_scripts/finding3.py"
