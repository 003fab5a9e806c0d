"""Config validation, wildcard constraints and input functions shared by all rules."""

from snakemake.utils import min_version, validate

from deepchrome2 import config as cfg

min_version("9.0")


configfile: "config.yaml"


validate(config, "../schemas/config.schema.yaml")

SOURCE = config["source"]
CELLS = cfg.cells(config)
MARKS = config["marks"]
SIM_DIR = config["simulate"]["outdir"]
cfg.check_source(config)


wildcard_constraints:
    cell="E[0-9]{3}",
    mark="|".join(MARKS),
    split="train|valid|test",


def bigwig_path(cell, mark):
    """Path of the bigWig for one cell and mark under the configured source."""
    if SOURCE == "simulate":
        return f"{SIM_DIR}/bigwig/{cell}-{mark}.fc.signal.bigwig"
    return config["files"]["bigwig"].format(cell=cell, mark=mark)


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
