"""scikit-learn digits: shapes, ranges, resizing and the stratified split."""

from __future__ import annotations

import numpy as np
import pytest

from gen_jax.data import DIGITS_IMAGE_SIZES, load_digits
from gen_jax.data.embedded import _stratified_test_mask

NUM_DIGITS = 1797


@pytest.mark.parametrize("image_size", DIGITS_IMAGE_SIZES)
@pytest.mark.parametrize("value_range", [(0.0, 1.0), (-1.0, 1.0), (2.0, 5.0)])
def test_shapes_dtypes_and_range(image_size, value_range):
    data = load_digits(image_size=image_size, value_range=value_range, split="all")
    low, high = value_range
    assert set(data) == {"image", "label"}
    assert data["image"].shape == (NUM_DIGITS, image_size, image_size, 1)
    assert data["image"].dtype == np.float32
    assert data["label"].shape == (NUM_DIGITS,) and data["label"].dtype == np.int32
    assert isinstance(data["image"], np.ndarray)
    assert data["image"].min() == low and data["image"].max() == high
    np.testing.assert_array_equal(np.unique(data["label"]), np.arange(10))


def test_native_size_matches_scikit_learn():
    from sklearn.datasets import load_digits as sklearn_digits

    reference = sklearn_digits()
    data = load_digits(split="all", value_range=(-1.0, 1.0))
    np.testing.assert_allclose(data["image"][..., 0], reference.images / 8.0 - 1.0, atol=1e-6)
    np.testing.assert_array_equal(data["label"], reference.target)


def test_upsampling_preserves_the_mean_intensity():
    small = load_digits(split="all", image_size=8)["image"]
    large = load_digits(split="all", image_size=32)["image"]
    np.testing.assert_allclose(large.mean(axis=(1, 2, 3)), small.mean(axis=(1, 2, 3)), atol=0.02)


def _row_multiset(images):
    return sorted(row.tobytes() for row in images.reshape(images.shape[0], -1))


def test_split_is_a_stratified_partition():
    train = load_digits(split="train", test_fraction=0.25, seed=3)
    test = load_digits(split="test", test_fraction=0.25, seed=3)
    everything = load_digits(split="all")
    assert len(train["label"]) + len(test["label"]) == NUM_DIGITS
    # Together the two splits hold every example exactly once.
    both = np.concatenate([train["image"], test["image"]])
    assert _row_multiset(both) == _row_multiset(everything["image"])
    class_counts = np.bincount(everything["label"])
    np.testing.assert_array_equal(
        np.bincount(test["label"]), np.round(0.25 * class_counts).astype(int)
    )


def test_split_mask_is_disjoint_and_complete():
    labels = np.repeat(np.arange(4), [5, 10, 7, 1])
    is_test = _stratified_test_mask(labels, 0.4, seed=0)
    assert is_test.dtype == bool and is_test.shape == labels.shape
    np.testing.assert_array_equal(np.bincount(labels[is_test], minlength=4), [2, 4, 3, 0])


def test_split_is_deterministic_and_seeded():
    first = load_digits(split="test", seed=7)
    again = load_digits(split="test", seed=7)
    other = load_digits(split="test", seed=8)
    np.testing.assert_array_equal(first["image"], again["image"])
    assert first["image"].shape == other["image"].shape
    assert not np.array_equal(first["image"], other["image"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"image_size": 12}, r"image_size must be one of \(8, 16, 28, 32\), got 12"),
        ({"image_size": 16.0}, "image_size must be one of"),
        ({"split": "validation"}, r"split must be one of \('train', 'test', 'all'\)"),
        ({"test_fraction": 0.0}, r"test_fraction must be a number in \(0, 1\)"),
        ({"test_fraction": 1.5}, r"test_fraction must be a number in \(0, 1\)"),
        ({"value_range": (1.0, 0.0)}, "value_range must satisfy lo < hi"),
        ({"value_range": (0.0, float("nan"))}, "value_range must satisfy lo < hi"),
        ({"value_range": "01"}, r"value_range must be a pair \(lo, hi\)"),
        ({"value_range": (0.0, 1.0, 2.0)}, r"value_range must be a pair \(lo, hi\)"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_digits(**kwargs)
