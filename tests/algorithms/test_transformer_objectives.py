"""The Transformers' token cross-entropy and nanoGPT's optimiser schedule."""

import jax
import numpy as np

from gen_jax.algorithms.transformer import gpt_adamw, masked_token_cross_entropy


def test_masked_token_cross_entropy_averages_only_weighted_positions():
    logits = np.log(np.array([[[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]]], np.float32))
    targets = np.array([[0, 2]], np.int32)
    loss, metrics = masked_token_cross_entropy(logits, targets, np.array([[1.0, 0.0]]))
    np.testing.assert_allclose(loss, np.log(2.0), rtol=1e-6)
    np.testing.assert_allclose(metrics["bits_per_token"], 1.0, rtol=1e-6)
    assert metrics["accuracy"] == 1.0
    smoothed, _ = masked_token_cross_entropy(logits, targets, np.ones((1, 2)), label_smoothing=0.3)
    expected = [
        -(0.8 * np.log(0.5) + 0.1 * np.log(0.25) + 0.1 * np.log(0.25)),
        -(0.1 * np.log(0.1) + 0.1 * np.log(0.8) + 0.8 * np.log(0.1)),
    ]
    np.testing.assert_allclose(smoothed, np.mean(expected), rtol=1e-5)


def test_gpt_adamw_warms_up_decays_and_spares_vectors_from_weight_decay():
    optimizer = gpt_adamw(learning_rate=1.0, min_learning_rate=0.1, warmup_steps=2, decay_steps=4)
    params = {"matrix": np.ones((2, 2), np.float32), "vector": np.ones(2, np.float32)}
    state = optimizer.init(params)
    zero = jax.tree.map(np.zeros_like, params)
    with jax.numpy_dtype_promotion("standard"):  # optax mixes Python floats and int32
        updates, state = optimizer.update(zero, state, params)  # step 0: learning rate 0
        assert all(np.all(leaf == 0) for leaf in jax.tree.leaves(updates))
        updates, state = optimizer.update(zero, state, params)  # step 1: rate 0.5
    np.testing.assert_allclose(updates["matrix"], -0.5 * 0.1, rtol=1e-6)  # decay only
    np.testing.assert_allclose(updates["vector"], 0.0)
