"""glibc ``malloc`` settings for the jobs: keep freed memory for reuse.

A training step frees and re-allocates the same activation buffers every batch. With glibc's
defaults, buffers above a (self-adjusting) threshold are mapped and unmapped each time, and the
top of the heap is given back to the system whenever enough of it is free, so each step pays
page faults to zero fresh pages. For AttentiveChrome on the CPU that was about a fifth of the
job's CPU time, most of it system time (docs/benchmarks.md, "The allocator").

:func:`keep_freed_memory` sets, through ``mallopt``:

- ``M_MMAP_THRESHOLD`` 32 MiB (glibc's largest): smaller blocks come from the heap;
- ``M_TRIM_THRESHOLD`` 256 MiB: free memory at the heap top is kept up to that size;
- ``M_TOP_PAD`` 64 MiB: the heap grows in steps of that size.

The arithmetic is untouched, so results are bit-identical. A job's peak memory grows by at most
the kept free memory. Elsewhere than on glibc (macOS, musl) nothing is changed.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

MIB = 1024 * 1024
SETTINGS = {M_MMAP_THRESHOLD: 32 * MIB, M_TRIM_THRESHOLD: 256 * MIB, M_TOP_PAD: 64 * MIB}


def _glibc() -> ctypes.CDLL | None:
    """The process's C library when it is glibc, else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        version = libc.gnu_get_libc_version
    except (OSError, AttributeError):
        return None
    version.restype = ctypes.c_char_p
    return libc if version() else None


def keep_freed_memory() -> bool:
    """Apply :data:`SETTINGS` with ``mallopt``; True when glibc accepted all of them."""
    libc = _glibc()
    if libc is None:
        return False
    mallopt = libc.mallopt
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return all(mallopt(param, value) == 1 for param, value in SETTINGS.items())
