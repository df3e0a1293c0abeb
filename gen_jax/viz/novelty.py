"""The novelty figure: each generated sample beside its nearest training images.

Pairs with :func:`gen_jax.eval.novelty.novelty_check`: row ``i`` shows sample ``i`` and
then its ``k`` nearest training images, nearest first, as the book's camel GAN does with
its sample grid and grid of nearest neighbours (Foster 2019, ch. 4, Fig. 4.10).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gen_jax.viz.grid import save_image_grid


def save_nearest_neighbours(
    path: str | os.PathLike,
    samples,
    neighbour_images,
    *,
    value_range: Sequence[float] = (0.0, 1.0),
    scale: int | None = None,
) -> Path:
    """Writes a PNG whose rows are ``sample | neighbour 1 | ... | neighbour k``.

    Args:
        path: destination ``.png``.
        samples: generated images ``[M, H, W, C]``.
        neighbour_images: their nearest training images ``[M, k, H, W, C]``, nearest first
            (e.g. ``training[report.neighbours.indices]``).
        value_range: the pixel values shown as black and as full intensity.
        scale: integer upscale factor (see :func:`~gen_jax.viz.save_image_grid`).

    Returns:
        ``path`` as a :class:`pathlib.Path`.

    Raises:
        ValueError: if the two arrays do not hold the same number of images of one shape.
    """
    samples = np.asarray(samples)
    neighbour_images = np.asarray(neighbour_images)
    if neighbour_images.ndim != samples.ndim + 1 or (
        neighbour_images.shape[:1] + neighbour_images.shape[2:] != samples.shape
    ):
        raise ValueError(
            f"neighbour_images has shape {neighbour_images.shape}; for samples of shape "
            f"{samples.shape} it must be [M, k, ...] with the same M and image shape"
        )
    rows = np.concatenate([samples[:, None], neighbour_images], axis=1)
    return save_image_grid(
        path,
        rows.reshape(-1, *samples.shape[1:]),
        num_columns=rows.shape[1],
        value_range=value_range,
        scale=scale,
    )
