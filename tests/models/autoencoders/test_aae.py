"""Adversarial autoencoder priors and networks: moments, conditioning, shapes, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from gen_jax.models.autoencoders.aae import (
    AdversarialAutoencoder,
    conv_aae,
    mlp_aae,
    mlp_semi_supervised_aae,
)
from gen_jax.models.autoencoders.aae_priors import (
    CategoricalPrior,
    GaussianMixturePrior,
    StandardGaussianPrior,
    circle_mixture,
    make_prior,
)

NUM_DRAWS = 200_000


def _random_mixture(seed=0, num_components=3, dim=2):
    rng = np.random.default_rng(seed)
    trils = np.tril(rng.normal(size=(num_components, dim, dim)))
    trils[:, range(dim), range(dim)] = np.abs(trils[:, range(dim), range(dim)]) + 0.3
    weights = rng.dirichlet(np.ones(num_components))
    return GaussianMixturePrior(rng.normal(scale=3.0, size=(num_components, dim)), trils, weights)


def test_circle_mixture_moments_equal_the_closed_form():
    # K >= 3 equally weighted components on a circle of radius r, each with radial and
    # tangential variances a^2, b^2: mean 0 and covariance (r^2 + a^2 + b^2) / 2 * I.
    prior = circle_mixture(10, radius=4.0, radial_std=1.0, tangential_std=0.25)
    np.testing.assert_allclose(prior.mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(prior.covariance(), (16 + 1 + 0.0625) / 2 * np.eye(2), atol=1e-12)
    components = prior.scale_trils @ np.swapaxes(prior.scale_trils, 1, 2)
    # the radial direction of component k is (cos, sin)(2 pi k / 10)
    angle = 2 * np.pi * 3 / 10
    radial = np.array([np.cos(angle), np.sin(angle)])
    np.testing.assert_allclose(radial @ components[3] @ radial, 1.0, rtol=1e-12)


def test_mixture_sample_moments_match_its_mean_and_covariance():
    prior = _random_mixture()
    draws = np.asarray(prior.sample(NUM_DRAWS, key=jax.random.key(0)), np.float64)
    scale = np.sqrt(np.diag(prior.covariance()))
    np.testing.assert_allclose(draws.mean(0), prior.mean(), atol=0.02 * scale.max())
    np.testing.assert_allclose(
        np.cov(draws.T), prior.covariance(), atol=0.03 * np.outer(scale, scale).max()
    )


def test_label_conditioned_sampler_draws_from_the_given_component():
    prior = _random_mixture(seed=1)
    labels = jnp.repeat(jnp.arange(3), 40_000)
    draws = np.asarray(prior.sample_given(labels, key=jax.random.key(1)), np.float64)
    for k in range(3):
        chosen = draws[np.asarray(labels) == k]
        covariance = prior.scale_trils[k] @ prior.scale_trils[k].T
        np.testing.assert_allclose(chosen.mean(0), prior.means[k], atol=0.05)
        np.testing.assert_allclose(np.cov(chosen.T), covariance, atol=0.08)
    # on well separated petals, every draw is most probable under its own component
    petals = circle_mixture(10, radius=8.0, radial_std=0.5, tangential_std=0.1)
    labels = jnp.arange(1000) % 10
    assigned = petals.assign(petals.sample_given(labels, key=jax.random.key(2)))
    np.testing.assert_array_equal(assigned, np.asarray(labels))


def test_component_log_densities_match_scipy():
    prior = _random_mixture(seed=2)
    z = np.random.default_rng(0).normal(size=(5, 2))
    expected = np.stack(
        [
            np.log(w) + stats.multivariate_normal(m, tril @ tril.T).logpdf(z)
            for w, m, tril in zip(prior.weights, prior.means, prior.scale_trils, strict=True)
        ],
        axis=1,
    )
    np.testing.assert_allclose(prior.component_log_densities(z), expected, rtol=1e-10)


def test_gaussian_and_categorical_priors():
    gaussian = make_prior("gaussian", dim=3)
    draws = np.asarray(gaussian.sample(NUM_DRAWS, key=jax.random.key(3)))
    np.testing.assert_allclose(draws.mean(0), gaussian.mean(), atol=0.01)
    np.testing.assert_allclose(np.cov(draws.T), gaussian.covariance(), atol=0.02)
    categorical = CategoricalPrior(4, weights=[0.1, 0.2, 0.3, 0.4])
    one_hot = np.asarray(categorical.sample(NUM_DRAWS, key=jax.random.key(4)))
    assert set(np.unique(one_hot)) == {0.0, 1.0}
    np.testing.assert_array_equal(one_hot.sum(1), 1.0)
    np.testing.assert_allclose(one_hot.mean(0), categorical.mean(), atol=0.01)
    np.testing.assert_allclose(np.cov(one_hot.T), categorical.covariance(), atol=0.01)


def test_bad_prior_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="prior='ring' is unknown"):
        make_prior("ring")
    with pytest.raises(ValueError, match="dim=3"):
        make_prior("mixture", dim=3)
    with pytest.raises(ValueError, match="scale_trils"):
        GaussianMixturePrior(np.zeros((2, 2)), np.ones((3, 2, 2)))
    with pytest.raises(ValueError, match="weights sum"):
        GaussianMixturePrior(np.zeros((2, 2)), np.stack([np.eye(2)] * 2), weights=[0.5, 0.6])
    with pytest.raises(ValueError, match="labels"):
        circle_mixture(3).sample_given(jnp.zeros(4), key=jax.random.key(0))
    with pytest.raises(ValueError, match="dim"):
        StandardGaussianPrior(0)


def test_probabilistic_encoder_is_the_reparameterised_draw():
    model = mlp_aae((8, 8, 1), 2, hidden_sizes=(8,), probabilistic=True)
    x = jnp.asarray(np.random.default_rng(0).random((4, 8, 8, 1)), jnp.float32)
    key = jax.random.key(5)
    params = model.init({"params": jax.random.key(0)}, x, key=key)
    mean, log_var = model.apply(params, x, method=lambda m, x: m.encoder(x))
    code = model.apply(params, x, key=key, method=AdversarialAutoencoder.encode)
    noise = jax.random.normal(key, mean.shape)
    np.testing.assert_allclose(code, mean + jnp.exp(0.5 * log_var) * noise, rtol=1e-6)
    np.testing.assert_allclose(
        model.apply(params, x, method=AdversarialAutoencoder.encode_mean), mean, rtol=1e-6
    )
    with pytest.raises(ValueError, match="key="):
        model.apply(params, x, method=AdversarialAutoencoder.encode)


def test_network_shapes():
    x = jnp.zeros((3, 8, 8, 1))
    conv = conv_aae(
        (8, 8, 1),
        2,
        encoder_filters=(4, 8),
        encoder_strides=(1, 2),
        decoder_filters=(8,),
        decoder_strides=(2, 1),
    )
    # Shapes only: eval_shape traces without compiling anything.
    params = jax.eval_shape(conv.init, jax.random.key(0), x)
    logits, code = jax.eval_shape(conv.apply, params, x)
    assert logits.shape == x.shape and code.shape == (3, 2)
    semi = mlp_semi_supervised_aae((8, 8, 1), 2, 10, hidden_sizes=(8,))
    params = jax.eval_shape(semi.init, jax.random.key(0), x)
    logits, style, class_logits = jax.eval_shape(semi.apply, params, x)
    assert logits.shape == x.shape and style.shape == (3, 2) and class_logits.shape == (3, 10)
    assert params["params"]["decoder"]["Dense_0"]["kernel"].shape == (12, 8)
    with pytest.raises(ValueError, match="encoder_strides"):
        conv_aae((8, 8, 1), 2, encoder_filters=(4,), encoder_strides=(1, 2))
