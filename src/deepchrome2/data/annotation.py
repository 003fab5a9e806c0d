"""Gene annotation (GENCODE GTF) to strand-aware TSS windows.

Coordinates are 0-based and half-open. The TSS of a + strand gene is its start, that of a
- strand gene its end (exclusive), as in deepTools ``--referencePoint TSS``. The window is
``[tss - upstream, tss + downstream)`` on +, ``[tss - downstream, tss + upstream)`` on -.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyranges as pr

from deepchrome2.data.binning import open_bigwig
from deepchrome2.data.expression import par_y_copies, strip_version
from deepchrome2.errors import InputError
from deepchrome2.messages import first_few

log = logging.getLogger(__name__)

WINDOW_COLUMNS = ["gene_id", "chrom", "tss", "strand", "start", "end"]


def read_genes(gtf: str | Path, gene_types: list[str]) -> pd.DataFrame:
    """Gene records of ``gtf`` (plain or .gz) with the given ``gene_type`` (GENCODE) or
    ``gene_biotype`` (Ensembl): gene_id (no version), chrom, start, end (0-based half-open)
    and strand. InputError when the file is missing or unparsable, or no gene has those
    types (naming the types it has)."""
    if not Path(gtf).exists():
        raise InputError(gtf, "annotation GTF not found")
    try:
        with warnings.catch_warnings():
            # pyranges 0.1.7 calls set_index(inplace=True), deprecated in pandas 3.1 and gone in
            # pandas 4, which pyproject excludes (README: pyranges and pandas).
            warnings.filterwarnings("ignore", message="The inplace keyword in DataFrame.set_index")
            gr = pr.read_gtf(str(gtf))
    except Exception as err:  # pyranges raises several parser errors
        raise InputError(gtf, f"cannot parse GTF: {err}") from err
    df = gr.df
    if df.empty or "Feature" not in df:
        raise InputError(gtf, "GTF holds no records")
    df = df[df["Feature"] == "gene"]
    if df.empty:
        raise InputError(gtf, "GTF holds no 'gene' records")
    type_col = "gene_type" if "gene_type" in df else "gene_biotype"
    if type_col not in df:
        raise InputError(gtf, "GTF gene records have no gene_type or gene_biotype attribute")
    kept = df[df[type_col].isin(gene_types)]
    if kept.empty:
        found = first_few(sorted(df[type_col].dropna().astype(str).unique()), 8)
        raise InputError(gtf, f"no genes of types {gene_types}; its {type_col} values: {found}")
    df = kept
    par = par_y_copies(df["gene_id"])
    if par.any():
        log.info("%d chrY copies of pseudoautosomal genes (_PAR_Y) dropped from the GTF", par.sum())
        df = df[~par]
    out = pd.DataFrame(
        {
            "gene_id": strip_version(df["gene_id"]),
            "chrom": df["Chromosome"].astype(str).to_numpy(),
            "start": df["Start"].to_numpy(np.int64),
            "end": df["End"].to_numpy(np.int64),
            "strand": df["Strand"].astype(str).to_numpy(),
        }
    )
    n = len(out)
    out = out.drop_duplicates("gene_id", keep="first")
    if len(out) < n:
        log.info("%d duplicate gene IDs in the GTF kept once", n - len(out))
    return out.reset_index(drop=True)


def _show(names: Iterable[str], limit: int = 8) -> str:
    """Sorted names, the first ``limit`` of them, for an error message."""
    return first_few(sorted(set(names)), limit)


def read_bigwig_headers(paths: Iterable[str | Path]) -> dict[str | Path, dict[str, int]]:
    """Chromosome sizes of each bigWig (its header), in the order given."""
    return {p: read_bigwig_header(p) for p in paths}


def common_chrom_sizes(headers: Mapping[str | Path, dict[str, int]]) -> dict[str, int]:
    """Chromosomes present in every bigWig, with their sizes.

    Two bigWigs that give one chromosome different sizes (files of different genome builds)
    are refused, naming the file and the chromosome; so is a bigWig that shares no chromosome
    name with the ones before it (``chr1`` against ``1``), with both files' names.
    Chromosomes missing from some of the files are logged (:func:`refuse_partial_chromosomes`
    refuses them where they hold genes).
    """
    common: dict[str, int] = {}
    first: str | Path = ""
    seen: set[str] = set()
    for i, (p, chroms) in enumerate(headers.items()):
        if i == 0:
            common, first = dict(chroms), p
        for c, size in chroms.items():
            if c in common and common[c] != size:
                raise InputError(
                    p,
                    f"chromosome {c} is {size:,} bp here but {common[c]:,} bp in {first}: "
                    "the bigWigs must come from one genome build",
                )
        if common and not set(common) & set(chroms):
            raise InputError(
                p,
                f"no chromosome name in common with the bigWigs before it: this file has "
                f"{_show(chroms)}; {first} has {_show(headers[first])}",
            )
        seen |= set(chroms)
        common = {c: s for c, s in common.items() if c in chroms}
    partial = sorted(seen - set(common))
    if partial:
        log.warning(
            "chromosomes in only some of the bigWigs are not used: %s", ", ".join(partial[:20])
        )
    return common


def bigwig_chrom_sizes(paths: list[str | Path]) -> dict[str, int]:
    """:func:`common_chrom_sizes` of the bigWigs at ``paths``."""
    return common_chrom_sizes(read_bigwig_headers(paths))


def refuse_partial_chromosomes(
    genes: pd.DataFrame, headers: Mapping[str | Path, dict[str, int]], gtf: str | Path
) -> None:
    """A chromosome that holds genes and is missing from some of the bigWigs would lose its
    genes in every cell: an error naming the first file without it, the chromosome and the
    number of genes, rather than a silent loss. ``genes`` carry the bigWigs' naming."""
    counts = genes["chrom"].astype(str).value_counts()
    for chrom in sorted(set(counts.index) & set().union(*headers.values())):
        lacking = [p for p, chroms in headers.items() if chrom not in chroms]
        if lacking:
            others = f" (and {len(lacking) - 1} other bigWig(s))" if len(lacking) > 1 else ""
            raise InputError(
                lacking[0],
                f"no chromosome {chrom} in this bigWig{others}, while other bigWigs have it "
                f"and it holds {counts[chrom]:,} genes of {gtf}: their signal would be missing; "
                "give bigWigs over the same chromosomes, or leave those genes out of the GTF",
            )


def _chr_variants(names: pd.Series) -> dict[str, pd.Series]:
    """The GTF's chromosome names as they are, with ``chr`` added and with it removed
    (Ensembl's ``MT`` is GENCODE/UCSC ``chrM``)."""
    bare = names.str.replace(r"^chr", "", regex=True)
    return {
        "as they are": names,
        "with 'chr' added": ("chr" + bare).replace("chrMT", "chrM"),
        "without 'chr'": bare.replace("M", "MT"),
    }


def harmonise_chroms(
    genes: pd.DataFrame, chrom_sizes: dict[str, int], gtf: str | Path, bigwig: str | Path
) -> pd.DataFrame:
    """Rename the GTF's chromosomes to the bigWigs' style (``chr1`` or ``1``).

    The naming under which most genes lie on a bigWig chromosome is used, and a notice says
    how many genes matched. When no naming shares a chromosome, the error names both files and
    the chromosomes of each.
    """
    variants = _chr_variants(genes["chrom"].astype(str))
    counts = {k: int(v.isin(list(chrom_sizes)).sum()) for k, v in variants.items()}
    best = max(counts, key=lambda k: counts[k])
    if counts[best] == 0:
        raise InputError(
            gtf,
            f"no chromosome in common with the bigWigs, even as chr1/1: the GTF has "
            f"{_show(genes['chrom'].astype(str))}; the bigWigs ({bigwig}, ...) share "
            f"{_show(chrom_sizes)}",
        )
    if best != "as they are":
        log.warning("GTF chromosome names used %s, to match the bigWigs'", best)
    log.info(
        "%d of %d genes are on chromosomes of the bigWigs (GTF %s, bigWig %s)",
        counts[best],
        len(genes),
        gtf,
        bigwig,
    )
    return genes.assign(chrom=variants[best].to_numpy())


def read_bigwig_header(path: str | Path) -> dict[str, int]:
    """Chromosome sizes of one bigWig, with a clear error when it cannot be opened."""
    bw = open_bigwig(path)
    try:
        return dict(bw.chroms())
    finally:
        bw.close()


def tss_windows(
    genes: pd.DataFrame,
    chrom_sizes: dict[str, int],
    upstream: int,
    downstream: int,
    expressed: np.ndarray | None = None,
    source: str | Path = "annotation",
) -> pd.DataFrame:
    """One strand-aware window per gene, dropping genes that cannot be binned.

    Genes on chromosomes missing from the bigWigs, genes whose window runs off a chromosome
    end, and (when ``expressed`` is given) genes absent from the expression table are dropped
    and counted in the log.
    """
    plus = genes["strand"].to_numpy() == "+"
    tss = np.where(plus, genes["start"], genes["end"])
    start = np.where(plus, tss - upstream, tss - downstream)
    end = np.where(plus, tss + downstream, tss + upstream)
    win = pd.DataFrame(
        {
            "gene_id": genes["gene_id"],
            "chrom": genes["chrom"],
            "tss": tss,
            "strand": genes["strand"],
            "start": start,
            "end": end,
        }
    )
    keep = np.array(genes["strand"].isin(["+", "-"]))
    if (~keep).any():
        log.info("dropped %d genes without a strand", (~keep).sum())
    on_chrom = win["chrom"].isin(list(chrom_sizes)).to_numpy()
    log.info("dropped %d genes on chromosomes missing from the bigWigs", (keep & ~on_chrom).sum())
    keep &= on_chrom
    size = win["chrom"].map(chrom_sizes).fillna(0).to_numpy()
    inside = (win["start"].to_numpy() >= 0) & (win["end"].to_numpy() <= size)
    log.info("dropped %d genes whose window runs off a chromosome end", (keep & ~inside).sum())
    keep &= inside
    if expressed is not None:
        in_table = win["gene_id"].isin(expressed).to_numpy()
        if not in_table.any():
            raise InputError(source, "no gene ID of the RPKM table matches an annotation gene")
        log.info("dropped %d annotated genes absent from the RPKM table", (keep & ~in_table).sum())
        keep &= in_table
    win = win[keep]
    if win.empty:
        raise InputError(source, "no genes left after filtering (types, chromosomes, ends)")
    order = np.lexsort((win["tss"].to_numpy(), win["chrom"].to_numpy()))
    log.info("kept %d genes", len(win))
    return win.iloc[order].reset_index(drop=True)[WINDOW_COLUMNS]


def read_windows(path: str | Path) -> pd.DataFrame:
    """Read ``results/annotation/tss_windows.tsv``."""
    try:
        df = pd.read_csv(path, sep="\t", dtype={"gene_id": str, "chrom": str, "strand": str})
    except FileNotFoundError as err:
        raise InputError(path, "TSS window table not found") from err
    if list(df.columns) != WINDOW_COLUMNS:
        raise InputError(path, f"expected columns {WINDOW_COLUMNS}")
    return df
