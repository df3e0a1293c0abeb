"""The optimal discriminator and C(G) = 2 JSD - log 4 on known 1-D densities."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats
from scipy.integrate import quad

from gen_jax.models.gans.gan_1d import gan_value, jensen_shannon_divergence, optimal_discriminator

GRID = jnp.linspace(-12.0, 12.0, 4001)
DATA = stats.norm(-1.0, 1.0)
MODELS = [stats.norm(1.0, 0.5), stats.uniform(-2.0, 3.0), stats.norm(-1.0, 1.0)]


def _densities(model):
    grid = np.asarray(GRID, np.float64)
    return jnp.asarray(DATA.pdf(grid), jnp.float32), jnp.asarray(model.pdf(grid), jnp.float32)


def test_pointwise_maximiser_of_the_value_is_the_optimal_discriminator():
    """Gradient ascent on the integrand over D's logits, at every point, reaches D*."""
    p_data, p_g = _densities(MODELS[0])
    logits = jnp.zeros_like(GRID)
    integrand_grad = jax.grad(
        lambda u: jnp.sum(p_data * jax.nn.log_sigmoid(u) + p_g * jax.nn.log_sigmoid(-u))
    )
    scale = 1.0 / (p_data + p_g + 1e-30)  # per-point Newton-like step size

    def ascend(u, _):
        return u + 2.0 * scale * integrand_grad(u), None

    logits, _ = jax.lax.scan(ascend, logits, None, length=300)
    expected = optimal_discriminator(jnp.log(p_data), jnp.log(p_g))
    inside = ((p_data + p_g) > 1e-3) & (jnp.abs(expected - 0.5) < 0.49)
    np.testing.assert_allclose(jax.nn.sigmoid(logits)[inside], expected[inside], atol=1e-4)
    value_star = gan_value(jnp.log(p_data) - jnp.log(p_g), p_data, p_g, GRID)
    for shift in (-0.3, 0.3):
        assert gan_value(logits + shift, p_data, p_g, GRID) < value_star


@pytest.mark.parametrize("model", MODELS[:1] + MODELS[2:])
def test_value_at_the_optimal_discriminator_is_two_jsd_minus_log_four(model):
    p_data, p_g = _densities(model)
    grid = np.asarray(GRID, np.float64)
    d_star_logits = jnp.asarray(DATA.logpdf(grid) - model.logpdf(grid), jnp.float32)
    value = gan_value(d_star_logits, p_data, p_g, GRID)

    def m(x):
        return 0.5 * (DATA.pdf(x) + model.pdf(x))

    def kl(p):
        return quad(lambda x: p.pdf(x) * np.log(p.pdf(x) / m(x)) if p.pdf(x) > 0 else 0.0, -12, 12)[
            0
        ]

    jsd = 0.5 * kl(DATA) + 0.5 * kl(model)  # independent reference: scipy quadrature
    np.testing.assert_allclose(jensen_shannon_divergence(p_data, p_g, GRID), jsd, atol=2e-4)
    np.testing.assert_allclose(value, 2 * jsd - np.log(4.0), atol=5e-4)


def test_jsd_with_disjoint_support_parts_is_finite_and_bounded_by_log_two():
    p_data, p_g = _densities(MODELS[1])  # the uniform is zero outside [-2, 1]
    jsd = float(jensen_shannon_divergence(p_data, p_g, GRID))
    assert 0.0 < jsd < np.log(2.0)


def test_grid_mismatch_is_named():
    with pytest.raises(ValueError, match="evaluate every function on the grid"):
        gan_value(jnp.ones(3) / 2, jnp.ones(3), jnp.ones(4), GRID)
