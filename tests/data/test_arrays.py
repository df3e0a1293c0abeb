"""ArraySource: gathering and validation."""

from __future__ import annotations

import numpy as np
import pytest

from gen_jax.data import ArraySource, RandomAccessSource


def test_gathers_in_index_order():
    images = np.arange(5 * 3, dtype=np.float32).reshape(5, 3)
    source = ArraySource({"image": images, "label": np.arange(5, dtype=np.int32)})
    assert isinstance(source, RandomAccessSource)
    assert len(source) == 5 and source.keys == ("image", "label")
    batch = source[np.array([4, 0, 4])]
    np.testing.assert_array_equal(batch["image"], images[[4, 0, 4]])
    np.testing.assert_array_equal(batch["label"], [4, 0, 4])
    batch["image"][:] = -1  # batches are copies
    assert images.min() == 0
    assert source[[]]["image"].shape == (0, 3)


def test_nan_error_names_key_and_first_bad_index():
    images = np.zeros((30, 4, 4, 1), dtype=np.float32)
    images[17, 2, 1, 0] = np.nan
    images[21, 0, 0, 0] = np.inf
    with pytest.raises(
        ValueError,
        match=r"array 'image' contains NaN or inf at index 17; clean or drop those examples",
    ):
        ArraySource({"label": np.arange(30), "image": images})


def test_inf_in_one_dimensional_array():
    with pytest.raises(ValueError, match="array 'weight' contains NaN or inf at index 2"):
        ArraySource({"weight": np.array([1.0, 2.0, -np.inf])})


def test_integer_and_string_arrays_are_not_checked_for_finiteness():
    source = ArraySource({"label": np.arange(3), "name": np.array(["a", "b", "c"])})
    assert source[[2]]["name"].tolist() == ["c"]


@pytest.mark.parametrize(
    ("arrays", "error", "match"),
    [
        ({}, ValueError, "arrays is empty"),
        ({"x": np.zeros((0, 2))}, ValueError, "array 'x' has no examples"),
        ({"x": np.float32(1.0)}, ValueError, "array 'x' is a scalar"),
        (
            {"x": np.zeros((4, 2)), "y": np.zeros(3)},
            ValueError,
            "array 'y' has 3 examples but array 'x' has 4",
        ),
        ([np.zeros(3)], TypeError, "arrays must be a dict"),
        ({0: np.zeros(3)}, TypeError, "array keys must be strings"),
    ],
)
def test_bad_construction(arrays, error, match):
    with pytest.raises(error, match=match):
        ArraySource(arrays)


def test_bad_indices():
    source = ArraySource({"x": np.zeros((4, 2))})
    with pytest.raises(IndexError, match="index -1 at position 0 is out of range"):
        source[[-1]]
    with pytest.raises(IndexError, match="source of length 4; valid indices are 0..3"):
        source[[1, 4]]
    with pytest.raises(TypeError, match="not a slice"):
        source[1:3]
    with pytest.raises(TypeError, match="must be integers"):
        source[np.array([0.0, 1.0])]
    with pytest.raises(TypeError, match="must be 1-D"):
        source[np.zeros((2, 2), dtype=int)]
