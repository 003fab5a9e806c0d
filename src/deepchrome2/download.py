"""Downloading published input files: retries, size check, gunzip, format check, checksums.

The bytes are fetched by Snakemake's HTTP storage plugin (``snakemake-storage-plugin-http``),
the same code that serves ``storage.http(...)`` inputs. This module adds what the plugin lacks:
retries with back-off, a check of the received size against the server's ``Content-Length``,
decompression of ``.gz`` files, a check that a ``.bigwig`` really is a bigWig, and a checksum
record (``checksums.tsv``) that is written after the first download of a file and verified
on every later download of it. The output appears atomically or not at all.

Run ``python -m deepchrome2.download verify CHECKSUMS.tsv`` to re-hash recorded files.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import logging
import os
import shutil
import sys
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from deepchrome2.errors import InputError
from deepchrome2.io import atomic_path

log = logging.getLogger(__name__)

CHECKSUM_COLUMNS = ("file", "sha256", "bytes", "url")
BIGWIG_MAGIC = (bytes.fromhex("26fc8f88"), bytes.fromhex("888ffc26"))  # little / big endian
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Record:
    """One line of the checksum file."""

    file: str
    sha256: str
    bytes: int
    url: str


class TransientError(Exception):
    """A download attempt failed in a way that another attempt may fix."""


def sha256sum(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _parse_checksums(text: str, path: str | os.PathLike[str]) -> dict[str, Record]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return {}
    if tuple(lines[0].split("\t")) != CHECKSUM_COLUMNS:
        header = "<TAB>".join(CHECKSUM_COLUMNS)
        raise InputError(path, f"checksum file header must be {header}")
    records = {}
    for n, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(CHECKSUM_COLUMNS) or not fields[2].isdigit():
            raise InputError(path, f"line {n} is not file<TAB>sha256<TAB>bytes<TAB>url")
        records[fields[0]] = Record(fields[0], fields[1], int(fields[2]), fields[3])
    return records


def read_checksums(path: str | os.PathLike[str]) -> dict[str, Record]:
    """Records of a checksum file by file path; empty when the file does not exist."""
    try:
        return _parse_checksums(Path(path).read_text(), path)
    except FileNotFoundError:
        return {}


@contextmanager
def _locked(path: Path) -> Iterator[object]:
    """Open ``path`` for reading and appending under an exclusive lock (parallel jobs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield fh
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def record_or_verify(checksums: str | os.PathLike[str], new: Record) -> str:
    """Record ``new`` in the checksum file, or verify it against the recorded one.

    Returns ``"recorded"`` or ``"verified"``. A different SHA-256 for a recorded file raises
    :class:`InputError`: the upstream file changed or this download is corrupt.
    """
    path = Path(checksums)
    with _locked(path) as fh:
        fh.seek(0)
        records = _parse_checksums(fh.read(), path)
        old = records.get(new.file)
        if old is not None:
            if old.sha256 != new.sha256:
                raise InputError(
                    new.url,
                    f"sha256 {new.sha256} ({new.bytes} bytes) differs from {old.sha256} "
                    f"({old.bytes} bytes) recorded for {new.file} in {path}; the file changed "
                    "upstream or the download is corrupt (delete its line there to accept it)",
                )
            return "verified"
        if not records:
            fh.write("\t".join(CHECKSUM_COLUMNS) + "\n")
        fh.write(f"{new.file}\t{new.sha256}\t{new.bytes}\t{new.url}\n")
        fh.flush()
        os.fsync(fh.fileno())
        return "recorded"


def _http_object(url: str, local_dir: Path):  # noqa: ANN202 - plugin type
    """A storage object of Snakemake's HTTP storage plugin for ``url``."""
    from snakemake_storage_plugin_http import (
        StorageObject,
        StorageProvider,
        StorageProviderSettings,
    )

    provider = StorageProvider(
        local_prefix=local_dir, logger=log, settings=StorageProviderSettings()
    )
    return StorageObject(query=url, keep_local=False, retrieve=True, provider=provider)


def _attempt(url: str, dest: Path) -> None:
    """One download of ``url`` to ``dest`` through the HTTP storage plugin."""
    import requests
    import urllib3

    obj = _http_object(url, dest.parent)
    obj.set_local_path(dest)
    try:
        with obj.httpr(verb="HEAD") as head:
            status = head.status_code
            length = head.headers.get("Content-Length")
            encoded = bool(head.headers.get("Content-Encoding"))
        if status in (404, 410):
            raise InputError(url, f"HTTP {status}: no such file on the server")
        if status != 200:
            raise TransientError(f"HTTP {status} for HEAD")
        obj.retrieve_object()
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as err:
        raise TransientError(f"{type(err).__name__}: {err}") from err
    got = dest.stat().st_size
    if length is not None and not encoded and got != int(length):
        raise TransientError(f"received {got} bytes, Content-Length says {length}")


def fetch(url: str, dest: str | os.PathLike[str], retries: int = 3, backoff: float = 5.0) -> None:
    """Download ``url`` to ``dest`` with up to ``retries`` retries (waits back-off, doubling).

    Raises :class:`InputError` naming the URL when every attempt failed; ``dest`` is then absent.
    """
    dest = Path(dest)
    for attempt in range(retries + 1):
        try:
            _attempt(url, dest)
            return
        except TransientError as err:
            dest.unlink(missing_ok=True)
            if attempt == retries:
                raise InputError(
                    url, f"download failed after {retries + 1} attempt(s): {err}"
                ) from err
            wait = backoff * 2**attempt
            log.warning(
                "attempt %d of %s failed (%s); retrying in %.0f s", attempt + 1, url, err, wait
            )
            time.sleep(wait)
        except BaseException:
            dest.unlink(missing_ok=True)
            raise


def gunzip(src: Path, dest: Path, url: str) -> None:
    """Decompress ``src`` into ``dest``; a truncated or corrupt stream raises InputError."""
    try:
        with gzip.open(src, "rb") as fin, open(dest, "wb") as fout:
            shutil.copyfileobj(fin, fout, _CHUNK)
    except (OSError, EOFError, zlib.error) as err:
        raise InputError(url, f"not a valid gzip file: {err}") from err


def check_format(path: Path, name: str, url: str) -> None:
    """Reject a downloaded ``.bigwig``/``.bw`` that lacks the bigWig magic number."""
    if name.lower().endswith((".bigwig", ".bw")):
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic not in BIGWIG_MAGIC:
            raise InputError(url, f"the downloaded file is not a bigWig (starts {magic!r})")


def check_expected(path: Path, expected: str, url: str) -> None:
    """Compare ``path`` with a published checksum ``"md5:<hex>"`` or ``"sha256:<hex>"``."""
    algo, _, want = expected.partition(":")
    if algo not in ("md5", "sha256") or not want:
        raise InputError(url, f"checksum {expected!r} must be md5:<hex> or sha256:<hex>")
    h = hashlib.new(algo)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    if h.hexdigest() != want.lower():
        raise InputError(url, f"{algo} {h.hexdigest()} differs from the published {want}")


def download(
    url: str,
    output: str | os.PathLike[str],
    checksums: str | os.PathLike[str],
    retries: int = 3,
    backoff: float = 5.0,
    expected: str | None = None,
) -> str:
    """Download ``url`` into ``output`` (gunzipped when the URL ends .gz and output does not).

    The file's SHA-256 is recorded in ``checksums`` on its first download and verified on each
    later one; ``expected`` (``"md5:<hex>"`` or ``"sha256:<hex>"``, as published next to the
    file) is checked on every download. Returns ``"recorded"`` or ``"verified"``. Nothing is
    left at ``output`` on error.
    """
    final, tmp = atomic_path(output)
    raw = tmp.with_name(tmp.name + ".download")
    try:
        fetch(url, raw, retries=retries, backoff=backoff)
        if url.endswith(".gz") and not final.name.endswith(".gz"):
            gunzip(raw, tmp, url)
            raw.unlink()
        else:
            os.replace(raw, tmp)
        check_format(tmp, final.name, url)
        if expected:
            check_expected(tmp, expected, url)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # temporary files are created private
        rec = Record(str(output), sha256sum(tmp), tmp.stat().st_size, url)
        outcome = record_or_verify(checksums, rec)
        os.replace(tmp, final)
    finally:
        raw.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    log.info("%s: %s sha256 %s (%d bytes) from %s", final, outcome, rec.sha256, rec.bytes, url)
    return outcome


def verify(checksums: str | os.PathLike[str], root: str | os.PathLike[str] = ".") -> list[str]:
    """Re-hash every file recorded in ``checksums``; return one problem line per bad file.

    Recorded paths are relative to the workflow's working folder, ``root``.
    """
    problems = []
    for rec in read_checksums(checksums).values():
        path = Path(root, rec.file)
        if not path.exists():
            problems.append(f"{rec.file}: missing")
        elif (digest := sha256sum(path)) != rec.sha256:
            problems.append(f"{rec.file}: sha256 {digest} differs from recorded {rec.sha256}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """``python -m deepchrome2.download verify CHECKSUMS.tsv``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] != "verify":
        print("usage: python -m deepchrome2.download verify CHECKSUMS.tsv", file=sys.stderr)
        return 2
    try:
        problems = verify(args[1])
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    n = len(read_checksums(args[1]))
    print(f"{n - len(problems)} of {n} files match {args[1]}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
