"""RBM math against brute-force enumeration, a quadrature, and AIS against exact log Z."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.models.boltzmann import rbm
from gen_jax.models.boltzmann.ais import base_rate_visible_bias, rbm_ais_log_partition


def random_params(num_visible, num_hidden, *, scale=1.0, seed=0, dtype=jnp.float32):
    rng = np.random.default_rng(seed)
    return rbm.RBMParams(
        weights=jnp.asarray(scale * rng.normal(size=(num_visible, num_hidden)), dtype),
        visible_bias=jnp.asarray(rng.normal(size=num_visible), dtype),
        hidden_bias=jnp.asarray(rng.normal(size=num_hidden), dtype),
    )


def binary_states(n):
    return np.array(list(itertools.product((0.0, 1.0), repeat=n)))


def brute_force_joint(params):
    """Log unnormalised joint ``-E(v, h)`` on every (v, h), in float64 numpy: [2^V, 2^H]."""
    w, b, c = (np.asarray(a, np.float64) for a in (params.weights, params.visible_bias,
                                                    params.hidden_bias))  # fmt: skip
    vs, hs = binary_states(w.shape[0]), binary_states(w.shape[1])
    return vs @ b[:, None] + (hs @ c)[None, :] + vs @ w @ hs.T, vs, hs


def test_free_energy_energy_and_conditionals_match_brute_force(x64):
    dtype = jnp.float64 if x64 else jnp.float32
    params = random_params(5, 3, dtype=dtype)
    joint, vs, hs = brute_force_joint(params)
    tol = dict(rtol=1e-10 if x64 else 1e-5, atol=1e-10 if x64 else 1e-5)
    v, h = jnp.asarray(vs, dtype), jnp.asarray(hs, dtype)
    energies = rbm.energy(params, v[:, None, :], h[None, :, :])
    np.testing.assert_allclose(energies, -joint, **tol)
    np.testing.assert_allclose(
        rbm.free_energy(params, v), -np.logaddexp.reduce(joint, axis=1), **tol
    )
    # p(h_j = 1 | v) and p(v_i = 1 | h) by summing the normalised joint.
    p_h_given_v = np.exp(joint - np.logaddexp.reduce(joint, axis=1, keepdims=True))
    np.testing.assert_allclose(rbm.hidden_probabilities(params, v), p_h_given_v @ hs, **tol)
    p_v_given_h = np.exp(joint - np.logaddexp.reduce(joint, axis=0, keepdims=True))
    np.testing.assert_allclose(rbm.visible_mean(params, h), (vs.T @ p_v_given_h).T, **tol)
    np.testing.assert_allclose(
        rbm.exact_log_partition(params), np.logaddexp.reduce(joint.ravel()), **tol
    )


def test_pseudo_log_likelihood_matches_brute_force_conditionals(x64):
    dtype = jnp.float64 if x64 else jnp.float32
    params = random_params(4, 3, seed=1, dtype=dtype)
    joint, vs, _ = brute_force_joint(params)
    log_p = np.logaddexp.reduce(joint, axis=1)  # log p*(v), index = binary number of v
    expected = np.zeros(len(vs))
    for n, v in enumerate(vs):
        for i in range(vs.shape[1]):
            flipped = v.copy()
            flipped[i] = 1 - flipped[i]
            m = int("".join(str(int(bit)) for bit in flipped), 2)
            expected[n] += log_p[n] - np.logaddexp(log_p[n], log_p[m])
    got = rbm.pseudo_log_likelihood(params, jnp.asarray(vs, dtype))
    np.testing.assert_allclose(got, expected, rtol=1e-9 if x64 else 1e-5)


def test_gaussian_rbm_free_energy_and_log_partition_match_quadrature():
    params = random_params(2, 2, scale=0.5, seed=2)
    grid = np.linspace(-9.0, 9.0, 721)
    step = grid[1] - grid[0]
    points = np.stack(np.meshgrid(grid, grid, indexing="ij"), -1).reshape(-1, 2)
    _, _, hs = brute_force_joint(params)
    w, b, c = (np.asarray(a, np.float64) for a in (params.weights, params.visible_bias,
                                                    params.hidden_bias))  # fmt: skip
    energies = 0.5 * np.sum((points - b) ** 2, -1)[:, None] - (hs @ c)[None] - points @ w @ hs.T
    free = -np.logaddexp.reduce(-energies, axis=1)
    np.testing.assert_allclose(
        rbm.free_energy(params, jnp.asarray(points[::997], jnp.float32), visible="gaussian"),
        free[::997],
        rtol=1e-5,
        atol=1e-5,
    )
    log_z = np.logaddexp.reduce(-free) + 2 * np.log(step)
    np.testing.assert_allclose(
        rbm.exact_log_partition(params, visible="gaussian"), log_z, rtol=1e-5
    )
    # E[v | h] = b + W h and p(h | v) as in the Bernoulli case.
    h = jnp.asarray(hs, jnp.float32)
    np.testing.assert_allclose(rbm.visible_mean(params, h, visible="gaussian"), b + hs @ w.T,
                               rtol=1e-6)  # fmt: skip


def test_gibbs_chain_samples_the_exact_distribution():
    params = random_params(3, 2, seed=3)
    joint, vs, _ = brute_force_joint(params)
    exact = np.exp(np.logaddexp.reduce(joint, axis=1) - np.logaddexp.reduce(joint.ravel()))
    start = jnp.zeros((20_000, 3))
    samples = np.asarray(rbm.gibbs_chain(params, start, key=jax.random.key(0), num_steps=30))
    codes = samples @ np.array([4, 2, 1])
    empirical = np.bincount(codes.astype(int), minlength=8) / len(codes)
    assert 0.5 * np.abs(empirical - exact).sum() < 0.02


@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
def test_ais_is_within_a_tenth_of_a_nat_of_exact_log_partition(visible):
    num_visible = 12 if visible == "bernoulli" else 6
    params = random_params(num_visible, 6, scale=0.5, seed=4)
    exact = float(rbm.exact_log_partition(params, visible=visible))
    data = jax.random.bernoulli(jax.random.key(1), 0.3, (50, num_visible)).astype(jnp.float32)
    base = base_rate_visible_bias(data) if visible == "bernoulli" else None
    result = rbm_ais_log_partition(
        params, key=jax.random.key(0), num_chains=200, num_betas=1000,
        base_visible_bias=base, visible=visible,
    )  # fmt: skip
    assert abs(float(result.log_partition) - exact) < 0.1
    assert float(result.effective_sample_size) > 20


def test_reconstruct_is_the_mean_field_pass():
    params = random_params(4, 3, seed=5)
    v = jnp.asarray(binary_states(4), jnp.float32)
    h = jax.nn.sigmoid(v @ params.weights + params.hidden_bias)
    expected = jax.nn.sigmoid(h @ params.weights.T + params.visible_bias)
    np.testing.assert_allclose(rbm.reconstruct(params, v), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="visible='binary'"):
        rbm.free_energy(params, v, visible="binary")
