"""Level-1 losses against scipy and numerical integration, under jit, in f32 and f64."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate, special, stats

from gen_jax.losses import (
    bernoulli_log_prob,
    gaussian_kl,
    gaussian_kl_between,
    gaussian_log_prob,
    mean_squared_error,
)

RNG = np.random.default_rng(0)


def _tolerance(x64):
    return 1e-10 if x64 else 2e-5


def _kl_by_quadrature(mean_q, var_q, mean_p, var_p):
    q, p = stats.norm(mean_q, np.sqrt(var_q)), stats.norm(mean_p, np.sqrt(var_p))
    lo, hi = mean_q - 12 * np.sqrt(var_q), mean_q + 12 * np.sqrt(var_q)
    value, _ = integrate.quad(
        lambda z: q.pdf(z) * (q.logpdf(z) - p.logpdf(z)),
        lo,
        hi,
        epsabs=1e-12,
        epsrel=1e-10,
        limit=200,
    )
    return value


def test_gaussian_kl_matches_quadrature(x64):
    mean = RNG.normal(size=(3, 4))
    log_var = RNG.normal(scale=0.5, size=(3, 4))
    expected = np.array(
        [
            sum(_kl_by_quadrature(m, np.exp(lv), 0.0, 1.0) for m, lv in zip(mr, lr, strict=True))
            for mr, lr in zip(mean, log_var, strict=True)
        ]
    )
    dtype = jnp.float64 if x64 else jnp.float32
    got = jax.jit(gaussian_kl)(jnp.asarray(mean, dtype), jnp.asarray(log_var, dtype))
    assert got.shape == (3,) and got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=_tolerance(x64) * 10, atol=1e-9)


def test_gaussian_kl_is_zero_at_the_prior():
    assert float(gaussian_kl(jnp.zeros(5), jnp.zeros(5))) == 0.0


def test_gaussian_kl_between_matches_quadrature(x64):
    args = [
        RNG.normal(size=3),
        RNG.normal(scale=0.5, size=3),
        RNG.normal(size=3),
        RNG.normal(scale=0.5, size=3),
    ]
    expected = sum(
        _kl_by_quadrature(mq, np.exp(lq), mp, np.exp(lp))
        for mq, lq, mp, lp in zip(*args, strict=True)
    )
    dtype = jnp.float64 if x64 else jnp.float32
    got = jax.jit(gaussian_kl_between)(*(jnp.asarray(a, dtype) for a in args))
    np.testing.assert_allclose(got, expected, rtol=_tolerance(x64) * 10)
    same = gaussian_kl_between(*(jnp.asarray(a, dtype) for a in args[:2] * 2))
    np.testing.assert_allclose(same, 0.0, atol=1e-6)


def test_bernoulli_log_prob_matches_scipy(x64):
    logits = RNG.normal(scale=3.0, size=(2, 5, 3))
    x = RNG.integers(0, 2, size=(2, 5, 3)).astype(float)
    expected = stats.bernoulli.logpmf(x, special.expit(logits)).sum(axis=(1, 2))
    dtype = jnp.float64 if x64 else jnp.float32
    fn = jax.jit(lambda a, b: bernoulli_log_prob(a, b, event_ndims=2))
    got = fn(jnp.asarray(logits, dtype), jnp.asarray(x, dtype))
    assert got.shape == (2,)
    np.testing.assert_allclose(got, expected, rtol=_tolerance(x64) * 10)


def test_bernoulli_log_prob_is_finite_and_differentiable_when_saturated():
    logits = jnp.array([-200.0, 200.0, 0.0])
    x = jnp.array([1.0, 0.0, 1.0])
    value, grad = jax.value_and_grad(lambda logit: bernoulli_log_prob(logit, x))(logits)
    np.testing.assert_allclose(value, -200.0 - 200.0 - np.log(2.0), rtol=1e-6)
    assert np.all(np.isfinite(grad))


def test_gaussian_log_prob_matches_scipy(x64):
    mean, x = RNG.normal(size=(4, 6)), RNG.normal(size=(4, 6))
    log_var = RNG.normal(scale=0.3, size=(4, 6))
    expected = stats.norm.logpdf(x, mean, np.exp(0.5 * log_var)).sum(axis=1)
    dtype = jnp.float64 if x64 else jnp.float32
    cast = lambda a: jnp.asarray(a, dtype)
    got = jax.jit(gaussian_log_prob)(cast(mean), cast(log_var), cast(x))
    np.testing.assert_allclose(got, expected, rtol=_tolerance(x64) * 10)
    fixed = gaussian_log_prob(cast(mean), 0.0, cast(x))
    np.testing.assert_allclose(fixed, stats.norm.logpdf(x, mean).sum(axis=1), rtol=1e-5)


def test_mean_squared_error_is_the_per_example_mean():
    prediction, target = RNG.random((3, 4, 4, 1)), RNG.random((3, 4, 4, 1))
    got = jax.jit(lambda a, b: mean_squared_error(a, b, event_ndims=3))(
        jnp.asarray(prediction, jnp.float32), jnp.asarray(target, jnp.float32)
    )
    np.testing.assert_allclose(got, ((prediction - target) ** 2).mean(axis=(1, 2, 3)), rtol=1e-5)


@pytest.mark.parametrize(
    "call",
    [
        lambda: gaussian_kl(jnp.zeros(3), jnp.zeros(4)),
        lambda: bernoulli_log_prob(jnp.zeros(3), jnp.zeros(4)),
        lambda: gaussian_log_prob(jnp.zeros(3), 0.0, jnp.zeros(4)),
        lambda: bernoulli_log_prob(jnp.zeros(3), jnp.zeros(3), event_ndims=2),
    ],
)
def test_mismatched_shapes_raise_clear_errors(call):
    with pytest.raises(ValueError, match="shape|event_ndims"):
        call()
