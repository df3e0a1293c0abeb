"""scikit-learn's bundled 8x8 handwritten digits: the offline default image data set.

The 1,797 images ship inside scikit-learn (``sklearn.datasets.load_digits``), so they load
without a network. Pixel intensities are integers 0..16.

References:
    Alpaydin, E. and Kaynak, C. (1998). Optical Recognition of Handwritten Digits. UCI
    Machine Learning Repository.
"""

from __future__ import annotations

import functools

import numpy as np

from gen_jax.data.transforms import check_value_range, resize_bilinear, scale_pixels

__all__ = ["DIGITS_IMAGE_SIZES", "load_digits"]

DIGITS_IMAGE_SIZES = (8, 16, 28, 32)
_SPLITS = ("train", "test", "all")
_MAX_PIXEL = 16.0


@functools.lru_cache(maxsize=1)
def _raw_digits() -> tuple[np.ndarray, np.ndarray]:
    """The bundled data as (images float64 [1797, 8, 8] in 0..16, labels int32 [1797])."""
    from sklearn.datasets import load_digits as sklearn_load_digits

    bunch = sklearn_load_digits()
    images = np.asarray(bunch.images, dtype=np.float64)
    labels = np.asarray(bunch.target, dtype=np.int32)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def _stratified_test_mask(labels: np.ndarray, test_fraction: float, seed: int) -> np.ndarray:
    """Marks ``round(test_fraction * n_c)`` examples of every class c as test, chosen by seed.

    Returns:
        bool [N], True for test examples.
    """
    rng = np.random.default_rng(seed)
    is_test = np.zeros(labels.shape[0], dtype=bool)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        num_test = int(round(test_fraction * members.size))
        is_test[rng.permutation(members)[:num_test]] = True
    return is_test


def load_digits(
    *,
    value_range: tuple[float, float] = (0.0, 1.0),
    image_size: int = 8,
    split: str = "train",
    test_fraction: float = 0.2,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Loads the 8x8 digits as images, optionally upsampled, with a stratified split.

    The split is stratified by class: in every class, ``round(test_fraction * count)``
    examples chosen by ``seed`` form the test set; the rest form the train set. Both keep
    the original order of the data. The same ``seed`` and ``test_fraction`` always give the
    same, disjoint, split.

    Args:
        value_range: ``(lo, hi)``; pixel 0 maps to ``lo`` and 16 to ``hi``.
        image_size: Output side S, one of 8 (native), 16, 28 (MNIST-shaped) or 32; larger
            sizes are bilinear upsamplings of the 8x8 originals.
        split: ``"train"``, ``"test"`` or ``"all"`` (all 1,797 images, no split).
        test_fraction: Fraction of each class held out for ``"test"``, in (0, 1).
        seed: Seed of the split.

    Returns:
        ``{"image": float32 [N, S, S, 1] in value_range, "label": int32 [N] in 0..9}``.

    Raises:
        ValueError: If an argument is not one of its allowed values.
    """
    value_range = check_value_range(value_range)
    if not isinstance(image_size, (int, np.integer)) or image_size not in DIGITS_IMAGE_SIZES:
        raise ValueError(f"image_size must be one of {DIGITS_IMAGE_SIZES}, got {image_size!r}")
    if split not in _SPLITS:
        raise ValueError(f"split must be one of {_SPLITS}, got {split!r}")
    if not isinstance(test_fraction, (int, float)) or not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be a number in (0, 1), got {test_fraction!r}")

    images, labels = _raw_digits()
    if split != "all":
        is_test = _stratified_test_mask(labels, float(test_fraction), seed)
        keep = is_test if split == "test" else ~is_test
        images, labels = images[keep], labels[keep]

    images = images[..., None] / _MAX_PIXEL
    images = resize_bilinear(images, (image_size, image_size))
    return {
        "image": scale_pixels(images, max_value=1.0, value_range=value_range),
        "label": np.array(labels, dtype=np.int32),
    }
