"""The book's camel GAN networks: shapes, parameter counts (Listings 4.2, 4.3), options."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.models.gans.dcgan import (
    CamelDiscriminator,
    CamelGenerator,
    MLPDiscriminator,
    MLPGenerator,
)


def _count(tree):
    return sum(leaf.size for leaf in jax.tree.leaves(tree))


def test_discriminator_matches_the_book():
    model = CamelDiscriminator()
    images = jnp.zeros((2, 28, 28, 1))
    variables = jax.eval_shape(model.init, jax.random.key(0), images)
    assert _count(variables["params"]) == 720_833
    logits = jax.eval_shape(
        lambda v: model.apply(v, images, train=True, rngs={"dropout": jax.random.key(1)}),
        variables,
    )
    assert logits.shape == (2, 1)


@pytest.mark.parametrize("upsampling", ["nearest", "transposed"])
def test_generator_matches_the_book_with_either_upsampling(upsampling):
    model = CamelGenerator(upsampling=upsampling)
    z = jnp.zeros((3, 100))
    variables = jax.eval_shape(model.init, jax.random.key(1), z)
    # Keras counts BatchNorm's moving mean and variance among its 844,161 parameters.
    assert _count(variables["params"]) + _count(variables["batch_stats"]) == 844_161
    assert jax.eval_shape(lambda v: model.apply(v, z), variables).shape == (3, 28, 28, 1)


def test_small_generator_outputs_tanh_images_from_normal_002_weights():
    model = CamelGenerator(initial_shape=(7, 7, 8), filters=(8, 1), upsample=(2, 2))
    z = 10.0 * jax.random.normal(jax.random.key(0), (3, 100))
    variables = model.init(jax.random.key(1), z)
    images = model.apply(variables, z)
    assert images.shape == (3, 28, 28, 1)
    assert float(jnp.max(jnp.abs(images))) <= 1.0
    std = np.std(np.asarray(variables["params"]["Dense_0"]["kernel"]))
    assert 0.018 < std < 0.022  # Keras RandomNormal(0, 0.02)


def test_mlp_players_shapes_and_bad_generator_options():
    z = jnp.zeros((4, 3))
    generator = MLPGenerator(output_shape=(2, 2), hidden_sizes=(5,), batch_norm=True)
    variables = generator.init(jax.random.key(0), z)
    assert generator.apply(variables, z).shape == (4, 2, 2)
    critic = MLPDiscriminator(hidden_sizes=(5,))
    assert critic.apply(critic.init(jax.random.key(0), z), z).shape == (4, 1)
    with pytest.raises(ValueError, match="upsampling='bilinear'"):
        CamelGenerator(upsampling="bilinear").init(jax.random.key(0), jnp.zeros((1, 100)))
