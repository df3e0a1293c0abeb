"""Unpaired two-domain image data for CycleGAN: TFDS ``cycle_gan/*``, folders of image
files, and a resumable iterator that pairs the domains at random.

Every source returns ``{"image": float32 [B, S, S, 3] in [-1, 1]}`` (the book's
``x / 127.5 - 1``, Foster 2019, ``utils/loaders.py``), resized to ``S = image_size``. The
four splits follow the CycleGAN release: ``trainA``, ``trainB``, ``testA``, ``testB``.

- :func:`load_cycle_gan_tfds` reads a prepared ``cycle_gan/apple2orange``,
  ``cycle_gan/monet2photo`` (or any ``cycle_gan/*`` configuration) through
  ``tfds.data_source``; nothing is downloaded.
- :class:`ImageFolderSource` and :func:`load_cycle_gan_folder` read the release's zip,
  unpacked: ``ROOT/trainA/*.jpg`` and so on.
- :class:`UnpairedIterator` draws the two domains independently (each its own resumable
  :class:`~gen_jax.data.BatchIterator`, so every epoch re-pairs them) and, for training,
  flips each pair ``(a_i, b_i)`` left-right together with probability 1/2, as the book's
  loader does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jax
import numpy as np

from gen_jax.data.errors import DatasetUnavailableError, tfds_how_to
from gen_jax.data.iterator import BatchIterator
from gen_jax.data.source import RandomAccessSource, as_index_array
from gen_jax.data.tfds_source import default_tfds_data_dir
from gen_jax.data.transforms import resize_bilinear, scale_pixels

__all__ = [
    "CYCLE_GAN_SPLITS",
    "IMAGE_SUFFIXES",
    "ImageFolderSource",
    "TfdsDomainSource",
    "UnpairedIterator",
    "domain_splits",
    "load_cycle_gan_folder",
    "load_cycle_gan_tfds",
    "load_unpaired",
]

CYCLE_GAN_SPLITS = ("trainA", "trainB", "testA", "testB")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
VALUE_RANGE = (-1.0, 1.0)


def domain_splits(split: str) -> tuple[str, str]:
    """``"train"`` -> ``("trainA", "trainB")``, ``"test"`` -> ``("testA", "testB")``."""
    if split not in ("train", "test"):
        raise ValueError(f"split={split!r}; an unpaired data set has 'train' and 'test'")
    return f"{split}A", f"{split}B"


def load_cycle_gan_tfds(
    name: str,
    *,
    split: str,
    image_size: int,
    data_dir: str | os.PathLike | None = None,
) -> TfdsDomainSource:
    """One domain of a prepared TFDS ``cycle_gan/*`` data set, resized, in [-1, 1].

    Args:
        name: ``"cycle_gan/apple2orange"``, ``"cycle_gan/monet2photo"``, ...
        split: one of :data:`CYCLE_GAN_SPLITS`.
        image_size: output side (128 for apple2orange, 256 for monet2photo in the book).
        data_dir: the TFDS data directory (default ``$TFDS_DATA_DIR``, else TFDS's).

    Raises:
        DatasetUnavailableError: if the data set is not prepared under ``data_dir``.
    """
    if not name.startswith("cycle_gan/"):
        raise ValueError(f"name={name!r}; pass a 'cycle_gan/<pair>' TFDS name")
    if split not in CYCLE_GAN_SPLITS:
        raise ValueError(f"split={split!r}; choose one of {CYCLE_GAN_SPLITS}")
    data_dir = os.fspath(data_dir) if data_dir else default_tfds_data_dir()
    import tensorflow_datasets as tfds

    try:
        data_source = tfds.data_source(name, split=split, data_dir=data_dir, download=False)
    except (FileNotFoundError, NotImplementedError, tfds.core.DatasetNotFoundError) as error:
        raise DatasetUnavailableError(
            name,
            data_dir,
            tfds_how_to(name, data_dir),
            f"The underlying error was: {type(error).__name__}: {error}",
        ) from error
    return TfdsDomainSource(data_source, int(image_size))


class TfdsDomainSource:
    """One ``cycle_gan/*`` split: each image resized on its own to ``S x S`` (the book's
    ``imresize``, antialiased bilinear here), as ``{"image": [B, S, S, 3]}`` in [-1, 1].

    Args:
        data_source: what ``tfds.data_source`` returned for the split.
        image_size: the output side ``S``.
    """

    def __init__(self, data_source: Any, image_size: int) -> None:
        self._data_source = data_source
        self.image_size = image_size

    def __len__(self) -> int:
        return len(self._data_source)

    def __getitem__(self, indices: Sequence[int] | np.ndarray) -> dict[str, np.ndarray]:
        index = as_index_array(indices, len(self))
        size = (self.image_size, self.image_size)
        images = [
            resize_bilinear(np.asarray(self._data_source[int(i)]["image"], np.float32)[None], size)
            for i in index
        ]
        if not images:
            return {"image": np.zeros((0, *size, 3), np.float32)}
        return {
            "image": scale_pixels(np.concatenate(images), max_value=255.0, value_range=VALUE_RANGE)
        }


class ImageFolderSource:
    """The image files of one folder (sorted by name) as ``{"image": [B, S, S, 3]}`` in
    [-1, 1], each converted to RGB and resized to ``S x S`` (antialiased bilinear).

    Args:
        folder: a directory of ``.jpg``/``.jpeg``/``.png``/``.bmp`` files.
        image_size: the output side ``S``.

    Raises:
        DatasetUnavailableError: if the folder is missing or holds no image file.
    """

    def __init__(self, folder: str | os.PathLike, image_size: int) -> None:
        folder = Path(folder)
        paths = (
            sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if folder.is_dir()
            else []
        )
        if not paths:
            raise DatasetUnavailableError(
                folder.name,
                str(folder.parent),
                "How to provide it: unpack the CycleGAN release's <pair>.zip (folders trainA, "
                "trainB, testA, testB of image files) and pass its directory as data_dir.",
                f"{folder} is missing or has no image file ({', '.join(IMAGE_SUFFIXES)}).",
            )
        self.paths = tuple(paths)
        self.image_size = int(image_size)

    def __len__(self) -> int:
        return len(self.paths)

    def _read(self, path: Path) -> np.ndarray:
        from PIL import Image

        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB"), dtype=np.float32)
        return resize_bilinear(pixels[None], (self.image_size, self.image_size))[0]

    def __getitem__(self, indices: Sequence[int] | np.ndarray) -> dict[str, np.ndarray]:
        index = as_index_array(indices, len(self))
        if index.size == 0:
            return {"image": np.zeros((0, self.image_size, self.image_size, 3), np.float32)}
        images = np.stack([self._read(self.paths[i]) for i in index])
        return {"image": scale_pixels(images, max_value=255.0, value_range=VALUE_RANGE)}


def load_cycle_gan_folder(
    root: str | os.PathLike, *, split: str, image_size: int
) -> ImageFolderSource:
    """One domain folder (``root/trainA`` ...) of an unpacked CycleGAN data set."""
    if split not in CYCLE_GAN_SPLITS:
        raise ValueError(f"split={split!r}; choose one of {CYCLE_GAN_SPLITS}")
    return ImageFolderSource(Path(root) / split, image_size)


def _derived_seed(seed: int, *purpose: int) -> int:
    return int(np.random.SeedSequence([seed, *purpose]).generate_state(1)[0] >> 1)


class UnpairedIterator:
    """Resumable batches ``{"image_a", "image_b"}`` from two independently shuffled domains.

    Args:
        source_a: domain A (a source with an ``"image"`` key).
        source_b: domain B.
        batch_size: the global batch size.
        seed: seeds both orders and the flips.
        flip: flip each pair left-right together with probability 1/2 (training only).
        process_index, process_count: as :class:`~gen_jax.data.BatchIterator`.
    """

    def __init__(
        self,
        source_a: RandomAccessSource,
        source_b: RandomAccessSource,
        batch_size: int,
        *,
        seed: int,
        flip: bool = True,
        process_index: int | None = None,
        process_count: int | None = None,
    ) -> None:
        options = dict(process_index=process_index, process_count=process_count)
        self._a = BatchIterator(source_a, batch_size, seed=_derived_seed(seed, 0), **options)
        self._b = BatchIterator(source_b, batch_size, seed=_derived_seed(seed, 1), **options)
        self._seed, self._flip, self._batches = seed, bool(flip), 0
        self._global_batch = batch_size
        self._local = self._a.local_batch_size
        index = jax.process_index() if process_index is None else process_index
        self._offset = self._local * index  # this process's slice of the global flips

    @property
    def batch_size(self) -> int:
        """The global batch size."""
        return self._global_batch

    def _pair(self, batch_a: Mapping[str, Any], batch_b: Mapping[str, Any]) -> dict:
        image_a, image_b = batch_a["image"], batch_b["image"]
        if self._flip:
            rng = np.random.default_rng([self._seed, 2, self._batches])
            flips = rng.random(self._global_batch) < 0.5
            flips = flips[self._offset : self._offset + image_a.shape[0]]
            image_a = np.where(flips[:, None, None, None], image_a[:, :, ::-1], image_a)
            image_b = np.where(flips[:, None, None, None], image_b[:, :, ::-1], image_b)
        return {"image_a": image_a, "image_b": image_b}

    def peek(self) -> dict[str, np.ndarray]:
        """The next batch, without advancing."""
        return self._pair(self._a.peek(), self._b.peek())

    def __iter__(self) -> UnpairedIterator:
        return self

    def __next__(self) -> dict[str, np.ndarray]:
        batch = self._pair(next(self._a), next(self._b))
        self._batches += 1
        return batch

    def state_dict(self) -> dict[str, Any]:
        """The position, for checkpoints."""
        return {"a": self._a.state_dict(), "b": self._b.state_dict(), "batches": self._batches}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Continue from a :meth:`state_dict`."""
        self._a.load_state_dict(state["a"])
        self._b.load_state_dict(state["b"])
        self._batches = int(state["batches"])


def load_unpaired(data: Mapping[str, Any], split: str) -> tuple[RandomAccessSource, ...]:
    """Both domains of the data set an experiment config's ``data`` section names.

    ``data["dataset"]`` is a toy of :mod:`gen_jax.data.unpaired_toys`
    (``"digits_inverted"``, ``"photo_channel_swap"``), a TFDS ``"cycle_gan/<pair>"`` name
    (read from ``data["data_dir"]`` or ``$TFDS_DATA_DIR``), or ``"folder"`` (the unpacked
    release under ``data["data_dir"]``); ``data["image_size"]`` is the side.

    Args:
        data: the ``data`` section.
        split: ``"train"`` or ``"test"``.

    Returns:
        ``(source_a, source_b)``.
    """
    from gen_jax.data.unpaired_toys import digits_inverted, photo_channel_swap

    name, image_size = data["dataset"], int(data["image_size"])
    if name == "digits_inverted":
        return digits_inverted(split=split, image_size=image_size)
    if name == "photo_channel_swap":
        return photo_channel_swap(
            split=split, image_size=image_size, num_crops=int(data.get("num_crops") or 256)
        )
    splits = domain_splits(split)
    if name == "folder":
        if not data.get("data_dir"):
            raise ValueError('dataset="folder" needs data_dir, the unpacked release\'s root')
        return tuple(
            load_cycle_gan_folder(data["data_dir"], split=s, image_size=image_size) for s in splits
        )
    if name.startswith("cycle_gan/"):
        return tuple(
            load_cycle_gan_tfds(name, split=s, image_size=image_size, data_dir=data.get("data_dir"))
            for s in splits
        )
    raise ValueError(
        f"unknown unpaired data set {name!r}; choose 'digits_inverted', 'photo_channel_swap', "
        "'folder' or a TFDS 'cycle_gan/<pair>' name"
    )
