"""Config validation, wildcard constraints and input functions shared by all rules."""

import os
import sys
from pathlib import Path

# The workflow reads its package from src/ next to the Snakefile: no installation needed. Jobs'
# scripts get the same folder through PYTHONPATH (every job parses this file first).
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from snakemake.utils import min_version, validate

from deepchrome2 import config as cfg
from deepchrome2.errors import ConfigError, InputError
from deepchrome2.training import task as prediction_task
from deepchrome2.training.config_check import check_architectures

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
    # Unknown keys first, each named with the nearest valid one; then the schema's other rules.
    cfg.check_keys(config, Path(workflow.basedir) / "schemas" / "config.schema.yaml")
    validate(config, "../schemas/config.schema.yaml")
    COHORT = cfg.cohort(config)
    cfg.check_source(config)
    cfg.check_downloads(config, COHORT)
    prediction_task.of_config(config)  # the target: class or log_rpkm
except (ConfigError, InputError) as err:
    print(f"error: {err}", file=sys.stderr)
    raise SystemExit(1)
# Architecture names come from the model registry (one module each), so they are checked here,
# right after the schema, rather than listed in it.
check_architectures(config)

SOURCE = config["source"]
CELLS = COHORT.cells
MARKS = COHORT.marks
SIM_DIR = config["simulate"]["outdir"]
CELL_ID = "[A-Za-z0-9_.-]+"
DOWNLOAD_DIR = config.get("download", {}).get("dir", "resources/downloads")
GENE_ID_COLUMN = config.get("files", {}).get("gene_id_column", "gene_id")


wildcard_constraints:
    cell=CELL_ID,
    mark="|".join(MARKS),
    split="train|valid|test",


def bigwig_path(cell, mark):
    """Path of the bigWig for one cell and mark (a sheet's URL: where it is downloaded to)."""
    if SOURCE == "simulate":
        return f"{SIM_DIR}/bigwig/{cell}-{mark}.fc.signal.bigwig"
    if COHORT.is_url(cell, mark):
        return f"{DOWNLOAD_DIR}/{cell}-{mark}.bigwig"
    return COHORT.bigwigs[cell, mark]


def bigwig_download_pattern():
    """Where download_bigwig saves a bigWig: download.dir, or the files.bigwig pattern."""
    if cfg.uses_sheet(config):
        return f"{DOWNLOAD_DIR}/{{cell}}-{{mark}}.bigwig"
    return config["files"]["bigwig"]


def bigwig_url(wildcards):
    """The URL of one cell's and mark's bigWig, read through the HTTP storage plugin."""
    if cfg.uses_sheet(config):
        url = COHORT.bigwigs[wildcards.cell, wildcards.mark]
    else:
        url = config["download"]["bigwig_url"].format(**wildcards)
    return storage.http(url, retrieve=False)


def all_bigwigs():
    return [bigwig_path(c, m) for c in CELLS for m in MARKS]


def cell_bigwigs(wildcards):
    return [bigwig_path(wildcards.cell, m) for m in MARKS]


def rpkm_path():
    if SOURCE == "simulate":
        return f"{SIM_DIR}/57epigenomes.RPKM.pc"
    return config["files"]["rpkm"]


def gtf_path():
    if SOURCE == "simulate":
        return f"{SIM_DIR}/gencode.annotation.gtf"
    return config["files"]["gtf"]


def data_targets():
    """Outputs of the data stage for every configured cell."""
    targets = expand("results/features/{cell}.npz", cell=CELLS)
    targets += expand("results/labels/{cell}.tsv", cell=CELLS)
    targets.append("results/splits/genes.tsv")
    targets += [
        "results/figures/mark_profiles.pdf",
        "results/figures/mark_profiles.png",
    ]
    if SOURCE == "simulate":
        targets.append("results/tables/oracle_auroc.tsv")
    if config.get("export_deepchrome_csv"):
        targets += expand(
            "results/deepchrome_csv/{cell}/classification/{split}.csv",
            cell=CELLS,
            split=["train", "valid", "test"],
        )
    return targets


SPLITS = ["train", "valid", "test"]


def archive_csvs(wildcards):
    """The three DeepChrome CSVs of one cell of the archive."""
    root = config["deepchrome_csv"]["root"]
    return [f"{root}/{wildcards.cell}/classification/{s}.csv" for s in SPLITS]


def mark_profile_inputs(wildcards):
    """Features and labels of every cell, plus the simulator's truth when simulated."""
    inputs = {
        "features": expand("results/features/{cell}.npz", cell=CELLS),
        "labels": expand("results/labels/{cell}.tsv", cell=CELLS),
    }
    if SOURCE == "simulate":
        inputs["truth"] = f"{SIM_DIR}/truth/class_profiles.npz"
    return inputs


from deepchrome2.crosscell.config_check import check_crosscell, notice

check_crosscell(config)
if notice(config):
    logger.warning(notice(config))


# ---- crosscell stage: settings and input functions (rules in rules/crosscell.smk) ----

from deepchrome2.crosscell import config_check as cc_config
from deepchrome2.crosscell.sets import empty_notice, read_plan

CC = cc_config.section(config)
CC_ARCHS = CC.get("architectures", [])
CC_EXPERIMENTS = CC.get("experiments", [])
CC_TARGETS = cc_config.targets(config) if CC else []
# The (experiment, target) -> training set plan, where the config alone decides it;
# None when it depends on the expression correlation (checkpoint crosscell_sets).
CC_STATIC_PLAN = cc_config.static_plan(config)
if CC_STATIC_PLAN is not None and empty_notice(CC_STATIC_PLAN):
    logger.warning(empty_notice(CC_STATIC_PLAN))


wildcard_constraints:
    tset="[0-9]+c-[0-9a-f]{10}",


def feature_caches():
    return expand("results/crosscell/cache/{cell}.npy", cell=CELLS)


def transfer_rows(wildcards):
    """The transfer rows of every per-cell model of one architecture."""
    return expand(
        "results/crosscell/transfer/{arch}/{cell}.tsv", arch=wildcards.arch, cell=CELLS
    )


def crosscell_plan():
    """The plan: from the config where it decides it, else from the checkpoint's table."""
    if CC_STATIC_PLAN is not None:
        return CC_STATIC_PLAN
    return read_plan(checkpoints.crosscell_sets.get().output.sets)


def experiment_metrics(wildcards):
    """metrics.tsv of every distinct training set, once per architecture."""
    tsets = sorted(set(crosscell_plan()["train_set"]) - {""})
    return expand(
        "results/crosscell/pooled/{arch}/{tset}/metrics.tsv", arch=CC_ARCHS, tset=tsets
    )


def pooled_mem_mb(wildcards):
    """A training set's ID starts with its number of cells; +1 for a watched target."""
    return cc_config.pooled_mem_mb(config, int(wildcards.tset.split("c-")[0]) + 1)


def has_finding3():
    return "exclusive_all" in CC_EXPERIMENTS


def crosscell_figures():
    names = expand("crosscell_heatmap_{arch}", arch=CC_ARCHS)
    names.append("crosscell_experiments")
    if has_finding3():
        names.append("crosscell_within_vs_exclusive")
    return expand("results/figures/{name}.{ext}", name=names, ext=["pdf", "png"])


def crosscell_targets():
    """Transfer matrices, experiment sets, tables and figures (none without `crosscell:`)."""
    if not CC:
        return []
    targets = ["results/crosscell/sets.tsv"]
    targets += expand("results/tables/cross_cell_{arch}.tsv", arch=CC_ARCHS)
    targets += [
        "results/tables/crosscell_experiments.tsv",
        "results/tables/crosscell_summary.tsv",
    ]
    if has_finding3():
        targets.append("results/tables/finding3_crosscell.tsv")
    return targets + crosscell_figures()


# ---- gan stage: settings and input functions (rules in rules/gan.smk) ----

GAN = config["gan"]
GAN_CELLS = list(GAN["cells"])
GAN_CLASSIFIER = GAN["classifier"]
GAN_FIGURES = ["samples", "profiles", "marks", "optmap", "loss"]


def check_gan_config():
    """GAN cells must be cohort cells and the classifier must be trained."""
    unknown = [c for c in GAN_CELLS if c not in CELLS]
    if unknown:
        raise ValueError(
            f"config gan.cells: {unknown} are not cells of the cohort {CELLS}"
        )
    if GAN_CLASSIFIER not in config["train"]["architectures"]:
        raise ValueError(
            f"config gan.classifier: {GAN_CLASSIFIER} is not in train.architectures"
        )


check_gan_config()


wildcard_constraints:
    gset=f"{CELL_ID}|pooled",


def gan_sets():
    """One GAN per configured cell, or one pooled over them."""
    return ["pooled"] if GAN["pooled"] else GAN_CELLS


def gan_cells(wildcards):
    return GAN_CELLS if wildcards.gset == "pooled" else [wildcards.gset]


def gan_features(wildcards):
    return expand("results/features/{cell}.npz", cell=gan_cells(wildcards))


def gan_labels(wildcards):
    return expand("results/labels/{cell}.tsv", cell=gan_cells(wildcards))


def gan_classifiers(wildcards):
    return expand(
        "results/models/{arch}/{cell}/model.pt",
        arch=GAN_CLASSIFIER,
        cell=gan_cells(wildcards),
    )


def gan_optmaps(wildcards):
    return expand("results/gan/{cell}/optmap.npz", cell=gan_cells(wildcards))


def gan_data(wildcards):
    """Checkpoint, samples and the real genes of a GAN's cells (plus truth when simulating)."""
    inputs = {
        "checkpoint": f"results/gan/{wildcards.gset}/gan.pt",
        "generated": f"results/gan/{wildcards.gset}/generated.npz",
        "features": gan_features(wildcards),
        "labels": gan_labels(wildcards),
        "split": "results/splits/genes.tsv",
    }
    if SOURCE == "simulate":
        inputs["truth"] = f"{SIM_DIR}/truth/class_profiles.npz"
    return inputs


def gan_quality_inputs(wildcards):
    return {**gan_data(wildcards), "classifiers": gan_classifiers(wildcards)}


def gan_optmap_inputs(wildcards):
    return {
        "checkpoint": f"results/gan/{wildcards.gset}/gan.pt",
        "generated": f"results/gan/{wildcards.gset}/generated.npz",
        "optmaps": gan_optmaps(wildcards),
    }


def gan_cells_param(wildcards):
    return gan_cells(wildcards)


def gan_targets():
    """Checkpoints, the quality table and every GAN figure as PDF and PNG."""
    if config.get("target", "class") != "class":
        return []  # the GAN's fidelity and optimization maps need a class model
    targets = expand("results/gan/{gset}/gan.pt", gset=gan_sets())
    targets.append("results/tables/gan_quality.tsv")
    targets += expand(
        "results/figures/gan_{name}_{gset}.{ext}",
        name=GAN_FIGURES,
        gset=gan_sets(),
        ext=["pdf", "png"],
    )
    return targets
