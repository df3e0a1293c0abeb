"""The BatchNorm/Dropout VAE Step: the book's loss, Keras' moving averages, bad input."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gen_jax.algorithms.normalised_vae import make_normalised_vae_step
from gen_jax.core.rng import split_named
from gen_jax.models.autoencoders.face_vae import face_vae


def _model():
    return face_vae((8, 8, 3), 3, encoder_filters=(4, 4), decoder_filters=(4,), strides=(2, 2))


def test_update_matches_the_books_loss_keras_moving_average_and_dropout_modes():
    model = _model()
    batch = {"image": jax.random.uniform(jax.random.key(0), (6, 8, 8, 3))}
    step = make_normalised_vae_step(model, optax.adam(5e-4), reconstruction_weight=10_000.0)
    key = jax.random.key(7)

    @jax.jit
    def run():  # one compilation for the update and the independent reference
        state = step.init(jax.random.key(1), batch)
        new_state, metrics = step.update(state, batch, key)
        keys = split_named(key, "noise", "dropout")
        (output, mean, log_var), _ = model.apply(
            {"params": state.params, "batch_stats": state.batch_stats},
            batch["image"], key=keys["noise"], train=True,
            rngs={"dropout": keys["dropout"]}, mutable=["batch_stats"],
        )  # fmt: skip
        squared = jnp.square(jax.nn.sigmoid(output) - batch["image"])
        book_loss = jnp.mean(
            10_000.0 * jnp.mean(squared, axis=(1, 2, 3))
            - 0.5 * jnp.sum(1.0 + log_var - mean**2 - jnp.exp(log_var), axis=-1)
        )
        conv = state.params["encoder"]["Conv_0"]
        features = jax.lax.conv_general_dilated(
            batch["image"], conv["kernel"], (2, 2), "SAME",
            dimension_numbers=("NHWC", "HWIO", "NHWC"),
        ) + conv["bias"]  # fmt: skip

        def encode(seed, train):
            (code, _), _ = model.apply(
                {"params": state.params, "batch_stats": state.batch_stats},
                batch["image"], train=train, method="encode", mutable=["batch_stats"],
                rngs={"dropout": jax.random.key(seed)},
            )  # fmt: skip
            return code

        modes = (encode(0, False), encode(1, False), encode(0, True), encode(1, True))
        return state, new_state, metrics, book_loss, jnp.mean(features, axis=(0, 1, 2)), modes

    state, new_state, metrics, book_loss, feature_mean, modes = run()
    infer_a, infer_b, train_a, train_b = modes
    np.testing.assert_array_equal(infer_a, infer_b)  # inference: no Dropout
    assert not np.allclose(train_a, train_b)  # training: Dropout follows the key
    np.testing.assert_allclose(metrics["loss"], book_loss, rtol=1e-5)
    stats = lambda s: s.batch_stats["encoder"]["_NormalisedActivation_0"]["BatchNorm_0"]  # noqa: E731
    np.testing.assert_array_equal(stats(state)["mean"], 0.0)
    # Keras: moving = 0.99 * moving + 0.01 * batch mean
    np.testing.assert_allclose(stats(new_state)["mean"], 0.01 * feature_mean, rtol=1e-4, atol=1e-7)
    assert int(new_state.step) == 1
    changed = jax.tree.map(lambda a, b: bool(jnp.any(a != b)), state.params, new_state.params)
    assert all(jax.tree.leaves(changed))


def test_bad_settings_and_batches_are_named():
    with pytest.raises(ValueError, match="likelihood"):
        make_normalised_vae_step(_model(), optax.adam(1e-3), likelihood="poisson")
    with pytest.raises(ValueError, match="reconstruction_weight"):
        make_normalised_vae_step(_model(), optax.adam(1e-3), reconstruction_weight=0.0)
    step = make_normalised_vae_step(_model(), optax.adam(1e-3))
    with pytest.raises(KeyError, match="data_key"):
        step.init(jax.random.key(0), {"x": np.zeros((2, 8, 8, 3), np.float32)})
