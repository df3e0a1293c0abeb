"""Text as a picture: monospaced lines in a PNG for report pages (samples, tables, topics)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from gen_jax.core.atomic import save_figure_png

__all__ = ["save_text_panel"]


def save_text_panel(
    path: str | os.PathLike,
    lines: Sequence[str],
    *,
    title: str | None = None,
    width_inches: float = 10.0,
    font_size: float = 8.5,
) -> Path:
    """Write ``lines`` of monospaced text (under an optional title) as a PNG at ``path``.

    The figure's height follows the number of lines, so a long table is not squeezed.
    The file is written atomically (``gen_jax.core.atomic``); returns its path.
    """
    line_height = font_size / 72 * 1.6  # inches per line at the usual 1.6 line spacing
    height = line_height * max(len(lines), 1) + (0.6 if title else 0.3)
    figure = Figure(figsize=(width_inches, height), layout="constrained")
    axis = figure.add_subplot()
    axis.axis("off")
    if title:
        axis.set_title(title, fontsize=11, loc="left")
    axis.text(0, 1, "\n".join(lines), va="top", family="monospace", fontsize=font_size)
    return save_figure_png(Path(path), figure)
