"""Shared figure plumbing: the style file, headless matplotlib and byte-stable saving.

Every figure module builds a `matplotlib.figure.Figure` from result files and hands it to
`save_figure`, which writes a PDF without a creation date (so the same inputs give the same
bytes) and a PNG with fixed metadata. `figure` creates figures under the project style without
touching pyplot's global state, so figure modules run headless and in parallel.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: set before pyplot is imported anywhere in this process

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = [
    "PDF_METADATA",
    "PNG_METADATA",
    "STYLE",
    "accuracy_guides",
    "figure",
    "save_figure",
    "style",
]

STYLE = Path(__file__).with_name("style.mplstyle")
PDF_METADATA = {"CreationDate": None, "ModDate": None, "Creator": "LOCO toolkit", "Producer": None}
PNG_METADATA = {"Software": "LOCO toolkit"}


@contextmanager
def style(path: str | Path | None = None) -> Iterator[None]:
    """Context in which matplotlib uses the project style (or the style file ``path``)."""
    with plt.style.context(str(path or STYLE)):
        yield


def figure(**kwargs) -> Figure:
    """A new figure outside pyplot's registry (no global state, freed with the object)."""
    return Figure(**kwargs)


def accuracy_guides(axes, chance: float, threshold: float | None = None) -> None:
    """Accuracy axes from 0 to 1 with chance (dotted) and the "learns" threshold (dashed)."""
    for ax in axes:
        ax.axhline(chance, color="0.5", lw=0.7, ls=":")
        if threshold is not None:
            ax.axhline(threshold, color="0.5", lw=0.7, ls="--")
        ax.set_ylim(0, 1)


def save_figure(fig: Figure, pdf: str | Path, png: str | Path | None = None) -> None:
    """Write ``fig`` to ``pdf`` (byte-stable: no dates) and optionally to ``png``.

    Parent directories are created. Writes go to a temporary name first and are renamed,
    so an interrupted run never leaves a half-written figure behind.

    Examples
    --------
    >>> import tempfile, hashlib
    >>> def digest(p): return hashlib.sha256(Path(p).read_bytes()).hexdigest()
    >>> with tempfile.TemporaryDirectory() as d:
    ...     fig = figure(); _ = fig.add_subplot().plot([0, 1], [1, 0])
    ...     save_figure(fig, f"{d}/a.pdf", f"{d}/a.png"); save_figure(fig, f"{d}/b.pdf")
    ...     digest(f"{d}/a.pdf") == digest(f"{d}/b.pdf")
    True
    """
    targets = [(Path(pdf), "pdf", PDF_METADATA)]
    if png is not None:
        targets.append((Path(png), "png", PNG_METADATA))
    for path, fmt, metadata in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        fig.savefig(tmp, format=fmt, metadata=metadata)
        tmp.replace(path)
