"""Tests for gen_jax.viz.latent_tools."""

import matplotlib.image
import numpy as np
import pytest
from scipy.stats import norm

from gen_jax.viz.latent_tools import (
    add_attribute,
    attribute_vector,
    interpolate_codes,
    latent_grid,
    save_latent_histograms,
)


def test_normal_quantile_grid_is_the_books_grid():
    grid = latent_grid(20)
    axis = norm.ppf(np.linspace(0.01, 0.99, 20))
    assert grid.shape == (400, 2)
    np.testing.assert_allclose(grid[:20, 0], axis, rtol=1e-6)  # first row: left to right
    np.testing.assert_allclose(grid[::20, 1], axis[::-1], rtol=1e-6)  # top row has largest z[1]


def test_range_grid_spans_the_codes():
    codes = np.array([[-2.0, 1.0], [3.0, 5.0], [0.0, 2.0]])
    grid = latent_grid(3, kind="range", codes=codes)
    assert grid[:, 0].min() == -2.0 and grid[:, 0].max() == 3.0
    assert grid[0, 1] == 5.0 and grid[-1, 1] == 1.0
    with pytest.raises(ValueError, match="codes="):
        latent_grid(3, kind="range")


def test_interpolation_and_attribute_arithmetic():
    path = interpolate_codes([0.0, 0.0], [1.0, 2.0], 5)
    np.testing.assert_allclose(path[2], [0.5, 1.0])
    np.testing.assert_allclose(path[[0, -1]], [[0, 0], [1, 2]])
    codes = np.array([[1.0, 0.0], [3.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    vector = attribute_vector(codes, np.array([True, True, False, False]))
    np.testing.assert_allclose(vector, [1.0, 0.0])
    raw = attribute_vector(codes, np.array([True, True, False, False]), normalize=False)
    np.testing.assert_allclose(raw, [2.0, 0.0])
    edited = add_attribute(np.zeros(2), vector, np.linspace(-4, 4, 9))
    np.testing.assert_allclose(edited[:, 0], np.linspace(-4, 4, 9))
    with pytest.raises(ValueError, match="some examples True"):
        attribute_vector(codes, np.ones(4, bool))


def test_latent_histograms_png(tmp_path):
    codes = np.random.default_rng(0).normal(size=(500, 12))
    path = save_latent_histograms(tmp_path / "hist.png", codes, max_dims=12)
    assert matplotlib.image.imread(path).shape[0] > 100
    with pytest.raises(ValueError, match="finite"):
        save_latent_histograms(tmp_path / "bad.png", np.full((3, 2), np.nan))
