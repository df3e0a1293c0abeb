"""The shared EM machinery: sharding, the on-device loop, stochastic EM."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.algorithms.em import fit_em, make_stochastic_em_step
from gen_jax.core.sharding import batch_sharding, make_mesh
from gen_jax.core.step import compile_step
from gen_jax.models.mixture.gaussian import GaussianMixtureEM


def _data(seed=0, n=512):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [4.0, 4.0], [-4.0, 3.0]])
    return (centers[rng.integers(0, 3, n)] + rng.normal(size=(n, 2))).astype(np.float32)


def _initial(model, x, seed=1):
    """Responsibilities from the nearest of three random data points, then an M-step."""
    seeds = x[jax.random.choice(jax.random.key(seed), x.shape[0], (3,), replace=False)]
    nearest = jnp.argmin(jnp.sum((x[:, None] - seeds[None]) ** 2, axis=2), axis=1)
    resp = jax.nn.one_hot(nearest, 3, dtype=x.dtype)
    return model.m_step(model.statistics(x, resp, jnp.ones(x.shape[0], x.dtype)))


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_sharded_em_on_eight_devices_equals_one_device(covariance_type, x64):
    """Only the summation order differs; float32 second moments lose digits to
    cancellation (``E[xx'] - mu mu'``), hence the looser float32 tolerance."""
    model = GaussianMixtureEM(covariance_type)
    x = _data().astype(np.float64 if x64 else np.float32)
    params = _initial(model, jnp.asarray(x))
    fit = jax.jit(lambda p, data: fit_em(model, p, data, tol=0.0, max_iter=3))
    results = [fit(params, jax.device_put(x, batch_sharding(make_mesh(n)))) for n in (1, 8)]
    tolerance = 1e-10 if x64 else 1e-4
    for a, b in zip(jax.tree.leaves(results[0]), jax.tree.leaves(results[1]), strict=True):
        np.testing.assert_allclose(a, b, rtol=tolerance, atol=tolerance)


def test_fit_em_stops_at_tolerance_and_records_history():
    model = GaussianMixtureEM("diag")
    x = jnp.asarray(_data())
    result = jax.jit(lambda p: fit_em(model, p, x, tol=1e-3, max_iter=200))(_initial(model, x))
    iterations = int(result.num_iterations)
    history = np.asarray(result.log_likelihood)
    assert bool(result.converged) and 1 < iterations < 200
    assert np.isfinite(history[:iterations]).all() and np.isnan(history[iterations:]).all()
    assert abs(history[iterations - 1] - history[iterations - 2]) < 1e-3
    assert float(result.lower_bound) == history[iterations - 1]


def test_stochastic_em_approaches_batch_em():
    model = GaussianMixtureEM("full")
    x = _data(n=2048)
    init = lambda key, data: _initial(model, jnp.asarray(x))
    step = make_stochastic_em_step(model, init, num_examples=len(x))
    batch_em = fit_em(
        model, _initial(model, jnp.asarray(x)), jnp.asarray(x), tol=1e-6, max_iter=300
    )
    state = step.init(jax.random.key(0), {"x": x[:128]})
    update = compile_step(step.update)
    order = np.random.default_rng(0).permutation(len(x))
    for epoch in range(4):
        for start in range(0, len(x), 128):
            batch = {"x": x[order[start : start + 128]]}
            state, metrics = update(state, batch, jax.random.key(epoch))
    _, log_likelihood = model.e_step(state.params, jnp.asarray(x), jnp.ones(len(x)))
    assert float(jnp.mean(log_likelihood)) > float(batch_em.lower_bound) - 0.02
    assert float(metrics["step_size"]) < 0.2


def test_bad_arguments():
    model = GaussianMixtureEM("diag")
    with pytest.raises(ValueError, match="max_iter"):
        fit_em(model, None, jnp.zeros((2, 2)), max_iter=0)
    with pytest.raises(ValueError, match="step_size_exponent"):
        make_stochastic_em_step(model, None, num_examples=10, step_size_exponent=0.3)
    with pytest.raises(ValueError, match="covariance_type"):
        GaussianMixtureEM("blocky")
