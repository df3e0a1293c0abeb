"""Image transforms against jax.image.resize and hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from gen_jax.data.transforms import center_crop_square, resize_bilinear, scale_pixels


@pytest.mark.parametrize(
    ("in_shape", "out_shape"),
    [((8, 8), (16, 16)), ((8, 8), (28, 28)), ((218, 178), (64, 64)), ((7, 5), (3, 11))],
)
def test_resize_matches_jax_antialiased_bilinear(in_shape, out_shape):
    jax = pytest.importorskip("jax")
    images = np.random.default_rng(0).random((2, *in_shape, 3)).astype(np.float32)
    ours = resize_bilinear(images, out_shape)
    reference = np.asarray(
        jax.image.resize(images, (2, *out_shape, 3), method="bilinear", antialias=True)
    )
    assert ours.shape == (2, *out_shape, 3) and ours.dtype == np.float32
    np.testing.assert_allclose(ours, reference, atol=1e-5)


def test_resize_stays_in_range_and_keeps_constants():
    images = np.random.default_rng(1).random((3, 8, 8, 1))
    resized = resize_bilinear(images, (32, 32))
    assert images.min() <= resized.min() and resized.max() <= images.max() + 1e-6
    np.testing.assert_allclose(resize_bilinear(np.full((1, 5, 7, 2), 3.0), (9, 4)), 3.0)


def test_two_pixel_upsampling_by_hand():
    # Half-pixel centres: outputs at input coordinates -0.25, 0.25, 0.75, 1.25.
    images = np.array([0.0, 1.0]).reshape(1, 1, 2, 1)
    np.testing.assert_allclose(resize_bilinear(images, (1, 4))[0, 0, :, 0], [0, 0.25, 0.75, 1])


def test_center_crop_square():
    images = np.arange(2 * 6 * 4).reshape(2, 6, 4, 1)
    np.testing.assert_array_equal(center_crop_square(images), images[:, 1:5])
    np.testing.assert_array_equal(
        center_crop_square(images.transpose(0, 2, 1, 3)).shape, (2, 4, 4, 1)
    )


def test_scale_pixels():
    pixels = np.array([0, 51, 255], dtype=np.uint8)
    np.testing.assert_allclose(
        scale_pixels(pixels, max_value=255, value_range=(-1, 1)), [-1, -0.6, 1]
    )
