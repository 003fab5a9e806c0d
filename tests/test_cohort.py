"""A non-Roadmap cohort through a sample sheet, to the tables and figures; and each bad input of
such a cohort refused with one line naming the file or key, a non-zero exit and no output.

The cohort is K562, GM12878 and HepG2 with six marks (H3K27ac included), an Ensembl-style
gzipped GTF (chromosomes ``21``, ``22``, attribute ``gene_biotype``) against bigWigs named
``chr21``, ``chr22``, and a gzipped TPM table with a ``gene`` column, versioned IDs and one
repeated row. Signal and expression come from the simulator (the sixth mark is a copy of
H3K4me3's signal under another name).
"""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyBigWig
import pytest
from _smk import snakemake, tiny_config
from conftest import error_lines

from deepchrome2.data.simulate import simulate_annotation, simulate_bigwigs
from deepchrome2.data.steps import simulation_params
from deepchrome2.io import load_features

CELLS = ["K562", "GM12878", "HepG2"]
SIM_MARKS = ["H3K4me3", "H3K4me1", "H3K36me3", "H3K9me3", "H3K27me3"]
MARKS = [*SIM_MARKS, "H3K27ac"]
WINDOW = {"upstream": 5000, "downstream": 5000, "bin_size": 100}
LEAN = {
    "train": {"architectures": ["linear", "deepchrome"], "max_epochs": 3, "patience": 2},
    "crosscell": {"architectures": ["linear"]},
    "gan": {"cells": ["K562"], "epochs": 5, "n_generated": 50, "classifier": "deepchrome"},
    "interpret": {"cells": ["K562"]},
}


def write_cohort(root: Path) -> SimpleNamespace:
    """Simulated signal and expression, written the way ENCODE-style downloads look."""
    sim = {
        "seed": 5,
        "n_genes": 400,
        "genome_scale": 0.1,
        "chromosomes": ["chr21", "chr22"],
        "tissue_groups": {"blood": ["K562", "GM12878"], "liver": ["HepG2"]},
    }
    params = simulation_params(sim, WINDOW)
    raw = root / "raw"
    simulate_annotation(params, raw)
    sheet_rows = []
    for cell in CELLS:
        paths = {m: str(root / "bigwig" / f"{cell}_{m}.bw") for m in SIM_MARKS}
        simulate_bigwigs(params, cell, paths)
        paths["H3K27ac"] = str(root / "bigwig" / f"{cell}_H3K27ac.bw")
        shutil.copy(paths["H3K4me3"], paths["H3K27ac"])
        tissue = "liver" if cell == "HepG2" else "blood"
        sheet_rows += [(cell, m, paths[m], tissue, f"{cell} {m}") for m in MARKS]
    # Ensembl's GTF: chromosome 21 not chr21, gene_biotype not gene_type; gzipped.
    gtf = (raw / "gencode.annotation.gtf").read_text()
    gtf = re.sub(r"(?m)^chr", "", gtf).replace("gene_type", "gene_biotype")
    (root / "genes.gtf.gz").write_bytes(gzip.compress(gtf.encode()))
    # Expression: a `gene` column with versioned IDs, one row repeated with equal values.
    expr = pd.read_csv(raw / "57epigenomes.RPKM.pc", sep="\t", dtype={"gene_id": str})
    expr = expr.rename(columns={"gene_id": "gene"})
    expr["gene"] = expr["gene"] + ".7"
    repeat = expr.iloc[[3]].assign(gene=expr["gene"].iloc[3].replace(".7", ".8"))
    pd.concat([expr, repeat]).to_csv(root / "tpm.tsv.gz", sep="\t", index=False)
    sheet = root / "samples.tsv"
    pd.DataFrame(sheet_rows, columns=["cell", "mark", "bigwig", "tissue", "description"]).to_csv(
        sheet, sep="\t", index=False
    )
    return SimpleNamespace(
        root=root, sheet=sheet, gtf=root / "genes.gtf.gz", expr=root / "tpm.tsv.gz"
    )


def cohort_config(inputs: SimpleNamespace, **files: str) -> dict:
    """A whole config for the cohort: config.yaml's settings, the cohort's files, no marks key
    (the sheet decides)."""
    cfg = tiny_config(
        source="files",
        files={
            "samples": str(inputs.sheet),
            "rpkm": str(inputs.expr),
            "gene_id_column": "gene",
            "gtf": str(inputs.gtf),
            **files,
        },
        **LEAN,
    )
    del cfg["marks"]
    return cfg


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    return write_cohort(tmp_path_factory.mktemp("cohort") / "downloads")


@pytest.fixture(scope="module")
def cohort_run(inputs: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("cohort_run")
    cfg = cohort_config(inputs)
    res = snakemake(work, cfg, "--cores", "2", timeout=1800)
    assert res.returncode == 0, res.stderr[-4000:]
    return SimpleNamespace(work=work, cfg=cfg, res=res)


@pytest.mark.slow
def test_cohort_runs_to_tables_and_figures(cohort_run: SimpleNamespace) -> None:
    work = cohort_run.work
    for cell in CELLS:
        feats = load_features(work / f"results/features/{cell}.npz")
        assert feats.marks == MARKS  # six input channels, in sheet order
        assert feats.X.shape[1:] == (6, 100)
        # the sixth channel is H3K4me3's signal under another name
        np.testing.assert_array_equal(feats.X[:, 5], feats.X[:, 0])
        assert feats.X[:, 2].sum() > 0
    per_cell = pd.read_csv(work / "results/tables/per_cell_auroc.tsv", sep="\t")
    assert list(per_cell["cell"]) == CELLS
    # learned from six marks of non-Roadmap cells (one run gave deepchrome 0.82-0.88, linear
    # 0.62-0.76 after 3 epochs)
    assert (per_cell["deepchrome"] > 0.7).all() and per_cell["linear"].mean() > 0.55, per_cell
    tables = sorted(p.name for p in (work / "results/tables").iterdir())
    assert "cross_cell_linear.tsv" in tables and "gan_quality.tsv" in tables
    # the sheet's tissue column groups the cells of the cross-cell table
    cc = pd.read_csv(work / "results/tables/cross_cell_linear.tsv", sep="\t")
    groups = dict(zip(cc["test_cell"], cc["test_group"], strict=True))
    assert groups == {"K562": "blood", "GM12878": "blood", "HepG2": "liver"}
    pair = cc.set_index(["train_cell", "test_cell"])["same_group"]
    assert pair[("K562", "GM12878")] and not pair[("K562", "HepG2")]
    figures = list((work / "results/figures").glob("*.png"))
    assert len(figures) >= 5
    log = (work / "logs/tss_windows.log").read_text()
    # Ensembl '21' matched to the bigWigs' 'chr21', with a notice of how many genes matched
    assert "GTF chromosome names used with 'chr' added" in log
    n_genes = len(load_features(work / "results/features/K562.npz").genes)
    matched = int(re.search(r"(\d+) of (\d+) genes are on chromosomes of the bigWigs", log)[1])
    assert matched >= n_genes > 100
    assert "1 repeated rows of 1 gene IDs with equal values kept once" in log


@pytest.mark.slow
def test_rerun_gives_identical_tables(
    cohort_run: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A second clean run of the same config: every results table byte for byte."""
    work = tmp_path_factory.mktemp("cohort_rerun")
    res = snakemake(work, cohort_run.cfg, "--cores", "2", timeout=1800)
    assert res.returncode == 0, res.stderr[-4000:]
    first = sorted((cohort_run.work / "results/tables").iterdir())
    assert len(first) >= 6
    for path in first:
        again = work / "results/tables" / path.name
        assert again.read_bytes() == path.read_bytes(), path.name
    # and every training job's metrics and history (no wall-clock field in them)
    results = cohort_run.work / "results"
    jobs = [*results.glob("models/*/*/metrics.json"), *results.glob("models/*/*/history.tsv")]
    jobs += list(results.glob("crosscell/pooled/*/*/history.tsv"))
    assert len(jobs) >= 12
    for path in jobs:
        rel = path.relative_to(cohort_run.work)
        assert (work / rel).read_bytes() == path.read_bytes(), rel


# ---- bad inputs: one line, non-zero exit, no output ----------------------------------------


def edit_sheet(inputs: SimpleNamespace, name: str, edit) -> Path:
    df = pd.read_csv(inputs.sheet, sep="\t", dtype=str)
    out = inputs.root / name
    edit(df).to_csv(out, sep="\t", index=False)
    return out


def edited_header_bigwig(inputs: SimpleNamespace, folder: str, edit) -> Path:
    """GM12878's H3K9me3 with the chromosome sizes of its header edited (``edit`` maps the
    header's (chrom, size) list to the new one), and a little signal on chr21."""
    src = inputs.root / "bigwig" / "GM12878_H3K9me3.bw"
    dst = inputs.root / folder / "GM12878_H3K9me3.bw"
    dst.parent.mkdir(exist_ok=True)
    bw = pyBigWig.open(str(src))
    sizes = list(bw.chroms().items())
    bw.close()
    out = pyBigWig.open(str(dst), "w")
    out.addHeader(edit(sizes), maxZooms=0)
    out.addEntries(["chr21"], [0], ends=[10], values=[1.0])
    out.close()
    return dst


def other_build_bigwig(inputs: SimpleNamespace) -> Path:
    """chr22 one base longer: a file of another genome build."""
    return edited_header_bigwig(
        inputs, "other_build", lambda sizes: [(c, s + (c == "chr22")) for c, s in sizes]
    )


def no_chr22_bigwig(inputs: SimpleNamespace) -> Path:
    """No chr22 in the header: that chromosome's genes would have no signal in this cell."""
    return edited_header_bigwig(
        inputs, "no_chr22", lambda sizes: [(c, s) for c, s in sizes if c != "chr22"]
    )


def bad_cases(inputs: SimpleNamespace) -> dict[str, tuple[dict, str, list[str]]]:
    """name -> (files config, file the error names, other pieces of the error line)."""
    missing = edit_sheet(
        inputs,
        "missing_mark.tsv",
        lambda d: d.drop(d.index[(d.cell == "HepG2") & (d.mark == "H3K27ac")]),
    )
    dup = edit_sheet(inputs, "dup.tsv", lambda d: pd.concat([d, d.iloc[[7]]]))

    def ftp(d: pd.DataFrame) -> pd.DataFrame:
        d.loc[4, "bigwig"] = "ftp://ftp.example.org/K562_H3K27me3.bw"
        return d

    scheme = edit_sheet(inputs, "ftp.tsv", ftp)
    other = other_build_bigwig(inputs)

    def swap(d: pd.DataFrame) -> pd.DataFrame:
        d.loc[(d.cell == "GM12878") & (d.mark == "H3K9me3"), "bigwig"] = str(other)
        return d

    build = edit_sheet(inputs, "build.tsv", swap)
    lacking = no_chr22_bigwig(inputs)

    def swap_lacking(d: pd.DataFrame) -> pd.DataFrame:
        d.loc[(d.cell == "GM12878") & (d.mark == "H3K9me3"), "bigwig"] = str(lacking)
        return d

    partial = edit_sheet(inputs, "partial.tsv", swap_lacking)
    # A GTF whose chromosomes are neither 21/22 nor chr21/chr22 (scaffold names).
    gtf = gzip.decompress(inputs.gtf.read_bytes()).decode()
    nochrom = inputs.root / "scaffolds.gtf.gz"
    nochrom.write_bytes(gzip.compress(re.sub(r"(?m)^2", "scaffold_2", gtf).encode()))
    return {
        "sheet_missing_mark": (
            {"samples": str(missing)},
            str(missing),
            ["cell HepG2 has no row for mark(s) H3K27ac"],
        ),
        "sheet_duplicate_rows": (
            {"samples": str(dup)},
            str(dup),
            ["duplicate rows for cell GM12878 mark H3K4me1", "lines 9, 20"],
        ),
        "sheet_bad_url_scheme": (
            {"samples": str(scheme)},
            str(scheme),
            ["line 6", "scheme 'ftp'", "only http and https"],
        ),
        "bigwigs_of_two_builds": (
            {"samples": str(build)},
            str(other),
            ["chromosome chr22 is", "one genome build"],
        ),
        "bigwig_lacking_a_chromosome": (
            {"samples": str(partial)},
            str(lacking),
            ["no chromosome chr22 in this bigWig", "genes of", "signal would be missing"],
        ),
        "no_shared_chromosome": (
            {"gtf": str(nochrom)},
            str(nochrom),
            ["no chromosome in common", "scaffold_21, scaffold_22", "chr21, chr22"],
        ),
    }


@pytest.fixture(scope="module")
def bad_runs(inputs: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("cohort_bad")
    runs = {}
    for name, (files, path, pieces) in bad_cases(inputs).items():
        work = root / name
        res = snakemake(
            work, cohort_config(inputs, **files), "--cores", "1", "results/features/K562.npz"
        )
        runs[name] = SimpleNamespace(res=res, work=work, path=path, pieces=pieces)
    return runs


@pytest.mark.parametrize(
    "case",
    [
        "sheet_missing_mark",
        "sheet_duplicate_rows",
        "sheet_bad_url_scheme",
        "bigwigs_of_two_builds",
        "bigwig_lacking_a_chromosome",
        "no_shared_chromosome",
    ],
)
def test_bad_cohort_input_is_refused(bad_runs: dict, case: str) -> None:
    run = bad_runs[case]
    stderr = run.res.stderr
    assert run.res.returncode != 0, stderr[-3000:]
    lines = error_lines(stderr)
    assert len(lines) == 1, stderr[-3000:]
    assert lines[0].startswith(f"error: {run.path}: "), lines[0]
    for piece in run.pieces:
        assert piece in lines[0], lines[0]
    results = run.work / "results"
    outputs = [p for p in results.rglob("*") if p.is_file()] if results.exists() else []
    assert outputs == [], outputs
