"""Greedy layer-wise pretraining (gen_jax.algorithms.stacked)."""

import jax
import jax.numpy as jnp
import numpy as np
import optax

from gen_jax.algorithms.stacked import (
    greedy_layerwise_pretrain,
    make_layerwise_step,
    stacked_encode,
)


def test_layerwise_step_keeps_earlier_layers_frozen():
    batch = {"x": jax.random.uniform(jax.random.key(0), (16, 10))}
    first = make_layerwise_step(6, optax.adam(1e-2))
    state = first.init(jax.random.key(1), batch)
    layer_one = jax.device_get(state.params["layer"])
    second = make_layerwise_step(4, optax.adam(1e-2), frozen=[layer_one])
    state = second.init(jax.random.key(2), batch)
    before = jax.device_get(state.params)
    update = jax.jit(second.update)
    for index in range(3):
        state, metrics = update(state, batch, jax.random.key(index))
    after = jax.device_get(state.params)
    for a, b in zip(
        jax.tree.leaves(before["frozen"]), jax.tree.leaves(after["frozen"]), strict=True
    ):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(before["layer"]["kernel"], after["layer"]["kernel"])
    assert after["decoder"]["kernel"].shape == (4, 6)
    assert np.isfinite(metrics["loss"])


def test_greedy_pretraining_builds_a_stack_of_the_given_widths():
    x = np.random.default_rng(0).random((64, 12)).astype(np.float32)
    layers = greedy_layerwise_pretrain(x, (8, 4), optax.adam(1e-2), num_steps=40, batch_size=16)
    assert [layer["kernel"].shape for layer in layers] == [(12, 8), (8, 4)]
    codes = stacked_encode(layers, jnp.asarray(x))
    assert codes.shape == (64, 4)
    assert bool(jnp.all((codes > 0) & (codes < 1)))
