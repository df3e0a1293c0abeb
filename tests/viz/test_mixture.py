"""Tests for gen_jax.viz.mixture: soft-clustering plots with ellipses, and BIC/AIC curves."""

import matplotlib.image
import numpy as np
import pytest

from gen_jax.viz import save_criterion_curve, save_mixture_plot
from gen_jax.viz.mixture import _full_covariances

MEANS = np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 3.0]])


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=300)
    x = MEANS[labels] + 0.5 * rng.normal(size=(300, 2))
    logits = -0.5 * np.sum((x[:, None] - MEANS[None]) ** 2, axis=2) / 0.25
    responsibilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    return x, responsibilities / responsibilities.sum(axis=1, keepdims=True)


def _pixels(path):
    pixels = matplotlib.image.imread(path)
    assert pixels[..., :3].std() > 0.05  # not a blank canvas
    return pixels


def _num_coloured_pixels(pixels):
    rgb = pixels[..., :3]
    return int(np.sum(rgb.max(axis=-1) - rgb.min(axis=-1) > 0.3))


@pytest.mark.parametrize(
    "covariances",
    [
        np.stack([np.eye(2) * 0.25, [[0.3, 0.1], [0.1, 0.2]], np.eye(2) * 0.1]),
        np.array([[0.3, 0.05], [0.05, 0.2]]),
        np.array([[0.25, 0.1], [0.3, 0.2], [0.1, 0.1]]),
        np.array([0.25, 0.2, 0.1]),
    ],
    ids=["full", "tied", "diag", "spherical"],
)
def test_mixture_plot_accepts_every_covariance_layout(tmp_path, data, covariances):
    x, responsibilities = data
    path = save_mixture_plot(
        tmp_path / "sub" / "mixture.png",
        x,
        means=MEANS,
        covariances=covariances,
        responsibilities=responsibilities,
        query=(np.array([0.0, 1.0]), responsibilities[0]),
        title="three clusters",
    )
    pixels = _pixels(path)
    assert pixels.shape[:2] == (560, 640)
    assert _num_coloured_pixels(pixels) > 1000


def test_mixture_plot_without_responsibilities_and_with_background(tmp_path, data):
    x, _ = data
    path = save_mixture_plot(
        tmp_path / "plain.png",
        x[:50],
        means=MEANS,
        covariances=np.array([0.25, 0.25, 0.25]),
        background=x,
    )
    assert _pixels(path).shape[:2] == (560, 640)
    assert not list(tmp_path.glob(".*.tmp"))  # the atomic write left no temporary file


def test_covariance_layouts_convert_to_the_same_full_matrices():
    diag = np.array([[0.25, 0.1], [0.3, 0.2], [0.1, 0.1]])
    expected = np.stack([np.diag(row) for row in diag])
    np.testing.assert_allclose(_full_covariances(diag, 3, None), expected)
    np.testing.assert_allclose(
        _full_covariances(diag[:, 0], 3, None), diag[:, :1, None] * np.eye(2)
    )
    tied = np.array([[0.3, 0.05], [0.05, 0.2]])
    np.testing.assert_allclose(_full_covariances(tied, 3, None), np.stack([tied] * 3))
    np.testing.assert_allclose(_full_covariances(expected, 3, "full"), expected)


def test_two_components_need_the_covariance_type_for_a_2x2_array(tmp_path, data):
    x, _ = data
    two_by_two = np.array([[0.3, 0.2], [0.2, 0.3]])
    with pytest.raises(ValueError, match="covariances .* either tied or diag.*covariance_type"):
        save_mixture_plot(tmp_path / "a.png", x, means=MEANS[:2], covariances=two_by_two)
    for covariance_type in ("tied", "diag"):
        path = save_mixture_plot(
            tmp_path / f"{covariance_type}.png",
            x,
            means=MEANS[:2],
            covariances=two_by_two,
            covariance_type=covariance_type,
        )
        assert path.exists()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x": np.zeros((10, 3))}, "x must have shape"),
        ({"x": np.full((10, 2), np.nan)}, "x contains NaN"),
        ({"means": np.zeros((3, 3))}, "means must have shape"),
        ({"covariances": np.ones((3, 3))}, "covariances has shape"),
        ({"covariances": np.ones((4, 2, 2))}, "covariances has shape"),
        ({"covariances": np.array([0.1, -0.2, 0.1])}, "covariances must be positive definite"),
        ({"covariances": np.array([[[1, 0.5], [0, 1]]] * 3)}, "covariances must be symmetric"),
        ({"covariances": np.ones(3), "covariance_type": "full"}, "covariance_type='full'"),
        ({"covariance_type": "banded"}, "covariance_type must be"),
        ({"responsibilities": np.ones((10, 3))}, "responsibilities must be non-negative"),
        ({"responsibilities": np.ones((10, 2)) / 2}, "responsibilities must have shape"),
        ({"query": (np.zeros(3), np.ones(3) / 3)}, "query point must have shape"),
        ({"query": (np.zeros(2), np.ones(2) / 2)}, "query probabilities must have shape"),
        ({"query": np.zeros(2)}, "query must be None or a pair"),
        ({"background": np.zeros(5)}, "background must have shape"),
    ],
)
def test_mixture_plot_rejects_bad_input_naming_the_argument(tmp_path, kwargs, match):
    arguments = {"x": np.zeros((10, 2)), "means": MEANS, "covariances": np.ones(3), **kwargs}
    with pytest.raises(ValueError, match=match):
        save_mixture_plot(tmp_path / "bad.png", **arguments)
    assert not (tmp_path / "bad.png").exists()


def test_criterion_curve(tmp_path):
    ks = [1, 2, 4, 8]
    values = {"BIC": [10.0, 5.0, 6.0, 9.0], "AIC": [9.0, 4.0, 3.5, 3.8]}
    path = save_criterion_curve(tmp_path / "criteria.png", ks, values, best=2, title="BIC")
    pixels = _pixels(path)
    assert pixels.shape[:2] == (400, 560)
    assert _num_coloured_pixels(pixels) > 200
    unsorted = save_criterion_curve(tmp_path / "unsorted.png", [8, 1], {"BIC": [3.0, 1.0]})
    assert _pixels(unsorted).shape[:2] == (400, 560)


@pytest.mark.parametrize(
    ("ks", "values", "best", "match"),
    [
        ([], {"BIC": []}, None, "ks must be"),
        ([1, 1], {"BIC": [1.0, 2.0]}, None, "ks must be"),
        ([0, 1], {"BIC": [1.0, 2.0]}, None, "ks must be"),
        ([1.5, 2], {"BIC": [1.0, 2.0]}, None, "ks must be"),
        (3, {"BIC": [1.0]}, None, "ks must be"),
        ([1, 2], {}, None, "values must be a non-empty mapping"),
        ([1, 2], [1.0, 2.0], None, "values must be a non-empty mapping"),
        ([1, 2], {"BIC": [1.0]}, None, r"values\['BIC'\] must hold one number per K"),
        ([1, 2], {"AIC": [1.0, np.inf]}, None, r"values\['AIC'\] contains NaN or inf"),
        ([1, 2], {"BIC": [1.0, 2.0]}, 3, "best must be None or one of ks"),
    ],
)
def test_criterion_curve_rejects_bad_input(tmp_path, ks, values, best, match):
    with pytest.raises(ValueError, match=match):
        save_criterion_curve(tmp_path / "bad.png", ks, values, best=best)
