"""Training every architecture on every cell, then tables and figures over the results.

Input and params functions live in deepchrome2.training.workflow (TrainingPlan), which also
rejects unknown architecture names at parse time, listing the valid ones.
"""

from deepchrome2.training.workflow import TrainingPlan

TRAINING = TrainingPlan(
    config,
    CELLS,
    SOURCE,
    reference=f"{workflow.basedir}/resources/deepchrome2_paper/dc2_test_auroc.tsv",
)
ARCHS = TRAINING.archs
train_targets = TRAINING.targets
# params functions of one architecture's settings, also used by rules/crosscell.smk
arch_settings = TRAINING.settings
arch_hparams = TRAINING.hparams
arch_transform = TRAINING.transform
# the target's headline metric (auroc, or pearson_r for target: log_rpkm) names tables/figures
METRIC = TRAINING.metric


wildcard_constraints:
    arch="|".join(ARCHS),


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
        settings=arch_settings,
        hparams=arch_hparams,
        transform=arch_transform,
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
        architectures=ARCHS,
        cells=CELLS,
        metric=METRIC,
    script:
        "../workflow_scripts/summarize_training.py"


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
        b="linear",
        metric=METRIC,
    script:
        "../workflow_scripts/summarize_finding1.py"


rule plot_auroc_by_architecture:
    input:
        metrics=TRAINING.job_files("metrics.json"),
    output:
        pdf=report(
            f"results/figures/{METRIC}_by_architecture.pdf",
            caption="../report/auroc_by_architecture.rst",
            category="per-cell",
        ),
        png=report(
            f"results/figures/{METRIC}_by_architecture.png",
            caption="../report/auroc_by_architecture.rst",
            category="per-cell",
        ),
    log:
        f"logs/plots/{METRIC}_by_architecture.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        name="auroc_by_architecture",
        order=ARCHS,
        metric=METRIC,
    script:
        "../workflow_scripts/plot_per_cell.py"


rule plot_linear_vs_deepchrome:
    input:
        unpack(TRAINING.pair_input),
    output:
        pdf=report(
            "results/figures/linear_vs_deepchrome.pdf",
            caption="../report/linear_vs_deepchrome.rst",
            category="per-cell",
        ),
        png=report(
            "results/figures/linear_vs_deepchrome.png",
            caption="../report/linear_vs_deepchrome.rst",
            category="per-cell",
        ),
    log:
        "logs/plots/linear_vs_deepchrome.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        name="linear_vs_deepchrome",
        order=["linear", "deepchrome"],
        metric=METRIC,
    script:
        "../workflow_scripts/plot_per_cell.py"


rule plot_training_curves:
    input:
        unpack(TRAINING.curves_input),
    output:
        pdf=report(
            "results/figures/training_curves.pdf",
            caption="../report/training_curves.rst",
            category="per-cell",
        ),
        png=report(
            "results/figures/training_curves.png",
            caption="../report/training_curves.rst",
            category="per-cell",
        ),
    log:
        "logs/plots/training_curves.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        name="training_curves",
        order=ARCHS,
        metric=METRIC,
    script:
        "../workflow_scripts/plot_per_cell.py"


rule plot_auroc_vs_oracle:
    input:
        unpack(TRAINING.oracle_input),
    output:
        pdf=report(
            f"results/figures/{METRIC}_vs_oracle.pdf",
            caption="../report/auroc_vs_oracle.rst",
            category="per-cell",
        ),
        png=report(
            f"results/figures/{METRIC}_vs_oracle.png",
            caption="../report/auroc_vs_oracle.rst",
            category="per-cell",
        ),
    log:
        f"logs/plots/{METRIC}_vs_oracle.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        name="auroc_vs_oracle",
        order=ARCHS,
        metric=METRIC,
    script:
        "../workflow_scripts/plot_per_cell.py"


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
        architectures=ARCHS,
    script:
        "../workflow_scripts/summarize_paper.py"


rule plot_ours_vs_paper:
    input:
        unpack(TRAINING.paper_input),
    output:
        pdf=report(
            "results/figures/ours_vs_paper.pdf",
            caption="../report/ours_vs_paper.rst",
            category="per-cell",
        ),
        png=report(
            "results/figures/ours_vs_paper.png",
            caption="../report/ours_vs_paper.rst",
            category="per-cell",
        ),
    log:
        "logs/plots/ours_vs_paper.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        order=ARCHS,
    script:
        "../workflow_scripts/plot_ours_vs_paper.py"
