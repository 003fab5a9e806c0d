"""Configuration and input functions of the interpretation rules (rules/interpret.smk)."""

from deepchrome2.interpret.config_check import (
    check_interpret_config,
    torch_architectures,
)

INTERPRET = config["interpret"]
INTERPRET_CELLS = check_interpret_config(config, CELLS)
OPTMAP = INTERPRET["optmap"]
# deepTools outputs need genomic windows, which a DeepChrome CSV archive does not have
HAS_WINDOWS = SOURCE != "deepchrome_csv"
ATTENTION = (
    INTERPRET["attention"] and "attentivechrome" in config["train"]["architectures"]
)
ATTRIBUTION = INTERPRET["attribution"]
ATTRIBUTION_ARCHS = torch_architectures(config, ATTRIBUTION["architectures"])
OPTMAP_METHODS = "|".join(OPTMAP["methods"])
OPTMAP_ARCHS = "|".join(OPTMAP["architectures"])


def interpret_targets():
    """The BED, matrices and heatmaps (when windows exist) and the optimization-map figures."""
    targets = []
    if HAS_WINDOWS:
        targets.append("results/annotation/tss_windows.bed")
        targets += expand("results/deeptools/{cell}.mat.gz", cell=INTERPRET_CELLS)
        if INTERPRET["heatmap"]:
            targets += expand(
                "results/figures/signal_heatmap_{cell}.{ext}",
                cell=INTERPRET_CELLS,
                ext=["pdf", "png"],
            )
    targets += expand(
        "results/figures/optmap_{arch}_{cell}.{ext}",
        arch=OPTMAP["architectures"],
        cell=INTERPRET_CELLS,
        ext=["pdf", "png"],
    )
    if ATTENTION:
        targets += expand(
            "results/figures/attention_{cell}.{ext}",
            cell=INTERPRET_CELLS,
            ext=["pdf", "png"],
        )
        targets += expand("results/tables/attention_{cell}.tsv", cell=INTERPRET_CELLS)
    if ATTRIBUTION_ARCHS:
        targets += expand(
            "results/figures/attribution_{cell}.{ext}",
            cell=INTERPRET_CELLS,
            ext=["pdf", "png"],
        )
        targets.append("results/tables/attribution.tsv")
    return targets


def interpret_truth():
    """The simulator's class profiles, when the cohort is simulated."""
    if SOURCE == "simulate":
        return {"truth": f"{SIM_DIR}/truth/class_profiles.npz"}
    return {}


def attention_inputs(wildcards):
    return {
        "classifier": f"results/models/attentivechrome/{wildcards.cell}/model.pt",
        "features": f"results/features/{wildcards.cell}.npz",
        "labels": f"results/labels/{wildcards.cell}.tsv",
        "split": "results/splits/genes.tsv",
        **interpret_truth(),
    }


def attribution_maps(wildcards):
    return expand(
        "results/interpret/{arch}/{cell}/attribution.npz",
        arch=ATTRIBUTION_ARCHS,
        cell=wildcards.cell,
    )


def attribution_table_inputs(wildcards):
    maps = expand(
        "results/interpret/{arch}/{cell}/attribution.npz",
        cell=INTERPRET_CELLS,
        arch=ATTRIBUTION_ARCHS,
    )
    return {"maps": maps, **interpret_truth()}


def attribution_table_cells(wildcards):
    return [c for c in INTERPRET_CELLS for _ in ATTRIBUTION_ARCHS]


def optmap_files(wildcards):
    return expand(
        "results/interpret/{arch}/{cell}/optmap_{method}.npz",
        arch=wildcards.arch,
        cell=wildcards.cell,
        method=OPTMAP["methods"],
    )
