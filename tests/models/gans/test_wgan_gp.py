"""The book's WGAN-GP faces networks: shapes and parameter counts (eval_shape only)."""

import jax
import jax.numpy as jnp
import pytest

from gen_jax.models.gans.wgan_gp import FacesCritic, FacesGenerator


def _count(tree):
    return sum(leaf.size for leaf in jax.tree.leaves(tree))


def test_critic_matches_the_book_and_has_no_batch_norm():
    model = FacesCritic()
    images = jnp.zeros((2, 64, 64, 3))
    variables = jax.eval_shape(model.init, jax.random.key(0), images)
    assert set(variables) == {"params"}
    assert _count(variables["params"]) == 4_314_753
    assert jax.eval_shape(lambda v: model.apply(v, images), variables).shape == (2, 1)


def test_generator_matches_the_book():
    model = FacesGenerator()
    z = jnp.zeros((3, 100))
    variables = jax.eval_shape(model.init, jax.random.key(1), z)
    # Keras counts BatchNorm's moving mean and variance among its 5,168,003 parameters.
    assert _count(variables["params"]) == 5_150_723
    assert _count(variables["batch_stats"]) == 17_280
    assert jax.eval_shape(lambda v: model.apply(v, z), variables).shape == (3, 64, 64, 3)


def test_shrunk_networks_make_32x32_grey_images():
    generator = FacesGenerator(initial_shape=(2, 2, 8), filters=(8, 4, 4, 1))
    critic = FacesCritic(filters=(4, 8), strides=(2, 2))
    z = jnp.zeros((2, 5))

    def forward(z):
        images = generator.apply(generator.init(jax.random.key(1), z), z)
        return images, critic.apply(critic.init(jax.random.key(2), images), images)

    images, scores = jax.eval_shape(forward, z)
    assert images.shape == (2, 32, 32, 1) and scores.shape == (2, 1)


def test_mismatched_filters_and_strides_are_refused():
    with pytest.raises(ValueError, match="one stride per convolution"):
        FacesCritic(filters=(4, 8), strides=(2,)).init(jax.random.key(0), jnp.zeros((1, 8, 8, 1)))
    with pytest.raises(ValueError, match="one stride per convolution"):
        FacesGenerator(filters=(), strides=()).init(jax.random.key(0), jnp.zeros((1, 4)))
