"""PixelVAE decoder: causal for any fixed code and normalised (sampling: the experiment test)."""

from __future__ import annotations

import functools
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.models.autoencoders.pixel_vae import PixelVAE, pixel_vae_sample
from gen_jax.models.autoregressive.pixelcnn import GatedPixelCNN


def _init(model: PixelVAE, side: int):
    x = jnp.zeros((1, side, side, 1), jnp.float32)
    params = model.init(jax.random.key(0), x, key=jax.random.key(1))["params"]
    return jax.tree.map(lambda p: 2.0 * p + 0.05, params)  # every allowed path active


@functools.partial(jax.jit, static_argnums=0)
def _decoder_log_prob(model, params, images, z):
    logits = model.apply({"params": params}, images, z, method=PixelVAE.decode)
    x = images
    return jnp.sum(
        x * jax.nn.log_sigmoid(logits) + (1 - x) * jax.nn.log_sigmoid(-logits), (1, 2, 3)
    )


def _all_binary_images(side: int) -> jnp.ndarray:
    bits = np.array(list(itertools.product([0.0, 1.0], repeat=side * side)), np.float32)
    return jnp.asarray(bits.reshape(-1, side, side, 1))


def test_decoder_is_autoregressive_for_a_fixed_code():
    side = 4
    model = PixelVAE((side, side, 1), latent_dim=3, features=4, num_layers=2)
    params = _init(model, side)
    z = jax.random.normal(jax.random.key(2), (3,))
    x = jax.random.bernoulli(jax.random.key(3), 0.5, (side, side, 1)).astype(jnp.float32)

    def logits(image, code):
        out = model.apply({"params": params}, image[None], code[None], method=PixelVAE.decode)
        return out.reshape(-1)

    by_pixel, by_code = jax.jit(jax.jacfwd(logits, argnums=(0, 1)))(x, z)
    jacobian = np.asarray(by_pixel).reshape(side * side, side * side)
    later_or_same = np.triu(np.ones_like(jacobian, dtype=bool))
    assert np.all(jacobian[later_or_same] == 0.0)
    assert np.all(jacobian[~later_or_same] != 0.0), "every earlier pixel must be seen"
    assert np.all(np.abs(np.asarray(by_code)).sum(axis=1) > 0), "z must reach every pixel"


def test_probabilities_sum_to_one_over_all_binary_3x3_images():
    model = PixelVAE((3, 3, 1), latent_dim=2, features=4, num_layers=2, conditioning="vector")
    params = _init(model, 3)
    images = _all_binary_images(3)
    for seed in range(2):
        z = jnp.broadcast_to(jax.random.normal(jax.random.key(seed), (1, 2)), (len(images), 2))
        log_probs = _decoder_log_prob(model, params, images, z)
        np.testing.assert_allclose(float(jax.nn.logsumexp(log_probs)), 0.0, atol=1e-5)


def test_bad_arguments_raise_clear_errors():
    x = jnp.zeros((2, 3, 3, 1))
    key = jax.random.key(0)

    def init(module, *args, **kwargs):  # traced only: the errors come before any compute
        return jax.jit(functools.partial(module.init, **kwargs))(key, *args)

    with pytest.raises(ValueError, match="conditioning="):
        init(PixelVAE((3, 3, 1), 2, conditioning="film"), x, key=key)
    with pytest.raises(ValueError, match="image_shape"):
        init(PixelVAE((4, 4, 1), 2), x, key=key)
    with pytest.raises(ValueError, match=r"z has shape"):
        pixel_vae_sample(PixelVAE((3, 3, 1), 2), None, 3, key=key, z=jnp.zeros((2, 2)))
    with pytest.raises(ValueError, match="choose one way"):
        init(GatedPixelCNN(features=4, num_layers=1, num_classes=3, dense_condition=True), x,
             jnp.zeros((2, 2)))  # fmt: skip
    with pytest.raises(ValueError, match="dense_condition=True"):
        init(GatedPixelCNN(features=4, num_layers=1, dense_condition=True), x)
