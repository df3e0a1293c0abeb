"""The book's WGAN players (experiment 4.2): parameter counts from the repository's summary."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.models.gans.dcgan import CamelDiscriminator
from gen_jax.models.gans.wgan import wgan_critic, wgan_generator


def _count(tree):
    return sum(leaf.size for leaf in jax.tree.leaves(tree))


def test_critic_and_generator_match_the_book_parameter_counts():
    critic = wgan_critic()
    images = jnp.zeros((2, 32, 32, 3))
    critic_vars = jax.eval_shape(critic.init, jax.random.key(0), images)
    assert set(critic_vars) == {"params"}  # no batch norm, no dropout
    assert _count(critic_vars) == 670_401
    assert jax.eval_shape(lambda v: critic.apply(v, images), critic_vars).shape == (2, 1)

    generator = wgan_generator()
    z = jnp.zeros((2, 100))
    gen_vars = jax.eval_shape(generator.init, jax.random.key(1), z)
    # Keras' 884,163 counts BatchNorm's moving mean and variance (4 per channel of 2,272).
    assert _count(gen_vars["params"]) == 879_619
    assert _count(gen_vars["batch_stats"]) == 4_544
    assert jax.eval_shape(lambda v: generator.apply(v, z), gen_vars).shape == (2, 32, 32, 3)


def test_leaky_relu_critic_in_closed_form():
    # One 1x1 convolution with weight 1 and a Dense with weights 1: the score is the sum of
    # LeakyReLU(0.2) over the pixels.
    critic = CamelDiscriminator(
        filters=(1,), strides=(1,), kernel_size=1, dropout_rate=0.0, leaky_relu_slope=0.2
    )
    x = jnp.array([[[[1.5], [-2.0]], [[-0.5], [3.0]]]])  # [1, 2, 2, 1]
    variables = critic.init(jax.random.key(0), x)
    variables = jax.tree.map(jnp.ones_like, variables)
    variables["params"]["Conv_0"]["bias"] = jnp.zeros(1)
    variables["params"]["Dense_0"]["bias"] = jnp.zeros(1)
    expected = 1.5 + 3.0 + 0.2 * (-2.0 - 0.5)
    np.testing.assert_allclose(critic.apply(variables, x)[0, 0], expected, rtol=1e-6)


def test_bad_widths_are_named():
    with pytest.raises(ValueError, match="width_divisor=0"):
        wgan_critic(width_divisor=0)
    with pytest.raises(ValueError, match="channels=0"):
        wgan_generator(channels=0)
