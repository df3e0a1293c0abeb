"""The VAE family (gen_jax.algorithms.vae, gen_jax.models.autoencoders.cvae)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from scipy import integrate, stats

from gen_jax.algorithms.vae import (
    iwae_bound,
    make_vae_step,
    reconstruction_loss,
    vae_objective,
)
from gen_jax.losses import gaussian_kl, gaussian_log_prob
from gen_jax.models.autoencoders.cvae import CVAE
from gen_jax.models.autoencoders.vae import VAE, MLPDecoder, MLPEncoder

NUM_INPUTS, LATENT, OBS_LOG_VAR = 4, 2, math.log(0.5)


def _linear_gaussian():
    """A linear VAE with exact log p(x); its encoder is the exact posterior's mean with
    variances twice the posterior's marginal variances (so the bounds have a clear gap)."""
    model = VAE(
        encoder=MLPEncoder(latent_dim=LATENT, hidden_sizes=()),
        decoder=MLPDecoder(output_shape=(NUM_INPUTS,), hidden_sizes=()),
    )
    x = 2.0 * jax.random.normal(jax.random.key(0), (64, NUM_INPUTS))
    params = model.init(jax.random.key(1), x, key=jax.random.key(2))["params"]
    kernel = np.asarray(params["decoder"]["Dense_0"]["kernel"], np.float64)  # [d, D]
    bias = np.asarray(params["decoder"]["Dense_0"]["bias"], np.float64)
    noise = math.exp(OBS_LOG_VAR)
    posterior_cov = np.linalg.inv(np.eye(LATENT) + kernel @ kernel.T / noise)
    gain = kernel.T @ posterior_cov / noise  # [D, d]: mean = (x - b) @ gain
    params["encoder"]["mean"] = {
        "kernel": jnp.asarray(gain, jnp.float32),
        "bias": jnp.asarray(-bias @ gain, jnp.float32),
    }
    params["encoder"]["log_var"] = {
        "kernel": jnp.zeros((NUM_INPUTS, LATENT)),
        "bias": jnp.asarray(np.log(2.0 * np.diag(posterior_cov)), jnp.float32),
    }
    marginal = stats.multivariate_normal(bias, kernel.T @ kernel + noise * np.eye(NUM_INPUTS))
    return model, params, x, marginal.logpdf(np.asarray(x, np.float64))


def test_elbo_below_exact_log_likelihood_and_iwae_approaches_it():
    model, params, x, exact = _linear_gaussian()
    repeated = jnp.tile(x, (20, 1))  # 20 independent estimates per example

    @jax.jit
    def elbo(key):
        _, metrics = vae_objective(
            params,
            {"x": x},
            key,
            model=model,
            likelihood="gaussian",
            num_samples=2000,
            observation_log_var=OBS_LOG_VAR,
            data_key="x",
        )
        return metrics["elbo"]

    bound = jax.jit(
        lambda key, k: iwae_bound(
            model,
            params,
            repeated,
            key,
            k,
            likelihood="gaussian",
            observation_log_var=OBS_LOG_VAR,
        ),
        static_argnums=1,
    )
    means = [float(jnp.mean(bound(jax.random.key(k), k))) for k in (1, 10, 100, 1000)]
    gap = exact.mean() - means[0]
    assert float(elbo(jax.random.key(7))) < exact.mean() - 0.1
    assert means[0] == pytest.approx(float(elbo(jax.random.key(7))), abs=0.05)
    assert all(a < b for a, b in zip(means, means[1:], strict=False)), means
    assert means[-1] <= exact.mean() + 0.01
    assert exact.mean() - means[-1] < 0.1 * gap, (means, exact.mean())


def test_gaussian_kl_equals_monte_carlo_and_numerical_integration():
    mean = jnp.array([[0.3, -1.2]])
    log_var = jnp.array([[-0.5, 0.4]])
    z = mean + jnp.exp(0.5 * log_var) * jax.random.normal(jax.random.key(0), (200_000, 2))
    mean_b, log_var_b = jnp.broadcast_to(mean, z.shape), jnp.broadcast_to(log_var, z.shape)
    log_ratio = gaussian_log_prob(mean_b, log_var_b, z) - gaussian_log_prob(0.0 * z, 0.0, z)
    closed = float(gaussian_kl(mean, log_var)[0])
    assert float(jnp.mean(log_ratio)) == pytest.approx(closed, rel=0.01)
    numeric = 0.0
    for m, lv in zip(
        np.asarray(mean[0], np.float64), np.asarray(log_var[0], np.float64), strict=True
    ):
        q = stats.norm(m, math.exp(0.5 * lv))
        numeric += integrate.quad(
            lambda t, q=q: q.pdf(t) * (q.logpdf(t) - stats.norm.logpdf(t)), -12, 12
        )[0]
    assert closed == pytest.approx(numeric, rel=1e-5)


def test_learned_variance_likelihood_equals_gaussian_density():
    x = jax.random.normal(jax.random.key(0), (3, 2, 2, 1))
    output = jax.random.normal(jax.random.key(1), (3, 2, 2, 2))
    expected = stats.norm(np.asarray(output[..., :1]), np.exp(0.5 * np.asarray(output[..., 1:])))
    expected = -expected.logpdf(np.asarray(x)).sum(axis=(1, 2, 3))
    got = reconstruction_loss(output, x, likelihood="gaussian_learned")
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    with pytest.raises(ValueError, match="2 output"):
        reconstruction_loss(output[..., :1], x, likelihood="gaussian_learned")


def test_beta_weights_the_kl_term_with_several_samples():
    model, params, x, _ = _linear_gaussian()
    common = dict(
        model=model,
        likelihood="gaussian",
        observation_log_var=OBS_LOG_VAR,
        data_key="x",
        num_samples=4,
    )
    loss, metrics = vae_objective(params, {"x": x}, jax.random.key(0), beta=3.0, **common)
    np.testing.assert_allclose(loss, metrics["reconstruction"] + 3.0 * metrics["kl"], rtol=1e-5)


def test_cvae_step_trains_and_prior_depends_on_label():
    model = CVAE(
        output_shape=(6,), latent_dim=2, num_classes=3, encoder_hidden=(8,), decoder_hidden=(8,)
    )
    rng = np.random.default_rng(0)
    batch = {
        "image": rng.random((12, 6), dtype=np.float32),
        "label": rng.integers(0, 3, 12).astype(np.int32),
    }
    step = make_vae_step(model, optax.adam(1e-2), num_samples=3, label_key="label")
    state = step.init(jax.random.key(0), batch)
    prior_mean, _ = model.apply({"params": state.params}, jnp.arange(3), method=CVAE.prior)
    assert prior_mean.shape == (3, 2) and not np.allclose(prior_mean[0], prior_mean[1])
    update = jax.jit(step.update)
    _, first = update(state, batch, jax.random.key(1))
    for index in range(40):
        state, metrics = update(state, batch, jax.random.key(index))
    assert metrics["loss"] < first["loss"]
    loss, _ = vae_objective(state.params, batch, jax.random.key(0), model=model, label_key="label")
    assert np.isfinite(loss)
    with pytest.raises(ValueError, match="labels must be integer"):
        model.apply({"params": state.params}, jnp.ones(3), method=CVAE.prior)


def test_bad_arguments_name_the_fix():
    model, params, x, _ = _linear_gaussian()
    with pytest.raises(ValueError, match="num_samples"):
        make_vae_step(model, optax.adam(1e-3), num_samples=0)
    with pytest.raises(ValueError, match="not both 0"):
        make_vae_step(model, optax.adam(1e-3), beta=0.0, reconstruction_weight=0.0)
    with pytest.raises(ValueError, match="likelihood="):
        make_vae_step(model, optax.adam(1e-3), likelihood="poisson")
    with pytest.raises(ValueError, match="proper likelihood"):
        iwae_bound(model, params, x, jax.random.key(0), 5, likelihood="mse")
