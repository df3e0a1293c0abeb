"""General Boltzmann machine: enumeration, annealed sampling, the learning rule, annealing."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gen_jax.algorithms.contrastive import make_boltzmann_step
from gen_jax.models.boltzmann import machine as boltzmann


def random_params(num_units=5, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return boltzmann.BoltzmannParams(
        weights=boltzmann.symmetrize(jnp.asarray(scale * rng.normal(size=(num_units,) * 2))),
        bias=jnp.asarray(rng.normal(size=num_units), jnp.float32),
    )


def brute_force(params):
    """Every state [2^N, N] and its exact probability, in float64 numpy."""
    w, b = np.asarray(params.weights, np.float64), np.asarray(params.bias, np.float64)
    states = np.array(list(itertools.product((0.0, 1.0), repeat=len(b))))
    log_p = (
        sum(
            w[i, j] * states[:, i] * states[:, j]
            for i in range(len(b))
            for j in range(i + 1, len(b))
        )
        + states @ b
    )  # −E with E = −Σ_{i<j} w_ij s_i s_j − b·s
    return states, np.exp(log_p - np.logaddexp.reduce(log_p)), np.logaddexp.reduce(log_p)


def test_energy_log_partition_and_likelihood_match_enumeration(x64):
    params = random_params()
    if x64:
        params = jax.tree.map(lambda a: a.astype(jnp.float64), params)
    states, probs, log_z = brute_force(params)
    tol = 1e-10 if x64 else 1e-5
    np.testing.assert_allclose(boltzmann.exact_log_partition(params), log_z, rtol=tol)
    np.testing.assert_allclose(
        jnp.exp(-boltzmann.energy(params, jnp.asarray(states, params.bias.dtype)) - log_z),
        probs,
        rtol=tol * 10,
    )
    # p(v) for the first 2 units visible, by summing the joint.
    v = states[::8, :2]
    marginal = probs.reshape(4, 8).sum(axis=1)
    np.testing.assert_allclose(
        jnp.exp(boltzmann.exact_log_likelihood(params, jnp.asarray(v, params.bias.dtype))),
        marginal,
        rtol=tol * 10,
    )


def test_learning_rule_is_the_exact_likelihood_gradient():
    params = random_params(seed=1, scale=0.5)
    data = jnp.asarray([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    (c_corr, c_mean), (f_corr, f_mean) = jax.jit(boltzmann.exact_statistics)(params, data)
    grad = jax.jit(jax.grad(lambda p: jnp.mean(boltzmann.exact_log_likelihood(p, data))))(params)
    off_diagonal = 1 - np.eye(5)
    # E uses ½ sᵀWs, so a symmetric pair (i, j) gets half the rule's change from each side.
    np.testing.assert_allclose(grad.weights * 2 * off_diagonal, (c_corr - f_corr) * off_diagonal,
                               atol=1e-5)  # fmt: skip
    np.testing.assert_allclose(grad.bias, c_mean - f_mean, atol=1e-5)


def test_annealing_to_temperature_one_samples_the_model_and_the_posterior():
    params = random_params(seed=2, scale=0.7)
    states, probs, _ = brute_force(params)
    temperatures = np.concatenate([boltzmann.geometric_temperatures(5.0, 1.0, 5), np.ones(15)])
    sample = jax.jit(boltzmann.anneal, static_argnames="num_clamped")
    start = jnp.zeros((20_000, 5))
    free = np.asarray(sample(params, start, key=jax.random.key(0), temperatures=temperatures))
    codes = (free @ 2.0 ** np.arange(4, -1, -1)).astype(int)
    empirical = np.bincount(codes, minlength=32) / len(codes)
    assert 0.5 * np.abs(empirical - probs).sum() < 0.03
    # Clamping the first two units to (1, 0) samples p(h | v).
    clamped_start = start.at[:, 0].set(1.0)
    clamped = np.asarray(
        sample(params, clamped_start, key=jax.random.key(1), temperatures=temperatures,
               num_clamped=2)
    )  # fmt: skip
    assert (clamped[:, :2] == [1.0, 0.0]).all()
    posterior = probs[16:24] / probs[16:24].sum()  # states with s0 = 1, s1 = 0
    empirical = np.bincount((clamped[:, 2:] @ [4, 2, 1]).astype(int), minlength=8) / len(clamped)
    assert 0.5 * np.abs(empirical - posterior).sum() < 0.03


def test_annealing_to_low_temperature_finds_the_ground_state():
    params = random_params(num_units=8, seed=3, scale=2.0)
    states, probs, _ = brute_force(params)
    ground = states[np.argmax(probs)]
    final = boltzmann.anneal(
        params,
        jnp.zeros((16, 8)),
        key=jax.random.key(0),
        temperatures=boltzmann.geometric_temperatures(10.0, 0.05, 60),
    )
    energies = np.asarray(boltzmann.energy(params, final))
    np.testing.assert_array_equal(final[np.argmin(energies)], ground)
    # The generic Metropolis optimiser escapes the local minimum of a double well.
    best, value = boltzmann.simulated_annealing(
        lambda x: (x**2 - 1.0) ** 2 + 0.3 * x,
        jnp.asarray(1.0),
        key=jax.random.key(1),
        temperatures=boltzmann.geometric_temperatures(2.0, 0.01, 200),
        proposal=lambda key, x: x + 0.3 * jax.random.normal(key, ()),
        steps_per_temperature=5,
    )
    assert -1.1 < float(best) < -0.9 and float(value) < -0.25


def test_clamped_against_free_training_raises_the_exact_likelihood():
    data = jnp.asarray(np.tile([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]], (8, 1)))
    step = make_boltzmann_step(optax.sgd(0.1), num_hidden=2)
    state = step.init(jax.random.key(0), {"x": data})
    before = float(jnp.mean(boltzmann.exact_log_likelihood(state.params, data)))

    @jax.jit
    def train(state):
        keys = jax.random.split(jax.random.key(1), 150)
        return jax.lax.scan(lambda s, k: step.update(s, {"x": data}, k), state, keys)

    state, metrics = train(state)
    after = float(jnp.mean(boltzmann.exact_log_likelihood(state.params, data)))
    assert after > before + 0.5, (before, after)
    boltzmann.check_params(state.params)  # still symmetric with a zero diagonal
    assert np.isfinite(metrics["grad_norm"]).all()


def test_bad_input_gives_clear_errors():
    bad = boltzmann.BoltzmannParams(weights=jnp.ones((3, 3)), bias=jnp.zeros(3))
    with pytest.raises(ValueError, match="symmetric with a zero diagonal"):
        boltzmann.check_params(bad)
    with pytest.raises(ValueError, match=r"expected \(2, 2\)"):
        boltzmann.check_params(boltzmann.BoltzmannParams(jnp.zeros((3, 3)), jnp.zeros(2)))
    with pytest.raises(ValueError, match="start >= end > 0"):
        boltzmann.geometric_temperatures(1.0, 0.0, 5)
    with pytest.raises(ValueError, match="every temperature must be > 0"):
        make_boltzmann_step(optax.sgd(0.1), num_hidden=1, temperatures=(1.0, 0.0))
