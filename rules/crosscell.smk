"""Cross-cell evaluation: the train-cell x test-cell transfer matrix of the per-cell models,
the DeepChrome 2.0 training-set experiments (pooled training), their tables and figures.
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
        targets=CC_TARGETS,
        experiments=CC_EXPERIMENTS,
        options=cc_config.plan_options(config) if CC else {},
    script:
        "../workflow_scripts/crosscell_sets.py"


rule transfer_eval:
    input:
        model="results/models/{arch}/{cell}/model.pt",
        caches=feature_caches(),
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


rule cross_cell_table:
    input:
        transfer_rows,
    output:
        report(
            "results/tables/cross_cell_{arch}.tsv",
            caption="../report/table_cross_cell.rst",
            category="cross-cell",
        ),
    log:
        "logs/crosscell/cross_cell_{arch}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        tissue=cfg.tissue_of(config),
    script:
        "../workflow_scripts/cross_cell_table.py"


rule train_crosscell:
    input:
        sets="results/crosscell/sets.tsv",
        caches=feature_caches(),
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
        mem_mb=pooled_mem_mb,
        runtime=120,
    params:
        cells=CELLS,
        settings=arch_settings,
        hparams=arch_hparams,
        transform=arch_transform,
        device=config["device"],
        target=TRAINING.task.name,
    script:
        "../workflow_scripts/train_crosscell.py"


rule crosscell_tables:
    input:
        matrices=expand("results/tables/cross_cell_{arch}.tsv", arch=CC_ARCHS),
        metrics=experiment_metrics,
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
        experiments=CC_EXPERIMENTS,
        targets=CC_TARGETS,
        architectures=CC_ARCHS,
        metric=METRIC,
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
        architectures=CC_ARCHS,
        metric=METRIC,
    script:
        "../workflow_scripts/finding3.py"


rule plot_crosscell_heatmap:
    input:
        "results/tables/cross_cell_{arch}.tsv",
    output:
        pdf=report(
            "results/figures/crosscell_heatmap_{arch}.pdf",
            caption="../report/crosscell_heatmap.rst",
            category="cross-cell",
        ),
        png=report(
            "results/figures/crosscell_heatmap_{arch}.png",
            caption="../report/crosscell_heatmap.rst",
            category="cross-cell",
        ),
    log:
        "logs/plots/crosscell_heatmap_{arch}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        figure="heatmap",
        experiments=CC_EXPERIMENTS,
        architectures=CC_ARCHS,
    script:
        "../workflow_scripts/plot_crosscell.py"


rule plot_crosscell_experiments:
    input:
        "results/tables/crosscell_experiments.tsv",
    output:
        pdf=report(
            "results/figures/crosscell_experiments.pdf",
            caption="../report/crosscell_experiments.rst",
            category="cross-cell",
        ),
        png=report(
            "results/figures/crosscell_experiments.png",
            caption="../report/crosscell_experiments.rst",
            category="cross-cell",
        ),
    log:
        "logs/plots/crosscell_experiments.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        figure="experiments",
        experiments=CC_EXPERIMENTS,
        architectures=CC_ARCHS,
    script:
        "../workflow_scripts/plot_crosscell.py"


rule plot_crosscell_within_vs_exclusive:
    input:
        "results/tables/crosscell_experiments.tsv",
    output:
        pdf=report(
            "results/figures/crosscell_within_vs_exclusive.pdf",
            caption="../report/crosscell_within_vs_exclusive.rst",
            category="cross-cell",
        ),
        png=report(
            "results/figures/crosscell_within_vs_exclusive.png",
            caption="../report/crosscell_within_vs_exclusive.rst",
            category="cross-cell",
        ),
    log:
        "logs/plots/crosscell_within_vs_exclusive.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        figure="scatter",
        experiments=CC_EXPERIMENTS,
        architectures=CC_ARCHS,
    script:
        "../workflow_scripts/plot_crosscell.py"
