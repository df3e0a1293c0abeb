"""MADE: exact autoregressive structure, normalisation, sampling, the likelihood Step."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gen_jax.algorithms.likelihood import make_likelihood_step
from gen_jax.models.autoregressive.made import (
    MADE,
    made_degrees,
    made_ensemble_log_prob,
    made_log_prob,
    made_masks,
    made_sample,
)


def _all_binary(num_dims):
    return jnp.asarray(list(itertools.product([0.0, 1.0], repeat=num_dims)), jnp.float32)


def _init(model, num_dims, seed=0):
    params = model.init(jax.random.key(seed), jnp.zeros((1, num_dims)))["params"]
    # larger weights than the default so that every allowed path carries signal
    return jax.tree.map(lambda p: 3.0 * p + 0.1, params)


@pytest.mark.parametrize("ordering", ["natural", "random"])
def test_jacobian_is_zero_where_the_ordering_forbids(ordering):
    model = MADE(num_inputs=6, hidden_sizes=(16, 16), num_masks=3, ordering=ordering, seed=1)
    params = _init(model, 6)
    x = jax.random.bernoulli(jax.random.key(2), 0.5, (6,)).astype(jnp.float32)

    @jax.jit
    def jacobians(v):  # [mask, output i, input j]
        def logits(v, mask_index):
            return model.apply({"params": params}, v[None], mask_index)[0]

        return jax.vmap(jax.jacfwd(logits), in_axes=(None, 0))(v, jnp.arange(3))

    all_jacobians = np.asarray(jacobians(x))
    for mask_index in range(3):
        degrees = model.input_degrees()[mask_index]
        jacobian = all_jacobians[mask_index]
        forbidden = degrees[None, :] >= degrees[:, None]
        assert np.all(jacobian[forbidden] == 0.0)
        assert np.any(jacobian[~forbidden] != 0.0)
    if ordering == "random":
        assert len({tuple(d) for d in model.input_degrees()}) > 1


def test_masks_follow_the_degree_rule():
    degrees = made_degrees(5, (7,), 2, "random", 3)
    hidden_mask, output_mask = made_masks(5, (7,), 2, "random", 3)
    assert hidden_mask.shape == (2, 5, 7) and output_mask.shape == (2, 7, 5)
    np.testing.assert_array_equal(hidden_mask[1], degrees[1][1][None] >= degrees[0][1][:, None])
    np.testing.assert_array_equal(output_mask[0], degrees[0][0][None] > degrees[1][0][:, None])


def test_probabilities_sum_to_one_over_all_binary_vectors(x64):
    dtype = jnp.float64 if x64 else jnp.float32
    model = MADE(num_inputs=5, hidden_sizes=(12,), num_masks=4, ordering="random")
    x = _all_binary(5).astype(dtype)
    params = jax.tree.map(lambda p: p.astype(dtype), _init(model, 5))

    @jax.jit
    def totals():
        def one(mask_index):
            return made_log_prob(model, params, x, mask_index=mask_index)

        per_mask = jax.vmap(one)(jnp.arange(4))
        ensemble = made_ensemble_log_prob(model, params, x)
        return jnp.sum(jnp.exp(per_mask), axis=1), jnp.sum(jnp.exp(ensemble))

    per_mask, ensemble = totals()
    assert per_mask.dtype == dtype
    tolerance = 1e-12 if x64 else 1e-5
    np.testing.assert_allclose(per_mask, np.ones(4), rtol=tolerance)
    np.testing.assert_allclose(ensemble, 1.0, rtol=tolerance)


def test_sampling_frequencies_match_the_probabilities():
    model = MADE(num_inputs=3, hidden_sizes=(8,), num_masks=2, ordering="random", seed=4)
    params = _init(model, 3)
    x = _all_binary(3)
    samples = np.asarray(made_sample(model, params, 20000, key=jax.random.key(0), mask_index=1))
    codes = samples @ np.array([4, 2, 1])
    frequencies = np.bincount(codes.astype(int), minlength=8) / len(codes)
    logits = model.apply({"params": params}, x, 1)
    exact = np.exp(np.asarray(jnp.sum(x * logits - jax.nn.softplus(logits), axis=-1)))
    assert np.abs(frequencies - exact).max() < 0.015


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="num_inputs"):
        made_degrees(1, (4,), 1, "natural", 0)
    with pytest.raises(ValueError, match="ordering"):
        made_degrees(4, (4,), 1, "reverse", 0)
    model = MADE(num_inputs=4, hidden_sizes=(4,))
    with pytest.raises(ValueError, match="num_inputs"):
        model.init(jax.random.key(0), jnp.zeros((1, 5)))


def test_likelihood_step_lowers_the_nll_and_reports_bits_per_dim():
    rng = np.random.default_rng(0)
    prototypes = (rng.random((2, 8)) < 0.5).astype(np.float32)
    noise = rng.random((64, 8)) < 0.05
    data = np.abs(prototypes[rng.integers(0, 2, 64)] - noise).astype(np.float32)
    model = MADE(num_inputs=8, hidden_sizes=(32,), num_masks=2, ordering="random")
    step = make_likelihood_step(model, optax.adam(1e-2), made_log_prob, data_key="x")
    state = step.init(jax.random.key(0), {"x": data})
    update = jax.jit(step.update)
    first = None
    for index in range(150):
        state, metrics = update(state, {"x": data}, jax.random.key(index))
        first = first if first is not None else metrics
    assert float(metrics["nll"]) < 0.6 * float(first["nll"])
    np.testing.assert_allclose(metrics["bits_per_dim"], metrics["nll"] / (8 * np.log(2)), rtol=1e-6)
    with pytest.raises(KeyError, match="data_key"):
        step.init(jax.random.key(0), {"image": data})
