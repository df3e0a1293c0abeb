"""The conditional GAN (Mirza & Osindero 2014) in make_gan_step: inputs, labels, bad input."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gen_jax.algorithms.adversarial import (
    condition_examples,
    conditional_latent,
    make_gan_step,
)
from gen_jax.models.gans.dcgan import MLPDiscriminator, MLPGenerator


def test_condition_examples_tiles_the_one_hot_code_over_pixels():
    images = jnp.arange(2 * 2 * 3 * 1, dtype=jnp.float32).reshape(2, 2, 3, 1)
    out = condition_examples(images, jnp.array([2, 0]), 3)
    assert out.shape == (2, 2, 3, 4)
    np.testing.assert_array_equal(out[..., :1], images)
    np.testing.assert_array_equal(out[0, :, :, 1:], np.broadcast_to([0, 0, 1], (2, 3, 3)))
    np.testing.assert_array_equal(out[1, :, :, 1:], np.broadcast_to([1, 0, 0], (2, 3, 3)))
    flat = condition_examples(jnp.ones((2, 5)), jnp.array([1, 1]), 2)
    np.testing.assert_array_equal(flat, [[1, 1, 1, 1, 1, 0, 1]] * 2)
    z = jnp.full((2, 3), 0.5)
    np.testing.assert_array_equal(
        conditional_latent(z, jnp.array([1, 0]), 2), [[0.5] * 3 + [0, 1], [0.5] * 3 + [1, 0]]
    )


def _two_cluster_batch(batch_size=64, seed=0):
    """Class 0 near (-2, 0), class 1 near (+2, 0): only the label says which side."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, batch_size).astype(np.int32)
    x = np.stack([4.0 * labels - 2.0, np.zeros(batch_size)], axis=1)
    x = x + 0.1 * rng.normal(size=x.shape)
    return {"x": x.astype(np.float32), "label": labels}


def _conditional_step(**kwargs):
    return make_gan_step(
        MLPGenerator(output_shape=(2,), hidden_sizes=(16,)),
        MLPDiscriminator(hidden_sizes=(16,)),
        optax.adam(1e-2, b1=0.5),
        optax.adam(1e-2, b1=0.5),
        latent_dim=2,
        data_key="x",
        label_key="label",
        num_classes=2,
        **kwargs,
    )


def test_both_players_see_the_label_and_the_generator_learns_each_class():
    step = _conditional_step()
    batch = _two_cluster_batch()
    state = jax.jit(step.init)(jax.random.key(0), batch)
    assert state.gen.variables["params"]["Dense_0"]["kernel"].shape == (2 + 2, 16)
    assert state.disc.variables["params"]["Dense_0"]["kernel"].shape == (2 + 2, 16)

    generator = MLPGenerator(output_shape=(2,), hidden_sizes=(16,))
    z = jax.random.normal(jax.random.key(1), (256, 2))
    labels = jnp.repeat(jnp.arange(2), 256)

    @jax.jit
    def class_means(params):
        samples = generator.apply(params, conditional_latent(jnp.tile(z, (2, 1)), labels, 2))
        return jnp.mean(samples[:, 0].reshape(2, 256), axis=1)

    @jax.jit
    def train(state, key):
        return jax.lax.scan(
            lambda s, k: step.update(s, batch, k), state, jax.random.split(key, 150)
        )

    before = np.asarray(class_means(state.gen.variables))
    state, metrics = train(state, jax.random.key(2))
    mean_0, mean_1 = np.asarray(class_means(state.gen.variables))
    assert abs(before[1] - before[0]) < 1.0  # the untrained generator barely uses the label
    assert mean_0 < -1.0 and mean_1 > 1.0, (mean_0, mean_1)
    assert np.all(np.isfinite(metrics["d_loss"]))


def test_bad_conditioning_is_named():
    with pytest.raises(ValueError, match="pass both"):
        make_gan_step(
            MLPGenerator(output_shape=(2,)),
            MLPDiscriminator(),
            optax.sgd(1.0),
            optax.sgd(1.0),
            latent_dim=2,
            label_key="label",
        )
    batch = _two_cluster_batch(batch_size=4)
    with pytest.raises(KeyError, match="label_key"):
        _conditional_step().init(jax.random.key(0), {"x": batch["x"]})
    with pytest.raises(ValueError, match="integer class ids of shape \\(4,\\)"):
        _conditional_step().init(
            jax.random.key(0), {"x": batch["x"], "label": batch["label"].astype(np.float32)}
        )
    with pytest.raises(ValueError, match=r"classes from 0 to 2, outside \[0, 2\)"):
        _conditional_step().init(
            jax.random.key(0), {"x": batch["x"], "label": np.array([0, 1, 2, 1], np.int32)}
        )
