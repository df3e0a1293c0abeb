"""One entry point that opens any data set of :mod:`gen_jax.data` by name."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from gen_jax.data.arrays import ArraySource
from gen_jax.data.embedded import load_digits
from gen_jax.data.source import RandomAccessSource
from gen_jax.data.tfds_source import TFDS_DATASETS, load_tfds
from gen_jax.data.toys import gaussian_mixture_2d, moons, ring

__all__ = ["DATASETS", "load_source"]

_TOYS = {"gaussian_mixture_2d": gaussian_mixture_2d, "ring": ring, "moons": moons}
_TOY_SPLITS = ("train", "test")
_DEFAULT_TOY_SAMPLES = 10_000

DATASETS = ("digits", *_TOYS, *TFDS_DATASETS)
"""Every name :func:`load_source` accepts."""


def _toy_seed(seed: int, split: str) -> int:
    """The generator seed of a toy split: ``seed`` itself for train, an independent one for
    test, so that the two splits are different draws from the same distribution."""
    if split == "train":
        return seed
    return int(np.random.SeedSequence([seed, 1]).generate_state(1)[0])


def load_source(
    name: str,
    *,
    split: str = "train",
    data_dir: str | os.PathLike | None = None,
    **options: Any,
) -> RandomAccessSource:
    """Opens a data set by name as a random-access source.

    - ``"digits"``: :func:`~gen_jax.data.load_digits` as an
      :class:`~gen_jax.data.ArraySource` with keys ``image``, ``label``; ``split`` is
      ``"train"``, ``"test"`` or ``"all"``; options ``value_range``, ``image_size``,
      ``test_fraction``, ``seed``.
    - ``"gaussian_mixture_2d"``, ``"ring"``, ``"moons"``: the toy generators of
      :mod:`gen_jax.data.toys` as an ``ArraySource`` with keys ``x``, ``label``; ``split``
      is ``"train"`` or ``"test"`` (an independent draw); options ``num_samples`` (default
      10,000), ``seed`` (default 0) and the generator's own keywords.
    - TFDS names (:data:`~gen_jax.data.TFDS_DATASETS`): :func:`~gen_jax.data.load_tfds` with
      ``split``, ``data_dir`` and options ``image_size``, ``value_range`` and ``classes``
      (keep only some classes, by name or id: ``load_source("cifar10",
      classes=("horse",))``, ``load_source("quickdraw_bitmap", classes=("camel",))``).

    ``data_dir`` only matters for TFDS data sets; the embedded and synthetic ones ignore it.

    Args:
        name: One of :data:`DATASETS`.
        split: The split, as above.
        data_dir: TFDS data directory (default ``$TFDS_DATA_DIR``, else TFDS's default).
        **options: Passed to the loader, as above.

    Returns:
        A source with ``len`` and ``source[indices] -> dict`` of numpy arrays.

    Raises:
        ValueError: If ``name`` or ``split`` is unknown or an option is invalid.
        DatasetUnavailableError: If a TFDS data set is not prepared under ``data_dir``.
    """
    if name == "digits":
        return ArraySource(load_digits(split=split, **options))
    if name in _TOYS:
        if split not in _TOY_SPLITS:
            raise ValueError(f"split for {name!r} must be one of {_TOY_SPLITS}, got {split!r}")
        num_samples = options.pop("num_samples", _DEFAULT_TOY_SAMPLES)
        seed = options.pop("seed", 0)
        generator = _TOYS[name]
        return ArraySource(generator(num_samples, seed=_toy_seed(seed, split), **options))
    if name in TFDS_DATASETS:
        return load_tfds(name, split=split, data_dir=data_dir, **options)
    raise ValueError(f"unknown data set {name!r}; known data sets are {DATASETS}")


def load_split(data: Mapping[str, Any], split: str, **options: Any) -> RandomAccessSource:
    """A split of the data set that an experiment config's ``data`` section names.

    The section goes whole to this function: ``dataset`` and ``data_dir`` (``""`` for the
    default), and when present and set ``image_size`` and ``classes`` (empty for every
    class) are passed to :func:`load_source`; its other keys (``batch_size`` and the like)
    belong to the iterator and are ignored.

    Args:
        data: the ``data`` section, e.g. ``{"dataset": "digits", "data_dir": "",
            "image_size": 28, "batch_size": 32}``.
        split: the split to open, as :func:`load_source` takes it.
        **options: further loader options (``value_range=(-1.0, 1.0)``); they take
            precedence over the section's.

    Example::

        train = load_split(config.data, "train", value_range=(0.0, 1.0))
    """
    loader_options = {
        key: tuple(data[key]) if key == "classes" else data[key]
        for key in ("image_size", "classes")
        if data.get(key)
    }
    loader_options.update(options)
    return load_source(
        data["dataset"], split=split, data_dir=data.get("data_dir") or None, **loader_options
    )
