"""Small Steps and data shared by the core tests."""

import jax
import jax.numpy as jnp
import numpy as np
import optax

from gen_jax.algorithms.autoencoding import make_autoencoder_step
from gen_jax.algorithms.em import make_em_step, make_stochastic_em_step
from gen_jax.algorithms.gradient import make_gradient_step
from gen_jax.algorithms.stacked import make_layerwise_step
from gen_jax.algorithms.supervised import make_classifier_step
from gen_jax.algorithms.vae import make_vae_step
from gen_jax.data import ArraySource, BatchIterator
from gen_jax.models.autoencoders.autoencoder import conv_autoencoder, mlp_autoencoder
from gen_jax.models.autoencoders.cvae import CVAE
from gen_jax.models.autoencoders.vae import VAE, MLPDecoder, MLPEncoder, conv_vae
from gen_jax.models.classifiers import ConvClassifier, MLPClassifier
from gen_jax.models.mixture.gaussian import GaussianMixtureEM


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


def least_squares_gradient_step():
    """make_gradient_step itself: regress a point's second coordinate on its first."""

    def objective(params, batch, key):
        del key
        x = batch["x"]
        residual = params["slope"] * x[:, 0] + params["intercept"] - x[:, 1]
        loss = jnp.mean(jnp.square(residual))
        return loss, {"mse": loss}

    def init(key, batch):
        del batch
        return {"slope": jax.random.normal(key, ()), "intercept": jnp.zeros(())}

    return make_gradient_step(objective, init, optax.sgd(0.1))


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


def conv_autoencoder_step():
    model = conv_autoencoder(
        (8, 8, 1),
        2,
        encoder_filters=(4, 8),
        encoder_strides=(1, 2),
        decoder_filters=(8,),
        decoder_strides=(2, 1),
    )
    return make_autoencoder_step(model, optax.adam(1e-3))


def regularised_autoencoder_step():
    """Denoising (masking), L1- and KL-sparse and contractive at once, Bernoulli loss."""
    model = mlp_autoencoder((8, 8, 1), 4, hidden_sizes=(), code_activation="sigmoid")
    return make_autoencoder_step(
        model,
        optax.adam(1e-3),
        reconstruction="bernoulli",
        corruption="masking",
        corruption_level=0.2,
        l1_weight=0.01,
        sparsity_weight=0.1,
        sparsity_target=0.1,
        contractive_weight=0.1,
    )


def stacked_second_layer_step():
    first = make_layerwise_step(6, optax.adam(1e-3), data_key="image")
    layer = first.init(jax.random.key(5), image_batch()).params["layer"]
    return make_layerwise_step(
        4,
        optax.adam(1e-3),
        frozen=[layer],
        corruption="gaussian",
        corruption_level=0.1,
        data_key="image",
    )


def labelled_image_batch(batch_size=16, size=8, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "image": rng.random((batch_size, size, size, 1), dtype=np.float32),
        "label": rng.integers(0, 10, batch_size).astype(np.int32),
    }


def classifier_step(kind):
    """The chapter-2 MLP or CNN (BatchNorm statistics and Dropout in the step), shrunk.

    The CNN uses SGD: its convolution biases feed BatchNorm, so their gradients are
    round-off noise, which Adam would scale up to full-size steps of random sign.
    """
    if kind == "mlp":
        return make_classifier_step(MLPClassifier(hidden_sizes=(12, 8)), optax.adam(1e-3))
    model = ConvClassifier(filters=(4, 8), strides=(1, 2), dense_units=8)
    return make_classifier_step(model, optax.sgd(0.1))


def learned_variance_elbo_step():
    """beta-VAE with a learned-variance Gaussian decoder and 3 codes per example."""
    model = VAE(
        encoder=MLPEncoder(latent_dim=2, hidden_sizes=(16,)),
        decoder=MLPDecoder(output_shape=(8, 8, 2), hidden_sizes=(16,)),
    )
    return make_vae_step(
        model, optax.adam(1e-3), likelihood="gaussian_learned", beta=4.0, num_samples=3
    )


def cvae_step():
    model = CVAE(
        output_shape=(8, 8, 1),
        latent_dim=2,
        num_classes=10,
        encoder_hidden=(16,),
        decoder_hidden=(16,),
    )
    return make_vae_step(model, optax.adam(1e-3), num_samples=2, label_key="label")
