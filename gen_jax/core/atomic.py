"""Atomic writes of rendered plots and pages.

A run can be killed at any moment, and a half-written ``report.html`` or PNG is worse than
none: the bytes are written to a temporary file in the destination directory and moved into
place with :func:`os.replace`, which is atomic on POSIX and Windows. In a multi-process run
only the main process writes (:func:`gen_jax.core.distributed.is_main_process`): every
process renders the same figures, and one copy is enough.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gen_jax.core.distributed import is_main_process

# mkstemp creates files readable by the owner only; reports are meant to be shared.
_FILE_MODE = 0o644


def write_bytes_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """Writes ``data`` to ``path`` so that readers see the old file or the new one, never half.

    Missing parent directories are created. On any process but the main one of a
    multi-process run nothing is written.

    Args:
        path: Destination file.
        data: The complete file contents.

    Returns:
        ``path`` as a :class:`pathlib.Path`.
    """
    path = Path(path)
    if not is_main_process():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.chmod(temporary, _FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def save_figure_png(path: str | os.PathLike, figure: Figure, *, dpi: int = 100) -> Path:
    """Renders a Matplotlib figure with the Agg backend and writes it atomically as a PNG.

    The figure is built with :class:`matplotlib.figure.Figure`, never through ``pyplot``, so no
    global figure state is created or leaked.

    Args:
        path: Destination ``.png`` file.
        figure: The figure to render.
        dpi: Resolution in dots per inch.

    Returns:
        ``path`` as a :class:`pathlib.Path`.
    """
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return write_bytes_atomically(path, buffer.getvalue())
