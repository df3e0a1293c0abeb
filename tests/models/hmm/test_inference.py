"""HMM inference against brute-force enumeration, masks, and the parallel-scan versions."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.models.hmm.inference import (
    hmm_filter,
    hmm_posterior_sample,
    hmm_smoother,
    hmm_two_slice_marginals,
    hmm_viterbi,
    sample_markov_chain,
)
from gen_jax.models.hmm.parallel import parallel_hmm_filter, parallel_hmm_smoother

NUM_STATES, NUM_STEPS = 3, 6
PADDED_STEPS = NUM_STEPS + 4
# Jitted once per module, so tests sharing shapes share compilations.
smooth, parallel_smooth = jax.jit(hmm_smoother), jax.jit(parallel_hmm_smoother)
viterbi = jax.jit(hmm_viterbi)


def _model(seed=0, num_states=NUM_STATES, num_steps=NUM_STEPS, zeros=True):
    rng = np.random.default_rng(seed)
    start = rng.dirichlet(np.ones(num_states))
    transition = rng.dirichlet(np.ones(num_states), num_states)
    if zeros:  # a structural zero must stay impossible
        transition[0, 2] = 0.0
        transition[0] /= transition[0].sum()
    log_likelihoods = rng.normal(size=(num_steps, num_states)) * 2
    return start, transition, log_likelihoods


def _enumerate(start, transition, log_likelihoods):
    """Log joint of every state sequence: the brute-force reference."""
    num_steps, num_states = log_likelihoods.shape
    with np.errstate(divide="ignore"):
        log_start, log_transition = np.log(start), np.log(transition)
    paths = np.array(list(itertools.product(range(num_states), repeat=num_steps)))
    log_joint = log_start[paths[:, 0]] + log_likelihoods[np.arange(num_steps), paths].sum(1)
    log_joint += log_transition[paths[:, :-1], paths[:, 1:]].sum(1)
    return paths, log_joint


def _brute_force(start, transition, log_likelihoods):
    paths, log_joint = _enumerate(start, transition, log_likelihoods)
    log_evidence = np.logaddexp.reduce(log_joint)
    weights = np.exp(log_joint - log_evidence)
    num_steps, num_states = log_likelihoods.shape
    smoothed = np.stack([np.bincount(p, weights, num_states) for p in paths.T])
    pairs = np.zeros((num_steps - 1, num_states, num_states))
    for t in range(num_steps - 1):
        np.add.at(pairs[t], (paths[:, t], paths[:, t + 1]), weights)
    best = np.argmax(log_joint)
    return log_evidence, smoothed, pairs, paths[best], log_joint[best]


def _cast(*arrays):
    dtype = jax.dtypes.canonicalize_dtype(np.float64)
    return [jnp.asarray(a, dtype) for a in arrays]


def test_forward_backward_and_viterbi_equal_enumeration(x64):
    start, transition, log_likelihoods = _model()
    log_evidence, smoothed, pairs, best_path, best_log_joint = _brute_force(
        start, transition, log_likelihoods
    )
    args = _cast(start, transition, log_likelihoods)
    rtol = 1e-12 if x64 else 2e-6
    filtered = hmm_filter(*args)
    np.testing.assert_allclose(filtered.log_likelihood, log_evidence, rtol=rtol)
    np.testing.assert_allclose(jnp.sum(filtered.log_normalizers), log_evidence, rtol=rtol)
    # The last filtered distribution is the last smoothed one.
    np.testing.assert_allclose(np.exp(filtered.log_filtered[-1]), smoothed[-1], atol=10 * rtol)
    posterior = hmm_smoother(*args)
    np.testing.assert_allclose(posterior.smoothed_probs, smoothed, atol=10 * rtol)
    np.testing.assert_allclose(posterior.expected_transitions, pairs.sum(0), atol=10 * rtol)
    np.testing.assert_allclose(hmm_two_slice_marginals(*args), pairs, atol=10 * rtol)
    assert float(posterior.expected_transitions[0, 2]) == 0.0
    marginals_only = hmm_smoother(*args, transitions=False)
    np.testing.assert_allclose(marginals_only.smoothed_probs, smoothed, atol=10 * rtol)
    assert marginals_only.expected_transitions is None
    path, log_joint = hmm_viterbi(*args)
    np.testing.assert_array_equal(path, best_path)
    np.testing.assert_allclose(log_joint, best_log_joint, rtol=rtol)


@pytest.mark.parametrize("smoother", [smooth, parallel_smooth], ids=["seq", "par"])
def test_padding_changes_nothing(smoother):
    start, transition, log_likelihoods = _model(seed=1)
    padding = np.random.default_rng(2).normal(size=(4, NUM_STATES)) * 50  # garbage
    padded = np.concatenate([log_likelihoods, padding])
    mask = np.arange(PADDED_STEPS) < NUM_STEPS
    plain = smoother(*_cast(start, transition, log_likelihoods), None)
    masked = smoother(*_cast(start, transition, padded), mask)
    np.testing.assert_allclose(masked.log_likelihood, plain.log_likelihood, rtol=1e-6)
    np.testing.assert_allclose(masked.smoothed_probs[:NUM_STEPS], plain.smoothed_probs, atol=1e-6)
    assert float(jnp.abs(masked.smoothed_probs[NUM_STEPS:]).max()) == 0.0
    np.testing.assert_allclose(masked.expected_transitions, plain.expected_transitions, atol=1e-6)
    path, log_joint = viterbi(*_cast(start, transition, padded), mask)
    plain_path, plain_log_joint = viterbi(*_cast(start, transition, log_likelihoods), None)
    np.testing.assert_array_equal(path[:NUM_STEPS], plain_path)
    assert (np.asarray(path[NUM_STEPS:]) == int(plain_path[-1])).all()
    np.testing.assert_allclose(log_joint, plain_log_joint, rtol=1e-6)


def test_empty_sequence_has_log_likelihood_zero():
    start, transition, log_likelihoods = _cast(*_model(num_steps=PADDED_STEPS))
    mask = jnp.zeros(PADDED_STEPS, bool)
    for smoother in (smooth, parallel_smooth):
        posterior = smoother(start, transition, log_likelihoods, mask)
        assert float(posterior.log_likelihood) == 0.0
        assert float(jnp.abs(posterior.smoothed_probs).sum()) == 0.0
        assert float(jnp.abs(posterior.expected_transitions).sum()) == 0.0


def test_parallel_scan_equals_sequential(x64):
    start, transition, log_likelihoods = _model(seed=3, num_steps=PADDED_STEPS)
    # A large common offset: the scan's scales must not accumulate it (float32 precision).
    start, transition, log_likelihoods = _cast(start, transition, log_likelihoods - 1e4)
    mask = jnp.arange(PADDED_STEPS) < PADDED_STEPS - 3
    sequential = smooth(start, transition, log_likelihoods, mask)
    parallel = parallel_smooth(start, transition, log_likelihoods, mask)
    tol = 1e-10 if x64 else 1e-5
    np.testing.assert_allclose(parallel.log_likelihood, sequential.log_likelihood, rtol=tol)
    np.testing.assert_allclose(parallel.smoothed_probs, sequential.smoothed_probs, atol=tol)
    np.testing.assert_allclose(
        parallel.expected_transitions, sequential.expected_transitions, atol=tol * 10
    )
    seq_filter = hmm_filter(start, transition, log_likelihoods, mask)
    par_filter = parallel_hmm_filter(start, transition, log_likelihoods, mask)
    np.testing.assert_allclose(
        np.exp(par_filter.log_filtered), np.exp(seq_filter.log_filtered), atol=tol
    )
    np.testing.assert_allclose(par_filter.log_normalizers, seq_filter.log_normalizers, atol=tol)


def _numpy_log_likelihood(start, transition, log_likelihoods):
    """Float64 scaled forward recursion in plain numpy: the long-sequence reference."""
    shift = log_likelihoods.max(1, keepdims=True)
    emissions = np.exp(log_likelihoods - shift)
    alpha, total = start, 0.0
    for t in range(len(emissions)):
        alpha = (alpha if t == 0 else alpha @ transition) * emissions[t]
        total += np.log(alpha.sum())
        alpha = alpha / alpha.sum()
    return total + shift.sum()


def test_100000_steps_do_not_underflow():
    """Every per-step probability is small, so p(y) underflows any float, yet float32
    inference stays finite and agrees with a float64 reference to 1e-5 relative. (The
    associative scan is checked at this length by benchmarks/hmm.py --long: compiling it
    for 100,000 steps takes half a minute on a 2-core CPU.)"""
    num_steps = 100_000
    start, transition, log_likelihoods = _model(seed=4, num_steps=num_steps, zeros=False)
    log_likelihoods = log_likelihoods - 4.0  # about e^-4 per step: p(y) ~ e^-400000
    reference = _numpy_log_likelihood(start, transition, log_likelihoods)
    args = [jnp.asarray(a, jnp.float32) for a in (start, transition, log_likelihoods)]
    result = smooth(*args, None)
    path, log_joint = viterbi(*args, None)
    assert reference < -300_000
    np.testing.assert_allclose(result.log_likelihood, reference, rtol=1e-5)
    assert np.isfinite(np.asarray(result.smoothed_probs)).all()
    np.testing.assert_allclose(result.smoothed_probs.sum(1), 1.0, atol=1e-5)
    np.testing.assert_allclose(result.expected_transitions.sum(), num_steps - 1, rtol=1e-4)
    assert np.isfinite(float(log_joint)) and float(log_joint) < reference
    assert path.shape == (num_steps,)


def test_posterior_samples_follow_the_smoothed_marginals():
    start, transition, log_likelihoods = _cast(*_model(seed=5))
    _, smoothed, pairs, _, _ = _brute_force(*_model(seed=5))
    keys = jax.random.split(jax.random.key(0), 4000)
    draws = jax.jit(
        jax.vmap(lambda k: hmm_posterior_sample(start, transition, log_likelihoods, key=k))
    )(keys)
    draws = np.asarray(draws)
    frequencies = np.stack([(draws == k).mean(0) for k in range(NUM_STATES)], axis=1)
    np.testing.assert_allclose(frequencies, smoothed, atol=0.035)  # ~4.5 standard errors
    assert not ((draws[:, :-1] == 0) & (draws[:, 1:] == 2)).any()  # the structural zero


def test_markov_chain_samples_have_the_transition_frequencies():
    start, transition, _ = _cast(*_model(seed=6))
    states = np.asarray(sample_markov_chain(start, transition, 20_000, key=jax.random.key(1)))
    counts = np.zeros((NUM_STATES, NUM_STATES))
    np.add.at(counts, (states[:-1], states[1:]), 1)
    np.testing.assert_allclose(counts / counts.sum(1, keepdims=True), transition, atol=0.03)
