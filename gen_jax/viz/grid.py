"""Image grids: tile a batch of images into one RGB picture, and save it as a PNG."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib.image
import numpy as np

from gen_jax.core.atomic import write_bytes_atomically

# The automatic upscale makes each tile at least this many pixels on its shorter side, so that
# 8x8 digits are visible in a report instead of being a smudge.
MIN_TILE_PIXELS = 32


def image_grid(
    images,
    *,
    num_columns: int | None = None,
    value_range: Sequence[float] = (0.0, 1.0),
    padding: int = 1,
    pad_value: float = 1.0,
) -> np.ndarray:
    """Tiles a batch of images into one RGB image, row by row.

    Pixel values are clipped to ``value_range`` and mapped linearly onto 0..255, so
    ``value_range=(-1, 1)`` suits a ``tanh`` generator and ``(0, 255)`` suits raw ``uint8``
    data. Grayscale images are repeated into the three RGB channels. Cells of the last row
    that have no image, and the ``padding`` pixels around and between tiles, take the colour
    ``pad_value``.

    Args:
        images: Array ``[N, H, W, C]`` with ``C`` in ``{1, 3}``; numpy, JAX or anything
            :func:`numpy.asarray` accepts, of a real (integer or floating) dtype, all finite.
        num_columns: Tiles per row; defaults to ``ceil(sqrt(N))``. Values above ``N`` are
            clamped to ``N``.
        value_range: ``(low, high)``: the pixel values shown as black and as full intensity.
        padding: Pixels around and between tiles, ``>= 0``.
        pad_value: Grey level of the padding as a fraction of full intensity in ``[0, 1]``
            (0 is black, 1 is white), independent of ``value_range``.

    Returns:
        ``uint8`` array ``[rows * (H + padding) + padding, columns * (W + padding) + padding,
        3]`` with ``columns = min(num_columns, N)`` and ``rows = ceil(N / columns)``.

    Raises:
        ValueError: If an argument has the wrong shape, dtype or value; the message names it.
    """
    pixels = _as_float_images(images)
    num_images, height, width, _ = pixels.shape
    low, high = _check_value_range(value_range)
    if isinstance(padding, bool) or not isinstance(padding, int | np.integer) or padding < 0:
        raise ValueError(f"padding must be a non-negative integer, got {padding!r}.")
    if not 0.0 <= pad_value <= 1.0:
        raise ValueError(
            f"pad_value must lie in [0, 1] (0 is black, 1 is white), got {pad_value!r}."
        )
    if num_columns is None:
        num_columns = math.ceil(math.sqrt(num_images))
    elif (
        isinstance(num_columns, bool)
        or not isinstance(num_columns, int | np.integer)
        or num_columns < 1
    ):
        raise ValueError(f"num_columns must be a positive integer or None, got {num_columns!r}.")
    num_columns = min(int(num_columns), num_images)
    num_rows = math.ceil(num_images / num_columns)

    scaled = (np.clip(pixels, low, high) - low) / (high - low)
    tiles = np.rint(np.broadcast_to(scaled, (num_images, height, width, 3)) * 255)
    grid = np.full(
        (num_rows * (height + padding) + padding, num_columns * (width + padding) + padding, 3),
        round(pad_value * 255),
        dtype=np.uint8,
    )
    for index in range(num_images):
        row, column = divmod(index, num_columns)
        top = padding + row * (height + padding)
        left = padding + column * (width + padding)
        grid[top : top + height, left : left + width] = tiles[index]
    return grid


def save_image_grid(
    path: str | os.PathLike,
    images,
    *,
    num_columns: int | None = None,
    value_range: Sequence[float] = (0.0, 1.0),
    padding: int = 1,
    pad_value: float = 1.0,
    scale: int | None = None,
) -> Path:
    """Tiles ``images`` with :func:`image_grid` and writes the grid as a PNG, atomically.

    The grid is upscaled by an integer factor with nearest-neighbour sampling (each pixel
    becomes a ``scale x scale`` block), so small images stay sharp when viewed.

    Args:
        path: Destination ``.png`` file; missing parent directories are created.
        images: Array ``[N, H, W, C]``, ``C`` in ``{1, 3}``; see :func:`image_grid`.
        num_columns: See :func:`image_grid`.
        value_range: See :func:`image_grid`.
        padding: See :func:`image_grid` (in pixels before upscaling).
        pad_value: See :func:`image_grid`.
        scale: Positive integer upscale factor. Defaults to the smallest factor that makes each
            tile at least ``MIN_TILE_PIXELS`` (32) pixels on its shorter side: 4 for 8x8 digits,
            2 for 28x28 MNIST, 1 for 32x32 and larger.

    Returns:
        ``path`` as a :class:`pathlib.Path`. The PNG is ``scale`` times the grid's size.

    Raises:
        ValueError: If an argument has the wrong shape, dtype or value; the message names it.
    """
    grid = image_grid(
        images,
        num_columns=num_columns,
        value_range=value_range,
        padding=padding,
        pad_value=pad_value,
    )
    if scale is None:
        tile_size = min(np.shape(images)[1:3])
        scale = max(1, math.ceil(MIN_TILE_PIXELS / tile_size))
    elif isinstance(scale, bool) or not isinstance(scale, int | np.integer) or scale < 1:
        raise ValueError(f"scale must be a positive integer or None, got {scale!r}.")
    upscaled = np.repeat(np.repeat(grid, scale, axis=0), scale, axis=1)
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, upscaled, format="png")
    return write_bytes_atomically(path, buffer.getvalue())


def _as_float_images(images) -> np.ndarray:
    """Validates ``images`` as ``[N, H, W, C]`` real, finite pixels; returns them as float64."""
    array = np.asarray(images)
    if array.ndim != 4 or array.shape[-1] not in (1, 3):
        hint = " (add a channel axis with images[..., None])" if array.ndim == 3 else ""
        raise ValueError(
            f"images must have shape [N, H, W, C] with C in {{1, 3}}, got shape {array.shape}"
            f"{hint}."
        )
    if 0 in array.shape[:3]:
        raise ValueError(f"images must hold at least one non-empty image, got shape {array.shape}.")
    # JAX's bfloat16 and float8 arrays arrive as numpy "void"-kind dtypes (ml_dtypes).
    if array.dtype.kind not in "iuf" and not (
        array.dtype.kind == "V" and np.can_cast(array.dtype, np.float64)
    ):
        raise ValueError(f"images must have a real numeric dtype, got {array.dtype}.")
    pixels = array.astype(np.float64)
    num_bad = int(np.size(pixels) - np.count_nonzero(np.isfinite(pixels)))
    if num_bad:
        raise ValueError(
            f"images contains {num_bad} non-finite values (NaN or inf); check the model that "
            "produced them or replace them (np.nan_to_num) before plotting."
        )
    return pixels


def _check_value_range(value_range: Sequence[float]) -> tuple[float, float]:
    """Returns ``value_range`` as two floats ``low < high``, or raises ValueError."""
    try:
        low, high = (float(value) for value in value_range)
    except (TypeError, ValueError):
        raise ValueError(f"value_range must be a pair (low, high), got {value_range!r}.") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"value_range must be finite with low < high, got {value_range!r}.")
    return low, high
