"""Bad input: one clear line naming the file and the problem, non-zero exit, no partial output.

Each case is checked at the function level and, for the cases a user meets first, through the
real workflow (`source: files` on hand-made inputs outside resources/).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyBigWig
import pytest
from _smk import snakemake, tiny_config
from conftest import BIN, MARKS, N_BINS, HandMade, error_lines, make_handmade

from deepchrome2.data.annotation import read_bigwig_header, read_genes
from deepchrome2.data.binning import bin_bigwig
from deepchrome2.data.expression import read_rpkm
from deepchrome2.data.steps import bin_signals, tss_windows
from deepchrome2.errors import InputError

WINDOW = {"upstream": 5000, "downstream": 5000, "bin_size": 100}


def junk_bigwig(path: Path) -> Path:
    """A file that is not a bigWig at all (an HTML error page saved under the bigWig name)."""
    path.write_text("<html><body>404 Not Found</body></html>\n" * 20)
    return path


def corrupt_data_blocks(path: Path) -> Path:
    """Overwrite the middle of a bigWig (its compressed data); the header stays readable."""
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid - 400 : mid + 400] = b"\xff" * 800
    path.write_bytes(bytes(data))
    bw = pyBigWig.open(str(path))  # still opens: only reading values fails
    assert bw.chroms()
    bw.close()
    return path


def edit_rpkm(hm: HandMade, name: str, edit) -> Path:
    df = pd.read_csv(hm.rpkm, sep="\t", dtype={"gene_id": str})
    out = hm.root / name
    edit(df).to_csv(out, sep="\t", index=False)
    return out


def set_value(df: pd.DataFrame, cell: str, value: float | str) -> pd.DataFrame:
    df[cell] = df[cell].astype(object)
    df.loc[2, cell] = value
    return df


# ---- function level ------------------------------------------------------------------------


def test_missing_bigwig(tmp_path: Path) -> None:
    path = tmp_path / "E003-H3K4me3.fc.signal.bigwig"
    win = pd.DataFrame({"chrom": ["chrA"], "strand": ["+"], "start": [0]})
    for call in (lambda: read_bigwig_header(path), lambda: bin_bigwig(path, win, N_BINS, BIN)):
        with pytest.raises(InputError) as err:
            call()
        assert err.value.path == str(path) and "not found" in err.value.problem


def test_unreadable_bigwig(tmp_path: Path, handmade: HandMade) -> None:
    junk = junk_bigwig(tmp_path / "junk.bigwig")
    win = pd.DataFrame({"chrom": ["chrA"], "strand": ["+"], "start": [20_000]})
    for call in (lambda: read_bigwig_header(junk), lambda: bin_bigwig(junk, win, N_BINS, BIN)):
        with pytest.raises(InputError) as err:
            call()
        assert err.value.path == str(junk) and "not a readable bigWig" in err.value.problem
    broken = corrupt_data_blocks(handmade.bigwig("E003", "H3K4me1"))
    win = pd.DataFrame({"chrom": ["chrA", "chrB"], "strand": ["+", "-"], "start": [0, 0]})
    with pytest.raises(InputError) as err:
        bin_bigwig(broken, win, 600, BIN)  # 60 kb windows: whole chromosomes are read
    assert err.value.path == str(broken) and "error reading bigWig" in err.value.problem


def test_bigwig_with_a_header_and_no_data(tmp_path: Path) -> None:
    """pyBigWig reads such a file as an empty list of values: binning it is one line, not a
    traceback (its header, read for the chromosome sizes, is valid)."""
    empty = tmp_path / "GM12878-H3K27ac.bigwig"
    bw = pyBigWig.open(str(empty), "w")
    bw.addHeader([("chrA", 60_000), ("chrB", 40_000)])
    bw.close()
    assert read_bigwig_header(empty) == {"chrA": 60_000, "chrB": 40_000}
    win = pd.DataFrame({"chrom": ["chrA"], "strand": ["+"], "start": [20_000]})
    with pytest.raises(InputError) as err:
        bin_bigwig(empty, win, N_BINS, BIN)
    assert err.value.path == str(empty) and "holds no data" in err.value.problem


def test_a_mark_missing_for_a_cell(handmade: HandMade, tmp_path: Path) -> None:
    handmade.bigwig("E003", "H3K9me3").unlink()
    bws = {m: str(handmade.bigwig("E003", m)) for m in MARKS}
    out = tmp_path / "win.tsv"
    with pytest.raises(InputError) as err:
        tss_windows(
            str(handmade.gtf), str(handmade.rpkm), list(bws.values()), ["E003"],
            ["protein_coding"], WINDOW, str(out),
        )  # fmt: skip
    assert err.value.path == bws["H3K9me3"]
    assert not out.exists()


@pytest.mark.parametrize(
    ("case", "edit", "problem"),
    [
        ("nan", lambda df: set_value(df, "E003", np.nan), "NaN or non-numeric"),
        ("negative", lambda df: set_value(df, "E003", -0.5), "negative"),
        ("infinite", lambda df: set_value(df, "E003", "inf"), "infinite"),
        ("text", lambda df: set_value(df, "E003", "n/a"), "NaN or non-numeric"),
        ("no_cell", lambda df: df.drop(columns="E003"), "E003"),
        ("no_gene_id", lambda df: df.rename(columns={"gene_id": "gene"}), "gene_id"),
    ],
)
def test_bad_rpkm_table(handmade: HandMade, case: str, edit, problem: str) -> None:
    path = edit_rpkm(handmade, f"{case}.pc", edit)
    with pytest.raises(InputError) as err:
        read_rpkm(path, ["E003"])
    assert err.value.path == str(path)
    assert problem in err.value.problem
    if case in ("nan", "negative", "infinite", "text"):
        assert "cell E003" in err.value.problem and "gene ENSG" in err.value.problem


def test_rpkm_ids_match_no_annotation_gene(handmade: HandMade, tmp_path: Path) -> None:
    rpkm = edit_rpkm(handmade, "other.pc", lambda df: df.assign(gene_id="ENSG9" + df["gene_id"]))
    bws = [str(handmade.bigwig("E003", m)) for m in MARKS]
    out = tmp_path / "win.tsv"
    with pytest.raises(InputError) as err:
        tss_windows(
            str(handmade.gtf), str(rpkm), bws, ["E003"], ["protein_coding"], WINDOW, str(out)
        )
    assert err.value.path == str(rpkm) and "matches" in err.value.problem
    assert not out.exists()


def test_empty_gene_set_after_filtering(handmade: HandMade, tmp_path: Path) -> None:
    bws = [str(handmade.bigwig("E003", m)) for m in MARKS]
    out = tmp_path / "win.tsv"
    with pytest.raises(InputError) as err:
        tss_windows(
            str(handmade.gtf), str(handmade.rpkm), bws, ["E003"], ["snoRNA"], WINDOW, str(out)
        )
    assert err.value.path == str(handmade.gtf) and "snoRNA" in err.value.problem
    with pytest.raises(InputError) as err:  # types match, but no window fits a chromosome
        tss_windows(
            str(handmade.gtf), str(handmade.rpkm), bws, ["E003"], ["protein_coding"],
            {"upstream": 40_000, "downstream": 40_000, "bin_size": 100}, str(out),
        )  # fmt: skip
    assert "no genes left" in err.value.problem
    assert not out.exists()


def test_missing_or_garbage_gtf(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_genes(tmp_path / "none.gtf", ["protein_coding"])
    bad = tmp_path / "bad.gtf"
    bad.write_text("this is not a GTF\n")
    with pytest.raises(InputError) as err:
        read_genes(bad, ["protein_coding"])
    assert err.value.path == str(bad)


def test_gtf_without_the_gene_types_names_the_types_it_has(handmade: HandMade) -> None:
    with pytest.raises(InputError) as err:
        read_genes(handmade.gtf, ["snoRNA"])
    assert err.value.path == str(handmade.gtf)
    assert err.value.problem.startswith("no genes of types ['snoRNA']; its gene_type values: ")
    assert "lincRNA" in err.value.problem and "protein_coding" in err.value.problem


def test_rpkm_errors_name_the_columns_the_table_has(handmade: HandMade) -> None:
    """A comma-separated table reads as one column; a missing cell is shown the cells there."""
    csv = handmade.root / "expression.csv"
    pd.read_csv(handmade.rpkm, sep="\t").to_csv(csv, index=False)
    with pytest.raises(InputError) as err:
        read_rpkm(csv, ["E003"])
    assert "no 'gene_id' column" in err.value.problem
    assert "files.gene_id_column" in err.value.problem
    assert "read as tab-separated: gene_id,E003" in err.value.problem
    with pytest.raises(InputError) as err:
        read_rpkm(handmade.rpkm, ["HepG2"])
    header = list(pd.read_csv(handmade.rpkm, sep="\t", nrows=0).columns)
    assert header[0] == "gene_id" and len(header) <= 8
    assert err.value.problem == (
        f"cells ['HepG2'] are not columns of the RPKM table (its columns: {', '.join(header)})"
    )


def test_bin_signals_leaves_no_partial_output(handmade: HandMade, tmp_path: Path) -> None:
    bws = {m: str(handmade.bigwig("E003", m)) for m in MARKS}
    win = tmp_path / "win.tsv"
    tss_windows(
        str(handmade.gtf), str(handmade.rpkm), list(bws.values()), ["E003"],
        ["protein_coding"], WINDOW, str(win),
    )  # fmt: skip
    junk_bigwig(Path(bws["H3K27me3"]))  # the last mark: four marks are binned first
    out = tmp_path / "features" / "E003.npz"
    with pytest.raises(InputError) as err:
        bin_signals(str(win), bws, WINDOW, str(out))
    assert err.value.path == bws["H3K27me3"]
    assert not out.exists() and not any(out.parent.glob("*"))


# ---- through the workflow ------------------------------------------------------------------

TARGETS = ["results/features/E003.npz", "results/labels/E003.tsv", "results/splits/genes.tsv"]


def copy_bigwigs(hm: HandMade, folder: str) -> str:
    """Copy every bigWig of ``hm`` into ``folder``; return the new path pattern."""
    pattern = str(hm.root / folder / "{cell}-{mark}.fc.signal.bigwig")
    for cell in hm.cells:
        for m in hm.marks:
            dst = Path(pattern.format(cell=cell, mark=m))
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(hm.bigwig(cell, m).read_bytes())
    return pattern


def _cases(hm: HandMade) -> dict[str, tuple[dict, list[str]]]:
    """name -> (`files` config, expected pieces of the error)."""
    junk_pattern = copy_bigwigs(hm, "junk")
    junk = junk_bigwig(Path(junk_pattern.format(cell="E003", mark="H3K4me1")))
    broken_pattern = copy_bigwigs(hm, "broken")
    broken = corrupt_data_blocks(Path(broken_pattern.format(cell="E003", mark="H3K36me3")))
    missing_pattern = copy_bigwigs(hm, "missing")
    missing = Path(missing_pattern.format(cell="E004", mark="H3K9me3"))
    missing.unlink()  # a mark missing for a cell
    nan = edit_rpkm(hm, "nan.pc", lambda df: set_value(df, "E003", np.nan))
    nocell = edit_rpkm(hm, "nocell.pc", lambda df: df.drop(columns="E004"))
    other = edit_rpkm(hm, "other.pc", lambda df: df.assign(gene_id="ENSG9" + df["gene_id"]))
    base = hm.files_config()
    return {
        "missing_bigwig": ({**base, "bigwig": missing_pattern}, [str(missing)]),
        "unreadable_bigwig": (
            {**base, "bigwig": junk_pattern},
            [str(junk), "not a readable bigWig"],
        ),
        "corrupt_bigwig_data": (
            {**base, "bigwig": broken_pattern},
            [str(broken), "error reading bigWig"],
        ),
        "nan_rpkm": ({**base, "rpkm": str(nan)}, [str(nan), "NaN", "cell E003"]),
        "cell_not_in_rpkm": ({**base, "rpkm": str(nocell)}, [str(nocell), "E004", "not columns"]),
        "ids_match_nothing": ({**base, "rpkm": str(other)}, [str(other), "no gene ID"]),
        "empty_gene_set": ({**base, "gene_types": ["snoRNA"]}, [str(hm.gtf), "snoRNA"]),
    }


@pytest.fixture(scope="module")
def failed_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SimpleNamespace]:
    """Every workflow case, two at a time; each in its own working folder. Three cells, so
    that the config checks of later (cross-cell) stages accept the cohort."""
    root = tmp_path_factory.mktemp("bad_input")
    hm = make_handmade(root / "inputs", cells=("E003", "E004", "E005"))
    cases = _cases(hm)

    def run(name: str) -> SimpleNamespace:
        files, expect = cases[name]
        gene_types = files.pop("gene_types", ["protein_coding"])
        cfg = tiny_config(source="files", files=files, gene_types=gene_types)
        work = root / name
        res = snakemake(work, cfg, "--cores", "1", *TARGETS)
        return SimpleNamespace(res=res, work=work, expect=expect)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(cases, pool.map(run, cases), strict=True))


CASES = [
    "missing_bigwig",
    "unreadable_bigwig",
    "corrupt_bigwig_data",
    "nan_rpkm",
    "cell_not_in_rpkm",
    "ids_match_nothing",
    "empty_gene_set",
]


@pytest.mark.parametrize("case", CASES)
def test_workflow_reports_bad_input(failed_runs: dict[str, SimpleNamespace], case: str) -> None:
    run = failed_runs[case]
    stderr = run.res.stderr
    assert run.res.returncode != 0, stderr[-3000:]
    if case == "missing_bigwig":
        # the config check finds it before any job runs: one line with the cell, mark and file
        lines = error_lines(stderr)
        assert len(lines) == 1, stderr[-3000:]
        want = "error: config files.bigwig: bigWig of cell E004 mark H3K9me3 not found: "
        want += run.expect[0]
        assert lines[0] == want, lines[0]
        assert "MissingInputException" not in stderr
        assert not (run.work / "results").exists()
        return
    lines = error_lines(stderr)
    assert len(lines) == 1, stderr[-3000:]
    for piece in run.expect:
        assert piece in lines[0], lines[0]
    assert lines[0].startswith(f"error: {run.expect[0]}: ")
    # no partial output: the failing step's outputs and temporary files are gone
    assert not (run.work / TARGETS[0]).exists()
    leftovers = [p for p in (run.work / "results").rglob("*") if p.name.startswith(".")]
    assert not leftovers
    if case == "corrupt_bigwig_data":  # windows were fine; binning failed
        assert (run.work / "results/annotation/tss_windows.tsv").exists()
    else:
        assert not (run.work / "results/annotation/tss_windows.tsv").exists()
