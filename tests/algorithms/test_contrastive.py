"""CD-k / PCD: the gradient against the exact one, training raises the exact likelihood,
PCD on 8 devices equals 1 device, and bad input."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gen_jax.algorithms.contrastive import (
    contrastive_gradients,
    contrastive_state_shardings,
    make_contrastive_step,
)
from gen_jax.core.sharding import batch_sharding, make_mesh, shard_batch
from gen_jax.core.step import compile_init, compile_step
from gen_jax.models.boltzmann import rbm


def prototype_data(num_rows=64, num_visible=6, seed=0):
    """Two binary prototypes with 10% of the bits flipped: [num_rows, num_visible] float32."""
    rng = np.random.default_rng(seed)
    prototypes = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 1, 1, 0, 1]], np.float32)[:, :num_visible]
    rows = prototypes[rng.integers(0, 2, num_rows)]
    flips = rng.random(rows.shape) < 0.1
    return np.where(flips, 1 - rows, rows).astype(np.float32)


def exact_mean_log_likelihood(params, data):
    return jnp.mean(rbm.log_likelihood(params, data, rbm.exact_log_partition(params)))


def test_gradient_with_equilibrated_chains_is_the_exact_gradient():
    params = rbm.init_rbm_params(jax.random.key(0), 6, 3, scale=0.7)
    params = params.replace(visible_bias=jnp.linspace(-1.0, 1.0, 6))
    data = jnp.asarray(prototype_data())
    exact = jax.grad(lambda p: -exact_mean_log_likelihood(p, data))(params)
    gradients = jax.jit(functools.partial(contrastive_gradients, num_gibbs_steps=25))
    grads, chains, metrics = gradients(
        params, data, key=jax.random.key(1), chains=jnp.zeros((20_000, 3))
    )
    for got, want in zip(jax.tree.leaves(grads), jax.tree.leaves(exact), strict=True):
        np.testing.assert_allclose(got, want, atol=0.015)
    assert chains.shape == (20_000, 3)
    np.testing.assert_allclose(
        metrics["free_energy_data"], jnp.mean(rbm.free_energy(params, data)), rtol=1e-6
    )


def test_cd1_training_raises_the_exact_log_likelihood():
    # PCD training is checked against scikit-learn in tests/models/test_rbm_estimator.py.
    data = prototype_data(num_rows=32)
    step = make_contrastive_step(optax.sgd(0.2), num_hidden=4, persistent=False)
    state = step.init(jax.random.key(0), {"x": data})
    before = float(exact_mean_log_likelihood(state.params, data))

    @jax.jit
    def train(state):
        def body(state, key):
            return step.update(state, {"x": data}, key)

        return jax.lax.scan(body, state, jax.random.split(jax.random.key(1), 300))

    state, metrics = train(state)
    after = float(exact_mean_log_likelihood(state.params, data))
    assert after > before + 0.8, (before, after)
    assert np.isfinite(metrics["grad_norm"]).all() and int(state.step) == 300


def _two_updates(step, batch, num_devices):
    mesh = make_mesh(num_devices)
    key = jax.random.key(0)
    shardings = contrastive_state_shardings(jax.eval_shape(step.init, key, batch), mesh)
    state = compile_init(step.init, mesh=mesh, state_sharding=shardings)(key, batch)
    update = compile_step(step.update, mesh=mesh, state_sharding=shardings)
    placed = shard_batch(batch, batch_sharding(mesh))
    for index in range(2):
        state, metrics = update(state, placed, jax.random.key(index + 1))
    assert state.chains.sharding.spec == shardings.chains.spec
    return jax.device_get((state, metrics))


def test_pcd_with_sharded_chains_on_eight_devices_equals_one_device():
    step = make_contrastive_step(optax.sgd(0.1), num_hidden=5, num_gibbs_steps=2)
    batch = {"x": prototype_data(num_rows=16)}
    one, eight = _two_updates(step, batch, 1), _two_updates(step, batch, 8)
    for a, b in zip(jax.tree.leaves(one), jax.tree.leaves(eight), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_bad_arguments_and_batches_give_clear_errors():
    with pytest.raises(ValueError, match="num_hidden=0"):
        make_contrastive_step(optax.sgd(0.1), num_hidden=0)
    with pytest.raises(ValueError, match="visible='poisson'"):
        make_contrastive_step(optax.sgd(0.1), num_hidden=2, visible="poisson")
    step = make_contrastive_step(optax.sgd(0.1), num_hidden=2)
    with pytest.raises(ValueError, match=r"flatten images"):
        step.init(jax.random.key(0), {"x": np.zeros((4, 2, 2), np.float32)})
    with pytest.raises(KeyError, match="expects 'x'"):
        step.init(jax.random.key(0), {"image": np.zeros((4, 2), np.float32)})
    params = rbm.init_rbm_params(jax.random.key(0), 2, 2)
    with pytest.raises(ValueError, match="num_gibbs_steps=0"):
        contrastive_gradients(params, jnp.zeros((4, 2)), key=jax.random.key(0), num_gibbs_steps=0)
