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
            "architectures": CROSSCELL.archs,
            "trained": [e for e in CROSSCELL.experiments if e in CC_TRAINABLE],
            "targets": CROSSCELL.target_cells,
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


def _pooled(wildcards):
    return pooled_model(PREDICT.models[wildcards.model], CROSSCELL.plan())


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
