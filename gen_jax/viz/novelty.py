"""The novelty figure: each generated sample beside its nearest training images.

Pairs with :func:`gen_jax.eval.novelty.novelty_check`: row ``i`` shows sample ``i`` and
then its ``k`` nearest training images, nearest first, as the book's camel GAN does with
its sample grid and grid of nearest neighbours (Foster 2019, ch. 4, Fig. 4.10).
:func:`save_novelty_check` runs the check and draws the figure in one call, as an
experiment does at the end of training.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gen_jax.eval.novelty import _read_rows, novelty_check
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


def save_novelty_check(
    path: str | os.PathLike,
    samples,
    training,
    *,
    k: int = 3,
    metric: str = "l2",
    value_range: Sequence[float] = (0.0, 1.0),
    seed: int = 0,
    data_key: str = "image",
    scale: int | None = None,
    **novelty_options,
) -> tuple[dict[str, float], Path]:
    """Runs :func:`~gen_jax.eval.novelty.novelty_check` and saves its figure.

    Args:
        path: destination ``.png`` of the figure (see :func:`save_nearest_neighbours`).
        samples: generated images ``[M, H, W, C]``, in the same pixel range as ``training``.
        training: the training images, an array ``[N, H, W, C]`` or a random-access source
            (``training[indices][data_key]``), e.g. the experiment's ``load_source(...)``.
        k: nearest training images per sample.
        metric: ``"l2"`` or ``"l1"`` (the book's mean absolute pixel difference).
        value_range: the pixel values shown as black and as full intensity.
        seed: picks the training images that measure the data's own spacing.
        data_key: the image entry of a source's rows.
        scale: integer upscale factor of the figure.
        **novelty_options: further arguments of ``novelty_check`` (``num_reference``,
            ``threshold``, ``feature_fn``, ``sample_chunk``, ``training_chunk``).

    Returns:
        ``(report.summary(), path)``: the ``novelty/...`` scalars for the final metrics and
        the figure's path.
    """
    samples = np.asarray(samples)
    report = novelty_check(
        samples, training, k=k, metric=metric, data_key=data_key, seed=seed, **novelty_options
    )
    indices = report.neighbours.indices
    nearest = _read_rows(training, indices.reshape(-1), data_key)
    figure = save_nearest_neighbours(
        path,
        samples,
        nearest.reshape(*indices.shape, *samples.shape[1:]),
        value_range=value_range,
        scale=scale,
    )
    return report.summary(), figure
