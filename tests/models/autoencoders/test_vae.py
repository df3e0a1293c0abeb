"""VAE networks: the book's parameter counts, shapes, the reparameterised sampler."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.models.autoencoders.vae import VAE, conv_vae, reparameterize


def _count(tree):
    return sum(leaf.size for leaf in jax.tree.leaves(tree))


def test_conv_vae_matches_the_books_parameter_counts():
    """Foster (2019), ch. 3: encoder 105,220 and decoder 102,017 parameters on 28x28x1."""
    model = conv_vae((28, 28, 1), 2)
    variables = jax.eval_shape(
        lambda: model.init(jax.random.key(0), jnp.zeros((1, 28, 28, 1)), key=jax.random.key(1))
    )
    assert _count(variables["params"]["encoder"]) == 105_220
    assert _count(variables["params"]["decoder"]) == 102_017


def test_conv_vae_shapes():
    model = conv_vae(
        (16, 16, 3),
        5,
        encoder_filters=(4, 8),
        encoder_strides=(2, 2),
        decoder_filters=(8,),
        decoder_strides=(2, 2),
    )
    x = jnp.zeros((2, 16, 16, 3))
    params = model.init(jax.random.key(0), x, key=jax.random.key(1))["params"]
    output, mean, log_var = model.apply({"params": params}, x, key=jax.random.key(2))
    assert output.shape == x.shape and mean.shape == log_var.shape == (2, 5)
    decoded = model.apply({"params": params}, jnp.zeros((3, 5)), method=VAE.decode)
    assert decoded.shape == (3, 16, 16, 3)


def test_reparameterize_has_the_right_moments():
    mean = jnp.full((200_000, 1), 1.5)
    log_var = jnp.full((200_000, 1), np.log(0.25))
    z = reparameterize(mean, log_var, key=jax.random.key(0))
    assert abs(float(z.mean()) - 1.5) < 0.01 and abs(float(z.std()) - 0.5) < 0.01


def test_reparameterize_is_differentiable_in_mean_and_log_var():
    grad = jax.grad(lambda m, v: reparameterize(m, v, key=jax.random.key(0)).sum(), argnums=(0, 1))(
        jnp.zeros(3), jnp.zeros(3)
    )
    np.testing.assert_allclose(grad[0], 1.0)
    assert np.all(np.isfinite(grad[1]))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(image_shape=(30, 30, 1)), "divisible"),
        (dict(image_shape=(28, 28, 1), decoder_strides=(1, 2)), "decoder_strides"),
    ],
)
def test_conv_vae_rejects_inconsistent_shapes(kwargs, match):
    image_shape = kwargs.pop("image_shape")
    with pytest.raises(ValueError, match=match):
        conv_vae(image_shape, 2, **kwargs)
