"""Per-gene predictions: agreement between architectures, and predict-only mode.

Every training job (rule train, rule train_crosscell) writes its model's per-gene predictions
itself: results/predictions/{arch}/{cell}.tsv and, one table per pooled training-set job,
results/predictions/crosscell/{arch}/{tset}.tsv (every use of that set: experiment, target
cell, track). Cells listed under `predict:` (bigWigs, no expression) are binned over this run's
TSS windows and scored by the listed models into results/predictions/new/{model}/{cell}.tsv.
Their inputs and params come from PREDICT (deepchrome2.predict.plan, made in rules/common.smk).
The ROC figure of each cell is a figure of the registry (rules/figures.smk: plot_roc).
"""

import re

NOTHING = (
    "(?!x)x"  # a pattern no name matches: without `predict:` these rules never apply
)


wildcard_constraints:
    pcell="|".join(map(re.escape, PREDICT.cells)) or NOTHING,
    model="|".join(map(re.escape, PREDICT.models)) or NOTHING,


rule prediction_agreement:
    input:
        TRAINING.predictions(),
    output:
        report(
            "results/tables/prediction_agreement.tsv",
            caption="../report/table_prediction_agreement.rst",
            category="per-cell",
        ),
    log:
        "logs/predictions/agreement.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        architectures=TRAINING.archs,
        cells=CELLS,
    script:
        "../workflow_scripts/prediction_agreement.py"


rule predict_features:
    input:
        windows="results/annotation/tss_windows.tsv",
        bigwigs=PREDICT.bigwig_input,
    output:
        "results/predict/features/{pcell}.npz",
    log:
        "logs/predict/features/{pcell}.log",
    benchmark:
        "benchmarks/predict/features/{pcell}.tsv"
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        marks=PREDICT.marks_param,
        window=config["window"],
    script:
        "../workflow_scripts/bin_signals.py"


rule predict_new_cell:
    input:
        model=PREDICT.model_input,
        features="results/predict/features/{pcell}.npz",
        split="results/splits/genes.tsv",
    output:
        "results/predictions/new/{model}/{pcell}.tsv",
    log:
        "logs/predict/{model}/{pcell}.log",
    conda:
        "../envs/deepchrome2.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        device=config["device"],
        track=PREDICT.track,
    script:
        "../workflow_scripts/predict_new_cell.py"
