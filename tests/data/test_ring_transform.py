"""Doersch's ring: radii against the closed form (shifted, scaled Rayleigh)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from gen_jax.data.ring_transform import (
    RING_RADIUS_MEAN,
    RING_RADIUS_STD,
    ring_transform,
    transformed_ring,
)


def test_closed_form_moments():
    rayleigh = stats.rayleigh(loc=1.0, scale=0.1)  # ||g(z)|| = 1 + ||z|| / 10
    assert RING_RADIUS_MEAN == pytest.approx(rayleigh.mean(), rel=1e-12)
    assert RING_RADIUS_STD == pytest.approx(rayleigh.std(), rel=1e-12)
    assert RING_RADIUS_MEAN == pytest.approx(1.1253, abs=1e-4)


def test_radii_concentrate_near_one_with_the_closed_form_distribution():
    num_samples = 20_000
    radii = np.linalg.norm(transformed_ring(num_samples, seed=3)["x"], axis=1)
    standard_error = RING_RADIUS_STD / math.sqrt(num_samples)
    assert abs(radii.mean() - RING_RADIUS_MEAN) < 4 * standard_error
    assert radii.min() > 1.0
    assert stats.kstest(radii, stats.rayleigh(loc=1.0, scale=0.1).cdf).pvalue > 1e-3


def test_transform_is_jittable_and_checks_its_input():
    z = jnp.array([[3.0, 4.0]])
    np.testing.assert_allclose(jax.jit(ring_transform)(z), [[0.9, 1.2]], rtol=1e-6)
    with pytest.raises(ValueError, match="2-D codes"):
        ring_transform(jnp.zeros((4, 3)))
    with pytest.raises(ValueError, match="num_samples"):
        transformed_ring(0)
