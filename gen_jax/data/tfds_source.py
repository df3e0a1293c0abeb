"""Real image data sets read through ``tfds.data_source`` (array_record files, no TensorFlow).

``tfds.data_source`` gives random access to examples that are already decoded into numpy
dicts. :class:`TfdsImageSource` gathers a batch of them, optionally crops and resizes the
images, and scales pixels to a chosen range. Nothing is ever downloaded: a data set that is
not prepared under the data directory raises
:class:`~gen_jax.data.errors.DatasetUnavailableError` with instructions.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from gen_jax.data.errors import DatasetUnavailableError, tfds_how_to
from gen_jax.data.source import as_index_array
from gen_jax.data.transforms import (
    center_crop_square,
    check_value_range,
    resize_bilinear,
    scale_pixels,
)

__all__ = ["TFDS_DATASETS", "TfdsImageSource", "default_tfds_data_dir", "load_tfds"]

TFDS_DATASETS = ("mnist", "fashion_mnist", "cifar10", "celeb_a", "quickdraw_bitmap")
"""TFDS names that :func:`load_tfds` supports."""

_ATTRIBUTE_DATASETS = ("celeb_a",)

# Class names where TFDS keeps them only in a prepared data set's metadata (a mock or a
# freshly built builder has just "0".."9"); the order is the data set's label order.
_KNOWN_CLASS_NAMES = {
    "cifar10": (
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ),
    "fashion_mnist": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
}
_LABEL_SCAN_CHUNK = 4096


def default_tfds_data_dir() -> str:
    """The data directory used when none is given: ``$TFDS_DATA_DIR``, else TFDS's default.

    Returns:
        A path (``~/tensorflow_datasets`` on a default TFDS installation).
    """
    from_env = os.environ.get("TFDS_DATA_DIR")
    if from_env:
        return from_env
    from tensorflow_datasets.core import constants

    return constants.get_default_data_dir()


class TfdsImageSource:
    """Random access to a prepared TFDS image data set as float images.

    ``source[indices]`` returns

    - ``"image"``: float32 [B, H, W, C] in ``value_range``. With ``image_size`` set, each
      image is first center-cropped to a square and then resized to
      ``image_size x image_size`` (antialiased bilinear).
    - ``"label"``: int32 [B], for every supported data set except ``celeb_a``.
    - ``"attributes"``: int32 [B, 40] of 0/1, for ``celeb_a`` only (it has no class label);
      column j is the attribute ``attribute_names[j]``, in the order of CelebA's
      ``list_attr_celeba.txt`` (alphabetical).

    Build it with :func:`load_tfds`.

    Args:
        name: The TFDS name.
        split: The split that was loaded.
        data_source: The object returned by ``tfds.data_source`` (or anything with ``len``
            and integer indexing returning TFDS example dicts; ``__getitems__`` is used for
            batched reads when present).
        image_size: Output side, or None to keep the stored size.
        value_range: ``(lo, hi)`` for pixel values 0 and 255.
        indices: If given, int [N]: the source shows only these examples of
            ``data_source``, in this order (what ``load_tfds(classes=...)`` builds).
    """

    def __init__(
        self,
        name: str,
        split: str,
        data_source: Any,
        *,
        image_size: int | None,
        value_range: tuple[float, float],
        indices: np.ndarray | None = None,
    ) -> None:
        self.name = name
        self.split = split
        self.image_size = image_size
        self.value_range = value_range
        self._data_source = data_source
        self._indices = None if indices is None else np.asarray(indices, dtype=np.int64)
        self._length = len(data_source) if indices is None else len(self._indices)
        self._attribute_names: tuple[str, ...] | None = None

    @property
    def attribute_names(self) -> tuple[str, ...] | None:
        """Names of the ``"attributes"`` columns (``celeb_a``), None for labelled data sets."""
        if self.name in _ATTRIBUTE_DATASETS and self._attribute_names is None:
            self._attribute_names = tuple(sorted(self._read([0])[0]["attributes"]))
        return self._attribute_names

    @property
    def num_classes(self) -> int | None:
        """Number of label classes from the data set's metadata, or None if unknown."""
        try:
            return int(self._data_source.dataset_info.features["label"].num_classes)
        except (AttributeError, KeyError, TypeError):
            return None

    def __len__(self) -> int:
        return self._length

    @property
    def class_names(self) -> tuple[str, ...] | None:
        """Names of the label classes in label order, or None if unknown (``celeb_a``)."""
        if self.name in _KNOWN_CLASS_NAMES:
            return _KNOWN_CLASS_NAMES[self.name]
        try:
            return tuple(self._data_source.dataset_info.features["label"].names)
        except (AttributeError, KeyError, TypeError):
            return None

    def _read(self, indices: Sequence[int] | np.ndarray) -> Sequence[dict[str, Any]]:
        """Reads decoded examples, in one batched call when the data source supports it."""
        if self._indices is not None:
            indices = self._indices[np.asarray(indices, dtype=np.int64)]
        get_items = getattr(self._data_source, "__getitems__", None)
        if get_items is not None:
            return get_items([int(i) for i in indices])
        return [self._data_source[int(i)] for i in indices]

    def __getitem__(self, indices: Sequence[int] | np.ndarray) -> dict[str, np.ndarray]:
        """Reads, decodes and transforms a batch.

        Args:
            indices: int [B], each in ``[0, len(self))``.

        Returns:
            See the class docstring.
        """
        index = as_index_array(indices, self._length)
        examples = self._read(index)
        if len(examples) == 0:
            return self._empty_batch()
        images = np.stack([np.asarray(example["image"]) for example in examples])
        if images.ndim == 3:  # grayscale stored without a channel axis
            images = images[..., None]
        if self.image_size is not None:
            images = resize_bilinear(center_crop_square(images), (self.image_size, self.image_size))
        batch = {"image": scale_pixels(images, max_value=255.0, value_range=self.value_range)}
        if self.name in _ATTRIBUTE_DATASETS:
            names = self.attribute_names
            batch["attributes"] = np.array(
                [[example["attributes"][key] for key in names] for example in examples],
                dtype=np.int32,
            ).reshape(len(examples), len(names))
        else:
            batch["label"] = np.array([example["label"] for example in examples], dtype=np.int32)
        return batch

    def _empty_batch(self) -> dict[str, np.ndarray]:
        shape = self[[0]]["image"].shape[1:]
        batch = {"image": np.zeros((0, *shape), dtype=np.float32)}
        if self.name in _ATTRIBUTE_DATASETS:
            batch["attributes"] = np.zeros((0, len(self.attribute_names)), dtype=np.int32)
        else:
            batch["label"] = np.zeros((0,), dtype=np.int32)
        return batch

    def __repr__(self) -> str:
        return (
            f"TfdsImageSource(name={self.name!r}, split={self.split!r}, len={self._length}, "
            f"image_size={self.image_size}, value_range={self.value_range}"
            + ("" if self._indices is None else ", class-filtered")
            + ")"
        )


def _resolve_classes(source: TfdsImageSource, classes: Sequence[str | int]) -> tuple[int, ...]:
    """Class names or integer ids -> sorted unique label ids, with errors that list names."""
    if source.name in _ATTRIBUTE_DATASETS:
        raise ValueError(
            f"classes={classes!r}: {source.name!r} has attributes, not class labels; "
            "leave classes=None"
        )
    if isinstance(classes, (str, int, np.integer)) or len(classes) == 0:
        raise ValueError(
            f"classes={classes!r}; pass a non-empty tuple of class names or ids, "
            "e.g. classes=('horse',)"
        )
    names = source.class_names
    num_classes = source.num_classes or (len(names) if names else None)
    ids = []
    for item in classes:
        if isinstance(item, str):
            if not names or item not in names:
                raise ValueError(
                    f"classes: unknown class {item!r} for {source.name!r}; valid names are {names}"
                )
            ids.append(names.index(item))
        elif isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            if item < 0 or (num_classes is not None and item >= num_classes):
                raise ValueError(
                    f"classes: class id {item} is outside [0, {num_classes}) for {source.name!r}"
                )
            ids.append(int(item))
        else:
            raise ValueError(f"classes: {item!r} is neither a class name nor an int id")
    return tuple(sorted(set(ids)))


def _label_cache_path(data_dir: str, name: str, split: str) -> str:
    safe_split = re.sub(r"[^\w.-]+", "_", split)
    return os.path.join(data_dir, name, "gen_jax_labels", f"{safe_split}.npy")


def _all_labels(source: TfdsImageSource, cache_path: str) -> np.ndarray:
    """Every example's label, int32 [len(source)], read once and cached as a .npy file.

    TFDS without TensorFlow cannot skip image decoding, so the first scan decodes every
    image (seconds for CIFAR-10; long for the 50M drawings of ``quickdraw_bitmap``); later
    runs load the cache. A cache that cannot be written is simply not kept.
    """
    if os.path.exists(cache_path):
        labels = np.load(cache_path)
        if labels.shape == (len(source),):
            return labels
    chunks = []
    for start in range(0, len(source), _LABEL_SCAN_CHUNK):
        stop = min(start + _LABEL_SCAN_CHUNK, len(source))
        chunks.append([example["label"] for example in source._read(np.arange(start, stop))])
    labels = np.concatenate([np.asarray(c, dtype=np.int32) for c in chunks])
    try:
        os.makedirs(os.path.dirname(cache_path), exist_ok=True)
        temporary = f"{cache_path}.{os.getpid()}.tmp.npy"
        np.save(temporary, labels)
        os.replace(temporary, cache_path)
    except OSError:
        pass
    return labels


def load_tfds(
    name: str,
    *,
    split: str = "train",
    data_dir: str | os.PathLike | None = None,
    image_size: int | None = None,
    value_range: tuple[float, float] = (0.0, 1.0),
    classes: Sequence[str | int] | None = None,
) -> TfdsImageSource:
    """Opens a prepared TFDS image data set for random access, without TensorFlow.

    The data set must already be prepared in the array_record format under ``data_dir``
    (``tfds build NAME --file_format=array_record``); nothing is downloaded. The book's
    settings are ``load_tfds("mnist")``, ``load_tfds("cifar10", value_range=(-1, 1))``,
    ``load_tfds("celeb_a", image_size=128)`` (VAE) and
    ``load_tfds("celeb_a", image_size=64, value_range=(-1, 1))`` (WGAN-GP).

    Args:
        name: One of :data:`TFDS_DATASETS`.
        split: A TFDS split such as ``"train"``, ``"test"`` or ``"train[:90%]"``.
        data_dir: Directory holding ``NAME/VERSION/``; default ``$TFDS_DATA_DIR``, else
            TFDS's default (``~/tensorflow_datasets``).
        image_size: If given, center-crop each image to a square and resize it to this side.
        value_range: ``(lo, hi)``; pixel 0 maps to ``lo`` and 255 to ``hi``.
        classes: If given, keep only the examples of these classes, by name (e.g.
            ``("horse",)`` for CIFAR-10, ``("camel",)`` for ``quickdraw_bitmap``) or integer
            label id, in their stored order; labels stay the original ids. The labels are
            scanned once and cached in ``data_dir/NAME/gen_jax_labels/``.

    Returns:
        A :class:`TfdsImageSource`; see it for the batch layout.

    Raises:
        ValueError: If ``name``, ``image_size``, ``value_range`` or ``classes`` is not
            allowed (an unknown class name lists the valid ones).
        DatasetUnavailableError: If the data set is not prepared under ``data_dir``.
    """
    if name not in TFDS_DATASETS:
        raise ValueError(f"name must be one of {TFDS_DATASETS}, got {name!r}")
    if image_size is not None and (
        isinstance(image_size, bool)
        or not isinstance(image_size, (int, np.integer))
        or image_size < 1
    ):
        raise ValueError(f"image_size must be None or a positive int, got {image_size!r}")
    if not isinstance(split, str):
        raise ValueError(f"split must be one TFDS split string such as 'train', got {split!r}")
    value_range = check_value_range(value_range)
    data_dir = os.fspath(data_dir) if data_dir is not None else default_tfds_data_dir()

    import tensorflow_datasets as tfds

    try:
        data_source = tfds.data_source(name, split=split, data_dir=data_dir, download=False)
    except (FileNotFoundError, NotImplementedError, tfds.core.DatasetNotFoundError) as error:
        folder = os.path.join(data_dir, name)
        if os.path.isdir(folder):
            detail = (
                f"A folder {folder!r} exists but tfds.data_source could not read it: it is "
                "probably in the TFRecord format, incomplete, or another version of the data "
                f"set.\nThe underlying error was: {type(error).__name__}: {error}"
            )
        else:
            detail = f"There is no folder {folder!r}."
        how_to = tfds_how_to(name, data_dir)
        raise DatasetUnavailableError(name, data_dir, how_to, detail) from error
    source = TfdsImageSource(
        name,
        split,
        data_source,
        image_size=None if image_size is None else int(image_size),
        value_range=value_range,
    )
    if classes is None:
        return source
    ids = _resolve_classes(source, classes)
    labels = _all_labels(source, _label_cache_path(data_dir, name, split))
    indices = np.flatnonzero(np.isin(labels, ids))
    if indices.size == 0:
        raise ValueError(
            f"classes={classes!r}: no example of {name!r} split {split!r} has label {ids}"
        )
    return TfdsImageSource(
        name,
        split,
        data_source,
        image_size=source.image_size,
        value_range=value_range,
        indices=indices,
    )
