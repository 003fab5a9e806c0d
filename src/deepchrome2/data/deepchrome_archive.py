"""Unpacking the published DeepChrome archive (``data.tar.gz``) into the CSV source layout.

The archive that DeepChrome, AttentiveChrome and DeepChrome 2.0 trained on holds, per Roadmap
cell, ``{cell}/classification/{train,valid,test}.csv`` below a top folder. Only those members
of the configured cells are read (streamed out of the tar, never extracted by name, so no
member can write outside ``root``); they land at ``{root}/{cell}/classification/{split}.csv``.
A configured cell without all three files is an error naming the archive and the cells, and
then nothing is written. Cells of the archive that are not configured are listed in the log.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tarfile
from collections.abc import Sequence
from pathlib import Path

from deepchrome2.errors import InputError

log = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test")
MEMBER = re.compile(r"(?:^|/)(E\d{3})/classification/(train|valid|test)\.csv$")
_CHUNK = 1 << 20


def csv_paths(root: str | os.PathLike[str], cells: Sequence[str]) -> list[Path]:
    """``{root}/{cell}/classification/{split}.csv`` for every cell and split."""
    return [Path(root, c, "classification", f"{s}.csv") for c in cells for s in SPLITS]


def unpack_deepchrome_archive(
    archive: str | os.PathLike[str], root: str | os.PathLike[str], cells: Sequence[str]
) -> list[Path]:
    """Write the CSVs of ``cells`` from ``archive`` under ``root``; returns their paths.

    Each file is written to a temporary name and renamed once every file is complete; on
    any error the temporary files are removed and no CSV of this call is left behind.
    """
    try:
        with tarfile.open(archive, "r:*") as tar:
            finals = _unpack(tar, archive, root, cells)
    except (tarfile.TarError, OSError, EOFError) as err:
        raise InputError(archive, f"not a readable tar archive: {err}") from err
    log.info("unpacked %d files of %d cells into %s", len(finals), len(cells), root)
    return finals


def _unpack(
    tar: tarfile.TarFile,
    archive: str | os.PathLike[str],
    root: str | os.PathLike[str],
    cells: Sequence[str],
) -> list[Path]:
    found: dict[tuple[str, str], tarfile.TarInfo] = {}
    for member in tar:
        hit = MEMBER.search(member.name)
        if hit and member.isfile():
            key = (hit.group(1), hit.group(2))
            if key in found:
                raise InputError(archive, f"holds {'/'.join(key)}.csv twice")
            found[key] = member
    missing = sorted({c for c in cells for s in SPLITS if (c, s) not in found})
    if missing:
        raise InputError(
            archive,
            "no complete {cell}/classification/{train,valid,test}.csv for cells "
            + ", ".join(missing),
        )
    others = sorted({c for c, _ in found} - set(cells))
    if others:
        log.info("not configured, left packed: %d cells (%s)", len(others), ", ".join(others))
    finals = csv_paths(root, cells)
    staged: list[tuple[Path, Path]] = []
    try:
        for final in finals:
            cell, split = final.parts[-3], final.stem
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = final.with_name(f".{final.name}.unpacking")
            staged.append((tmp, final))
            src = tar.extractfile(found[(cell, split)])
            assert src is not None  # regular files only (checked above)
            with src, open(tmp, "wb") as out:
                shutil.copyfileobj(src, out, _CHUNK)
        for tmp, final in staged:
            os.replace(tmp, final)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return finals
