"""Tests for gen_jax.viz.latent: 2-D scatter plots, labels, and PCA of wider codes."""

import matplotlib.image
import numpy as np
import pytest

from gen_jax.viz import pca_project, save_latent_scatter


@pytest.fixture
def codes():
    return np.random.default_rng(0).normal(size=(300, 2))


def _is_non_trivial_png(path):
    pixels = matplotlib.image.imread(path)
    return pixels.shape[0] > 300 and pixels[..., :3].std() > 0.05


def _num_coloured_pixels(path):
    rgb = matplotlib.image.imread(path)[..., :3]
    return int(np.sum(rgb.max(axis=-1) - rgb.min(axis=-1) > 0.3))


def test_scatter_without_labels(tmp_path, codes):
    path = save_latent_scatter(tmp_path / "plain.png", codes)
    assert _is_non_trivial_png(path)
    assert _num_coloured_pixels(path) == 0


@pytest.mark.parametrize(
    "labels",
    [
        np.arange(300) % 10,
        np.where(np.arange(300) % 2, "cat", "dog"),
        np.linspace(-1.0, 1.0, 300),
        np.arange(300) % 50,
    ],
    ids=["digits", "strings", "continuous", "many-classes"],
)
def test_scatter_with_labels(tmp_path, codes, labels):
    path = save_latent_scatter(tmp_path / "labelled.png", codes, labels=labels, title="AE")
    assert _is_non_trivial_png(path)
    assert _num_coloured_pixels(path) > 500


def test_scatter_of_5d_codes_projects_with_pca(tmp_path):
    rng = np.random.default_rng(1)
    codes = rng.normal(size=(200, 5)) * np.array([5.0, 3.0, 0.1, 0.1, 0.1])
    path = save_latent_scatter(tmp_path / "pca.png", codes, labels=np.arange(200) % 3)
    assert _is_non_trivial_png(path)


def test_pca_project_matches_the_covariance_eigenvectors():
    rng = np.random.default_rng(2)
    codes = rng.normal(size=(500, 4)) * np.array([0.1, 4.0, 0.1, 2.0]) + 7.0
    projected, explained = pca_project(codes)
    assert projected.shape == (500, 2)
    centred = codes - codes.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(centred, rowvar=False))
    expected = centred @ eigenvectors[:, ::-1][:, :2]
    np.testing.assert_allclose(np.abs(projected), np.abs(expected), atol=1e-9)
    np.testing.assert_allclose(explained, eigenvalues[-2:].sum() / eigenvalues.sum())
    # The sign convention makes the axes a function of the data alone: negated codes give
    # exactly the mirrored picture, whatever signs the SVD routine picks.
    np.testing.assert_allclose(pca_project(-codes)[0], -projected, atol=1e-9)


@pytest.mark.parametrize(
    ("codes", "labels", "match"),
    [
        (np.zeros(10), None, r"codes must have shape \[N, D\]"),
        (np.zeros((10, 1)), None, "D >= 2"),
        (np.zeros((1, 3)), None, "PCA, which needs N >= 2"),
        (np.full((3, 2), np.inf), None, "codes contains NaN or inf"),
        (np.zeros((3, 2), dtype=complex), None, "codes must have a real numeric dtype"),
        (np.zeros((3, 2)), np.zeros(4), r"labels must have shape \[N\] = \(3,\)"),
        (np.zeros((3, 2)), np.array([0.0, np.nan, 1.0]), "labels contains NaN"),
        (np.zeros((30, 2)), np.array([f"c{i}" for i in range(30)]), "30 distinct non-numeric"),
    ],
)
def test_scatter_rejects_bad_input(tmp_path, codes, labels, match):
    with pytest.raises(ValueError, match=match):
        save_latent_scatter(tmp_path / "bad.png", codes, labels=labels)
