"""End-to-end fine-tuning of a greedily pretrained stack (gen_jax.algorithms.stacked)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gen_jax.algorithms.stacked import (
    fine_tune_stack,
    greedy_layerwise_pretrain,
    make_stack_fine_tune_step,
    stacked_reconstruct,
)
from gen_jax.data import load_digits


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def test_unrolled_stack_matches_numpy():
    rng = np.random.default_rng(0)
    layer = lambda d_in, d_out: {  # noqa: E731
        "kernel": rng.normal(size=(d_in, d_out)).astype(np.float32),
        "bias": rng.normal(size=d_out).astype(np.float32),
    }
    encoder, decoders = [layer(5, 3), layer(3, 2)], [layer(3, 5), layer(2, 3)]
    x = rng.random((4, 5)).astype(np.float32)
    h = x
    for params in encoder:
        h = _sigmoid(h @ params["kernel"] + params["bias"])
    for params in decoders[::-1]:
        h = _sigmoid(h @ params["kernel"] + params["bias"])
    np.testing.assert_allclose(stacked_reconstruct(encoder, decoders, x), h, rtol=1e-5)
    with pytest.raises(ValueError, match="one decoder per encoder layer"):
        stacked_reconstruct(encoder, decoders[:1], x)


def test_fine_tuning_changes_every_layer_and_lowers_the_reconstruction_error():
    x = load_digits(split="all")["image"][:128].reshape(128, -1)
    encoder, decoders = greedy_layerwise_pretrain(
        x, (16, 4), optax.adam(1e-2), num_steps=30, batch_size=64, return_decoders=True
    )
    tuned_encoder, tuned_decoders = fine_tune_stack(
        x, encoder, decoders, optax.adam(1e-2), num_steps=60, batch_size=64
    )

    def error(enc, dec):
        return float(jnp.mean(jnp.square(stacked_reconstruct(enc, dec, x) - x)))

    pretrained, tuned = error(encoder, decoders), error(tuned_encoder, tuned_decoders)
    assert tuned < 0.95 * pretrained, (pretrained, tuned)
    for before, after in zip(
        jax.tree.leaves((encoder, decoders)),
        jax.tree.leaves((tuned_encoder, tuned_decoders)),
        strict=True,
    ):
        assert not np.allclose(before, after)


def test_fine_tune_step_names_a_missing_batch_key():
    step = make_stack_fine_tune_step(
        optax.adam(1e-3),
        encoder=[{"kernel": np.zeros((4, 2)), "bias": np.zeros(2)}],
        decoders=[{"kernel": np.zeros((2, 4)), "bias": np.zeros(4)}],
    )
    with pytest.raises(KeyError, match="data_key"):
        step.init(jax.random.key(0), {"image": np.zeros((2, 4), np.float32)})
