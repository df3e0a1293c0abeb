"""The VAE objective: its parts, a bound checked by quadrature, and a step that learns."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from scipy import special, stats

from gen_jax.algorithms.vae import make_vae_step, vae_objective
from gen_jax.core.step import compile_step
from gen_jax.models.autoencoders.vae import VAE, MLPDecoder, MLPEncoder, conv_vae


def _tiny_model(latent_dim=1, pixels=3):
    return VAE(
        encoder=MLPEncoder(latent_dim=latent_dim, hidden_sizes=(4,)),
        decoder=MLPDecoder(output_shape=(pixels,), hidden_sizes=(4,)),
    )


def _init(model, x):
    return model.init(jax.random.key(0), x, key=jax.random.key(1))["params"]


def test_bernoulli_objective_is_reconstruction_plus_kl():
    model = _tiny_model()
    x = jnp.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    params, key = _init(model, x), jax.random.key(7)
    loss, metrics = vae_objective(params, {"image": x}, key, model=model, beta=2.0)
    logits, mean, log_var = model.apply({"params": params}, x, key=key)
    nll = -stats.bernoulli.logpmf(np.asarray(x), special.expit(np.asarray(logits))).sum(1)
    kl = 0.5 * np.sum(np.exp(log_var) + np.square(mean) - 1.0 - log_var, axis=1)
    np.testing.assert_allclose(loss, np.mean(nll + 2.0 * kl), rtol=1e-5)
    np.testing.assert_allclose(metrics["elbo"], -np.mean(nll + kl), rtol=1e-5)


def test_mse_objective_is_the_books_formula():
    model = conv_vae(
        (8, 8, 1),
        2,
        encoder_filters=(4,),
        encoder_strides=(2,),
        decoder_filters=(4,),
        decoder_strides=(2, 1),
    )
    x = jnp.asarray(np.random.default_rng(0).random((4, 8, 8, 1)), jnp.float32)
    params, key = _init(model, x), jax.random.key(3)
    loss, metrics = vae_objective(
        params, {"image": x}, key, model=model, likelihood="mse", reconstruction_weight=1000.0
    )
    logits, mean, log_var = model.apply({"params": params}, x, key=key)
    r_loss = 1000.0 * np.mean((np.asarray(x) - special.expit(np.asarray(logits))) ** 2, (1, 2, 3))
    kl = -0.5 * np.sum(1.0 + log_var - np.square(mean) - np.exp(log_var), axis=1)
    np.testing.assert_allclose(loss, np.mean(r_loss + kl), rtol=1e-5)
    assert "elbo" not in metrics


def test_elbo_lower_bounds_the_marginal_likelihood_computed_by_quadrature():
    """log p(x) = log ∫ p(x|z) N(z; 0, 1) dz over a 1-D code, on a fine grid."""
    model = _tiny_model(latent_dim=1, pixels=3)
    x = jnp.array([[1.0, 0.0, 1.0]])
    params = _init(model, x)
    grid = np.linspace(-10.0, 10.0, 20_001)
    logits = model.apply(
        {"params": params}, jnp.asarray(grid[:, None], jnp.float32), method=VAE.decode
    )
    log_lik = stats.bernoulli.logpmf(np.asarray(x), special.expit(np.asarray(logits))).sum(1)
    log_marginal = special.logsumexp(log_lik + stats.norm.logpdf(grid)) + np.log(grid[1] - grid[0])

    many = jnp.repeat(x, 20_000, axis=0)
    _, metrics = vae_objective(params, {"image": many}, jax.random.key(0), model=model)
    elbo = float(metrics["elbo"])
    assert elbo <= log_marginal + 0.01
    assert elbo > log_marginal - 5.0  # a sanity bound: same order of magnitude


def test_a_few_steps_reduce_the_loss():
    model = _tiny_model(latent_dim=2, pixels=6)
    rng = np.random.default_rng(0)
    prototypes = rng.integers(0, 2, (2, 6)).astype(np.float32)
    batch = {"image": jnp.asarray(prototypes[rng.integers(0, 2, 64)])}
    step = make_vae_step(model, optax.adam(0.05))
    state = step.init(jax.random.key(0), batch)
    update = compile_step(step.update)
    losses = []
    for i in range(60):
        state, metrics = update(state, batch, jax.random.key(i))
        losses.append(float(metrics["loss"]))
    assert np.mean(losses[-10:]) < 0.7 * np.mean(losses[:5])


def test_bad_arguments_give_clear_errors():
    model = _tiny_model()
    with pytest.raises(ValueError, match="likelihood"):
        make_vae_step(model, optax.adam(1e-3), likelihood="poisson")
    with pytest.raises(ValueError, match="beta"):
        make_vae_step(model, optax.adam(1e-3), beta=-1.0)
    step = make_vae_step(model, optax.adam(1e-3))
    with pytest.raises(KeyError, match="image"):
        step.init(jax.random.key(0), {"x": jnp.zeros((2, 3))})
    with pytest.raises(ValueError, match="decoder produces"):
        step.init(jax.random.key(0), {"image": jnp.zeros((2, 5))})
