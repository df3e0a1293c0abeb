"""Small Steps and data shared by the core tests."""

import jax
import jax.numpy as jnp
import numpy as np
import optax

from gen_jax.algorithms.em import make_em_step, make_stochastic_em_step
from gen_jax.algorithms.variational import make_vae_step
from gen_jax.data import ArraySource, BatchIterator
from gen_jax.models.gmm import GaussianMixtureEM
from gen_jax.models.vae import VAE, MLPDecoder, MLPEncoder, conv_vae


def image_batch(batch_size=16, size=8, seed=0):
    rng = np.random.default_rng(seed)
    return {"image": rng.random((batch_size, size, size, 1), dtype=np.float32)}


def conv_vae_step():
    model = conv_vae(
        (8, 8, 1),
        2,
        encoder_filters=(4, 8),
        encoder_strides=(1, 2),
        decoder_filters=(8,),
        decoder_strides=(2, 1),
    )
    return make_vae_step(model, optax.adam(1e-3), likelihood="mse", reconstruction_weight=1000.0)


def mlp_vae_step():
    model = VAE(
        encoder=MLPEncoder(latent_dim=3, hidden_sizes=(16,)),
        decoder=MLPDecoder(output_shape=(8, 8, 1), hidden_sizes=(16,)),
    )
    return make_vae_step(model, optax.adam(1e-3), likelihood="bernoulli")


def image_iterator(num_examples=64, batch_size=16, seed=0):
    rng = np.random.default_rng(seed)
    source = ArraySource(
        {
            "image": rng.random((num_examples, 8, 8, 1), dtype=np.float32),
            "label": rng.integers(0, 10, num_examples).astype(np.int32),
        }
    )
    return BatchIterator(source, batch_size, seed=seed)


def binary_batch(batch_size=16, num_visible=12, seed=0):
    rng = np.random.default_rng(seed)
    return {"x": (rng.random((batch_size, num_visible)) < 0.3).astype(np.float32)}


def points_batch(batch_size=64, seed=0):
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=(batch_size, 2)).astype(np.float32)}


def _random_responsibility_init(model, num_components=3):
    def init(key, x):
        resp = jax.random.dirichlet(key, jnp.ones(num_components), (x.shape[0],))
        return model.m_step(model.statistics(x, resp.astype(x.dtype), jnp.ones_like(x[:, 0])))

    return init


def em_gmm_step(covariance_type="full"):
    model = GaussianMixtureEM(covariance_type)
    return make_em_step(model, _random_responsibility_init(model))


def stochastic_em_gmm_step(covariance_type="diag"):
    model = GaussianMixtureEM(covariance_type)
    return make_stochastic_em_step(model, _random_responsibility_init(model), num_examples=640)
