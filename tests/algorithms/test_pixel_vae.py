"""PixelVAE objective and importance-weighted bound against hand computations and quadrature."""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from scipy.special import logsumexp

from gen_jax.algorithms.pixel_vae import (
    make_pixel_vae_step,
    pixel_vae_log_weights,
    pixel_vae_objective,
)
from gen_jax.eval import importance_weighted_log_likelihood
from gen_jax.models.autoencoders.pixel_vae import PixelVAE

SHAPE = (3, 3, 1)
_objective = jax.jit(pixel_vae_objective, static_argnames="model")  # free_bits traced


@functools.partial(jax.jit, static_argnums=0)
def _decode(model, params, x, z):
    return model.apply({"params": params}, x, z, method=PixelVAE.decode)


@functools.partial(jax.jit, static_argnums=0)
def _encode(model, params, x):
    return model.apply({"params": params}, x, method=PixelVAE.encode)


@functools.cache
def _model_params_batch(latent_dim: int):
    model = PixelVAE(SHAPE, latent_dim, encoder_hidden_sizes=(8,), features=4, num_layers=1)
    rng = np.random.default_rng(0)
    x = (rng.random((5, *SHAPE)) < 0.4).astype(np.float32)
    params = model.init(jax.random.key(0), jnp.asarray(x), key=jax.random.key(1))["params"]
    return model, params, {"image": jnp.asarray(x)}


def _log_p_x_given_z(model, params, x, z) -> np.ndarray:
    """Product of the conditionals, in float64 numpy from the decoder's logits."""
    logits = np.asarray(_decode(model, params, x, z), np.float64)
    x = np.asarray(x, np.float64)
    log_p1 = -np.logaddexp(0.0, -logits)
    log_p0 = -np.logaddexp(0.0, logits)
    return np.sum(x * log_p1 + (1.0 - x) * log_p0, axis=(1, 2, 3))


def test_elbo_equals_log_likelihood_minus_kl_by_hand():
    model, params, batch = _model_params_batch(latent_dim=1)
    key = jax.random.key(7)
    _, metrics = _objective(params, batch, key, model=model, free_bits=0.0)
    mean, log_var = (np.asarray(a, np.float64) for a in _encode(model, params, batch["image"]))
    noise = np.asarray(jax.random.normal(key, mean.shape), np.float64)
    z = mean + np.exp(0.5 * log_var) * noise
    log_likelihood = _log_p_x_given_z(model, params, batch["image"], jnp.asarray(z, jnp.float32))
    kl = 0.5 * np.sum(mean**2 + np.exp(log_var) - 1.0 - log_var, axis=1)
    np.testing.assert_allclose(metrics["elbo"], np.mean(log_likelihood - kl), rtol=1e-5)
    np.testing.assert_allclose(metrics["kl"], np.mean(kl), rtol=1e-5)
    np.testing.assert_allclose(metrics["loss"], -metrics["elbo"], rtol=1e-6)
    np.testing.assert_allclose(
        metrics["bits_per_dim"], -np.mean(log_likelihood - kl) / (9 * math.log(2)), rtol=1e-5
    )


def test_free_bits_raise_each_small_kl_to_the_floor():
    model, params, batch = _model_params_batch(latent_dim=1)
    key = jax.random.key(3)
    _, plain = _objective(params, batch, key, model=model, free_bits=0.0)
    loss, floored = _objective(params, batch, key, model=model, free_bits=50.0)
    np.testing.assert_allclose(floored["elbo"], plain["elbo"], rtol=1e-6)  # the true bound
    np.testing.assert_allclose(loss, plain["reconstruction"] + 50.0, rtol=1e-6)


def test_iwae_bound_approaches_the_exact_likelihood_from_quadrature():
    """One latent dimension: log p(x) = log ∫ p(x|z) N(z; 0, 1) dz on a fine grid."""
    model, params, batch = _model_params_batch(latent_dim=1)
    x = batch["image"][:2]
    grid = np.linspace(-8.0, 8.0, 1601)
    log_prior = -0.5 * grid**2 - 0.5 * math.log(2 * math.pi)
    z = jnp.asarray(grid[:, None], jnp.float32)
    exact = []
    for image in x:
        images = jnp.broadcast_to(image, (len(grid), *SHAPE))
        log_joint = _log_p_x_given_z(model, params, images, z) + log_prior
        exact.append(logsumexp(log_joint) + math.log(grid[1] - grid[0]))
    log_weights = pixel_vae_log_weights(
        model, params, x, key=jax.random.key(0), num_samples=2000, chunk_size=500
    )
    assert log_weights.shape == (2, 2000)
    iwae = importance_weighted_log_likelihood(log_weights)
    elbo = np.mean(np.asarray(log_weights, np.float64), axis=1)
    np.testing.assert_allclose(iwae, exact, atol=0.05)
    assert np.all(np.abs(iwae - exact) < np.abs(elbo - exact))


def test_bad_options_raise_clear_errors():
    model, params, batch = _model_params_batch(latent_dim=1)
    with pytest.raises(ValueError, match="free_bits"):
        make_pixel_vae_step(model, optax.adam(1e-3), free_bits=-1.0)
    with pytest.raises(KeyError, match="data_key"):
        make_pixel_vae_step(model, optax.adam(1e-3), data_key="x").init(jax.random.key(0), batch)
    with pytest.raises(ValueError, match="num_samples"):
        pixel_vae_log_weights(model, params, batch["image"], key=jax.random.key(0), num_samples=0)
