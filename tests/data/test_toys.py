"""Synthetic 2-D toys: shapes, determinism and rough statistics."""

from __future__ import annotations

import numpy as np
import pytest

from gen_jax.data import gaussian_mixture_2d, moons, ring

TOYS = [gaussian_mixture_2d, ring, moons]


@pytest.mark.parametrize("toy", TOYS)
def test_shapes_dtypes_and_determinism(toy):
    data = toy(101, seed=4)
    assert set(data) == {"x", "label"}
    assert data["x"].shape == (101, 2) and data["x"].dtype == np.float32
    assert data["label"].shape == (101,) and data["label"].dtype == np.int32
    assert np.isfinite(data["x"]).all()
    again = toy(101, seed=4)
    other = toy(101, seed=5)
    np.testing.assert_array_equal(data["x"], again["x"])
    np.testing.assert_array_equal(data["label"], again["label"])
    assert not np.array_equal(data["x"], other["x"])


def test_gaussian_mixture_default_statistics():
    data = gaussian_mixture_2d(30_000, seed=0)
    x, label = data["x"], data["label"]
    np.testing.assert_allclose(np.bincount(label) / len(label), [0.3, 0.45, 0.25], atol=0.015)
    means = [(-2.5, -1.0), (0.0, 2.5), (2.5, -1.0)]
    stds = [(0.6, 0.6), (1.0, 0.4), (0.4, 0.9)]
    for k in range(3):
        np.testing.assert_allclose(x[label == k].mean(axis=0), means[k], atol=0.05)
        np.testing.assert_allclose(x[label == k].std(axis=0), stds[k], rtol=0.05)


def test_gaussian_mixture_custom_parameters():
    data = gaussian_mixture_2d(
        20_000, seed=1, means=[[0.0, 0.0], [10.0, 10.0]], stds=[0.1, 2.0], weights=[0.8, 0.2]
    )
    x, label = data["x"], data["label"]
    np.testing.assert_allclose(np.mean(label == 0), 0.8, atol=0.015)
    np.testing.assert_allclose(x[label == 0].std(axis=0), [0.1, 0.1], rtol=0.05)
    np.testing.assert_allclose(x[label == 1].std(axis=0), [2.0, 2.0], rtol=0.05)
    uniform = gaussian_mixture_2d(20_000, seed=1, means=[[0.0, 0.0], [5.0, 0.0]], stds=0.3)
    np.testing.assert_allclose(np.mean(uniform["label"] == 0), 0.5, atol=0.015)


def test_ring_statistics():
    data = ring(16_000, seed=0, num_modes=8, radius=2.0, std=0.02)
    x, label = data["x"], data["label"]
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 2.0, atol=0.1)
    np.testing.assert_allclose(np.bincount(label, minlength=8) / len(label), 1 / 8, atol=0.01)
    angles = np.mod(np.arctan2(x[:, 1], x[:, 0]), 2 * np.pi)
    nearest_mode = np.round(angles / (2 * np.pi / 8)).astype(int) % 8
    np.testing.assert_array_equal(nearest_mode, label)


def test_moons_statistics():
    data = moons(10_001, seed=0, noise=0.0)
    x, label = data["x"], data["label"]
    assert np.sum(label == 0) == 5001 and np.sum(label == 1) == 5000
    np.testing.assert_allclose(np.linalg.norm(x[label == 0], axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(x[label == 1] - [1.0, 0.5], axis=1), 1.0, atol=1e-5)
    assert (x[label == 0, 1] >= -1e-6).all() and (x[label == 1, 1] <= 0.5 + 1e-6).all()
    noisy = moons(10_000, seed=0, noise=0.1)
    residual = np.linalg.norm(noisy["x"][noisy["label"] == 0], axis=1) - 1.0
    assert 0.05 < residual.std() < 0.15


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: ring(0), "num_samples must be a positive int, got 0"),
        (lambda: moons(2.5), "num_samples must be a positive int"),
        (lambda: ring(10, num_modes=0), "num_modes must be an int >= 1"),
        (lambda: ring(10, radius=-1.0), "radius must be finite and > 0"),
        (lambda: ring(10, std=float("nan")), "std must be finite and >= 0"),
        (lambda: moons(10, noise=-0.1), "noise must be finite and >= 0"),
        (lambda: gaussian_mixture_2d(10, means=[0.0, 1.0]), r"means must have shape \[K, 2\]"),
        (
            lambda: gaussian_mixture_2d(10, means=[[0.0, 0.0]], stds=[[1.0, 1.0, 1.0]]),
            "stds must be a scalar, shape",
        ),
        (lambda: gaussian_mixture_2d(10, stds=0.0), "stds must be finite and > 0"),
        (lambda: gaussian_mixture_2d(10, weights=[0.5, 0.5, 0.5]), "weights must sum to 1"),
        (lambda: gaussian_mixture_2d(10, weights=[1.2, -0.2, 0.0]), "weights must be finite"),
        (lambda: gaussian_mixture_2d(10, weights=[1.0]), r"weights must have shape \[K\]"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
