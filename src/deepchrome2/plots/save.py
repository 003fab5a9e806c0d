"""Writing a figure: PDF and PNG, each atomically and reproducibly."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from deepchrome2.io import atomic_path  # noqa: E402

PathLike = str | os.PathLike[str]

# fixed metadata, so that reruns write identical files
METADATA = {"pdf": {"CreationDate": None}, "png": {"Software": None}}


def save_figure(fig: plt.Figure, pdf: PathLike, png: PathLike) -> None:
    """Save ``fig`` as PDF and PNG, each atomically, and close it."""
    for path, fmt in ((pdf, "pdf"), (png, "png")):
        final, tmp = atomic_path(path)
        fig.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight", metadata=METADATA[fmt])
        os.replace(tmp, final)
    plt.close(fig)
