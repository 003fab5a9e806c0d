"""Configuration and input functions of the prediction rules (rules/predictions.smk)."""

from deepchrome2.crosscell.experiments import TRAINED as CC_TRAINABLE
from deepchrome2.predict.plan import plan as predict_plan
from deepchrome2.predict.plan import pooled_model

try:
    PREDICT = predict_plan(
        config,
        CELLS,
        MARKS,
        {
            "architectures": CC_ARCHS,
            "trained": [e for e in CC_EXPERIMENTS if e in CC_TRAINABLE],
            "targets": CC_TARGETS,
        },
    )
except ConfigError as err:
    print(f"error: {err}", file=sys.stderr)
    raise SystemExit(1)
PREDICT_CELLS = list(PREDICT.cells)
PREDICT_MODELS = list(PREDICT.models)
# The predict-only outputs (the per-cell predictions, the agreement table and the ROC figures
# are training targets; the cross-cell predictions come from crosscell_predictions).
PREDICTION_TARGETS = PREDICT.outputs()


def crosscell_predictions(wildcards):
    """The predictions table of every pooled training-set job (after the sets checkpoint)."""
    if not CC:
        return []
    tsets = sorted(set(crosscell_plan()["train_set"]) - {""})
    return expand(
        "results/predictions/crosscell/{arch}/{tset}.tsv", arch=CC_ARCHS, tset=tsets
    )


def _pooled(wildcards):
    return pooled_model(PREDICT.models[wildcards.model], crosscell_plan())


def predict_model_input(wildcards):
    """The model file of ``wildcards.model``; a cross-cell model's from the plan."""
    if PREDICT.models[wildcards.model].source != "cross-cell":
        return PREDICT.model_input(wildcards)
    return _pooled(wildcards)[0]


def predict_track(wildcards):
    """The early-stopping track of a cross-cell model ("" for the other models)."""
    if PREDICT.models[wildcards.model].source != "cross-cell":
        return ""
    return _pooled(wildcards)[1]
