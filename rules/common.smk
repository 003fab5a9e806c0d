"""Config validation, wildcard constraints and input functions shared by all rules."""

import os
import re
import sys
from pathlib import Path

# The workflow reads its package from src/ next to the Snakefile: no installation needed. Jobs'
# scripts get the same folder through PYTHONPATH (every job parses this file first).
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from snakemake.utils import min_version

from deepchrome2 import config as cfg
from deepchrome2.config_check import check_config
from deepchrome2.errors import ConfigError, InputError

cfg.export_import_path(Path(workflow.basedir) / "src")
# Jobs share the cores: idle OpenMP threads sleep rather than spin (docs/benchmarks.md).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
min_version("9.0")


# A config file given on the command line is the whole config: config.yaml is not merged under
# it, so a trimmed cohort stays trimmed. An overlay names both files, in order:
# --configfile config.yaml config/full.yaml
if not workflow.config_settings.configfiles:

    configfile: "config.yaml"


try:
    # The schema (filling in its defaults), then every cross-key check of every stage, once.
    for line in check_config(config):
        logger.warning(line)
except (ValueError, InputError) as err:
    print(f"error: {err}", file=sys.stderr)
    raise SystemExit(1)
COHORT = cfg.cohort(config)

SOURCE = config["source"]
CELLS = COHORT.cells
MARKS = COHORT.marks
CELL_ID = "[A-Za-z0-9_.-]+"


wildcard_constraints:
    cell=CELL_ID,
    mark="|".join(map(re.escape, MARKS)),
    split="train|valid|test",


# ---- the planning object of each stage (the rules' targets, inputs and params) ----

from deepchrome2.crosscell.experiments import TRAINED as CC_TRAINABLE
from deepchrome2.crosscell.sets import empty_notice
from deepchrome2.crosscell.workflow import CrosscellPlan
from deepchrome2.data.workflow import SPLITS, DataPlan
from deepchrome2.gan.workflow import GanPlan
from deepchrome2.interpret.workflow import InterpretPlan
from deepchrome2.predict.plan import plan as predict_plan
from deepchrome2.training.workflow import TrainingPlan


def crosscell_sets_table():
    """The training-set table of checkpoint crosscell_sets (once it has run)."""
    return checkpoints.crosscell_sets.get().output.sets


DATA = DataPlan(config, COHORT)
TRAINING = TrainingPlan(
    config,
    CELLS,
    SOURCE,
    reference=f"{workflow.basedir}/resources/deepchrome2_paper/dc2_test_auroc.tsv",
)
CROSSCELL = CrosscellPlan(config, CELLS, crosscell_sets_table)
if CROSSCELL.static_plan is not None and empty_notice(CROSSCELL.static_plan):
    logger.warning(empty_notice(CROSSCELL.static_plan))
GAN = GanPlan(config)
INTERPRET = InterpretPlan(config, CELLS)
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
        CROSSCELL.plan,
    )
except ConfigError as err:
    print(f"error: {err}", file=sys.stderr)
    raise SystemExit(1)
PLANS = {
    "data": DATA,
    "training": TRAINING,
    "crosscell": CROSSCELL,
    "gan": GAN,
    "interpret": INTERPRET,
}


wildcard_constraints:
    arch="|".join(TRAINING.archs),
    tset="[0-9]+c-[0-9a-f]{10}",
    gset=f"{CELL_ID}|pooled",
