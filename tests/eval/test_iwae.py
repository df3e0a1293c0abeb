"""The importance-weighted VAE log-likelihood against the exact marginal of a linear VAE."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.stats import multivariate_normal

from gen_jax.eval.iwae import vae_log_likelihood
from gen_jax.models.autoencoders.vae import VAE, MLPDecoder, MLPEncoder

NOISE_VAR = 0.5


def _linear_gaussian_vae():
    """z ~ N(0, I_2), x | z ~ N(W z, NOISE_VAR I_4) with orthogonal columns of W, and an
    encoder set to the exact (diagonal) posterior."""
    weights = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    gram = np.diag(weights.T @ weights)
    posterior_var = 1.0 / (1.0 + gram / NOISE_VAR)
    model = VAE(
        encoder=MLPEncoder(latent_dim=2, hidden_sizes=()),
        decoder=MLPDecoder(output_shape=(4,), hidden_sizes=()),
    )
    params = {
        "encoder": {
            "mean": {
                "kernel": jnp.asarray(weights * posterior_var / NOISE_VAR, jnp.float32),
                "bias": jnp.zeros(2),
            },
            "log_var": {"kernel": jnp.zeros((4, 2)), "bias": jnp.log(posterior_var)},
        },
        "decoder": {
            "Dense_0": {"kernel": jnp.asarray(weights.T, jnp.float32), "bias": jnp.zeros(4)}
        },
    }
    exact = multivariate_normal(np.zeros(4), weights @ weights.T + NOISE_VAR * np.eye(4))
    return model, params, exact


def test_exact_posterior_gives_the_exact_marginal_likelihood():
    model, params, exact = _linear_gaussian_vae()
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    got = vae_log_likelihood(
        model,
        params,
        x,
        key=jax.random.key(0),
        num_samples=20,
        chunk_size=10,
        likelihood="gaussian",
        observation_log_var=float(np.log(NOISE_VAR)),
    )
    np.testing.assert_allclose(got, exact.logpdf(x), rtol=1e-4)


def test_a_worse_encoder_gives_a_lower_bound_that_tightens_with_more_samples():
    model, params, exact = _linear_gaussian_vae()
    params["encoder"]["log_var"]["bias"] = jnp.zeros(2)  # too wide a posterior
    x = np.random.default_rng(1).normal(size=(20, 4)).astype(np.float32)
    options = dict(likelihood="gaussian", observation_log_var=float(np.log(NOISE_VAR)))
    one = vae_log_likelihood(
        model, params, x, key=jax.random.key(1), num_samples=1, chunk_size=1, **options
    )
    many = vae_log_likelihood(
        model, params, x, key=jax.random.key(1), num_samples=400, chunk_size=100, **options
    )
    truth = exact.logpdf(x)
    assert one.mean() < many.mean() <= truth.mean() + 0.01
    assert abs(many.mean() - truth.mean()) < 0.05


def test_improper_likelihood_and_bad_sample_count_are_rejected():
    model, params, _ = _linear_gaussian_vae()
    x = np.zeros((2, 4), np.float32)
    with pytest.raises(ValueError, match="likelihood='mse'"):
        vae_log_likelihood(model, params, x, key=jax.random.key(0), likelihood="mse")
    with pytest.raises(ValueError, match="k=0"):
        vae_log_likelihood(model, params, x, key=jax.random.key(0), num_samples=0)
