"""The fully visible sigmoid belief network: exact likelihood against enumeration, sampling
frequencies, maximum-likelihood fitting, bad input."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from sklearn.exceptions import NotFittedError

from gen_jax.algorithms.fvsbn import make_fvsbn_step
from gen_jax.estimators.fvsbn import FullyVisibleSigmoidBeliefNet
from gen_jax.models.autoregressive.fvsbn import fvsbn_log_prob, fvsbn_sample


def _random_params(num_visible, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return {
        # A full matrix: the upper triangle and diagonal must be ignored.
        "weights": rng.normal(0, 1.5, (num_visible, num_visible)).astype(dtype),
        "bias": rng.normal(0, 1.0, num_visible).astype(dtype),
    }


def _enumerated_log_probs(params, num_visible):
    """log p(x) of all 2^D vectors, one conditional at a time (plain Python/numpy)."""
    weights, bias = params["weights"], params["bias"]
    table = np.array(list(itertools.product([0, 1], repeat=num_visible)), np.float64)
    log_probs = []
    for x in table:
        total = 0.0
        for i in range(num_visible):
            logit = bias[i] + sum(weights[i, j] * x[j] for j in range(i))
            p_one = 1.0 / (1.0 + np.exp(-logit))
            total += np.log(p_one if x[i] == 1 else 1.0 - p_one)
        log_probs.append(total)
    return table, np.array(log_probs)


def test_log_prob_equals_enumeration_and_normalises(x64):
    params = _random_params(6, seed=0)
    table, expected = _enumerated_log_probs(params, 6)
    dtype = jnp.float64 if x64 else jnp.float32
    ours = jax.jit(fvsbn_log_prob)(
        jax.tree.map(lambda a: jnp.asarray(a, dtype), params), jnp.asarray(table, dtype)
    )
    np.testing.assert_allclose(ours, expected, rtol=1e-12 if x64 else 2e-5, atol=1e-5)
    assert float(jnp.sum(jnp.exp(ours))) == pytest.approx(1.0, abs=1e-12 if x64 else 1e-5)


def test_sampling_frequencies_match_the_exact_distribution():
    params = _random_params(4, seed=1, dtype=np.float32)
    table, log_probs = _enumerated_log_probs(params, 4)
    num_samples = 40_000
    samples = np.asarray(
        jax.jit(fvsbn_sample, static_argnums=2)(params, jax.random.key(0), num_samples)
    )
    assert set(np.unique(samples)) <= {0.0, 1.0}
    codes = samples.astype(int) @ (2 ** np.arange(3, -1, -1))
    frequencies = np.bincount(codes, minlength=16) / num_samples
    expected = np.exp(log_probs)  # table rows are in binary-code order
    standard_error = np.sqrt(expected * (1 - expected) / num_samples)
    assert np.all(np.abs(frequencies - expected) < 5 * standard_error + 1e-4)
    assert table.shape == (16, 4)


def test_fitting_raises_the_likelihood_to_the_truths():
    truth = jax.tree.map(jnp.asarray, _random_params(6, seed=2, dtype=np.float32))
    data = np.asarray(fvsbn_sample(truth, jax.random.key(1), 800)).astype(np.int64)
    model = FullyVisibleSigmoidBeliefNet(learning_rate=0.05, max_iter=300).fit(data)
    history = model.log_likelihood_history_
    assert history.shape == (300,)
    assert history[0] == pytest.approx(6 * np.log(0.5), abs=0.05)  # weights ~ 0 at the start
    assert history[-1] > history[0] + 0.5 and history[-1] >= history[-50] - 1e-4
    # The maximum-likelihood fit scores its training data at least as well as the truth.
    true_score = float(jnp.mean(fvsbn_log_prob(truth, jnp.asarray(data, jnp.float32))))
    assert model.score(data) >= true_score - 1e-3
    assert np.allclose(np.triu(model.weights_), 0)
    samples = model.sample(5, key=jax.random.key(2))
    assert samples.shape == (5, 6) and set(np.unique(samples)) <= {0, 1}


def test_step_update_lowers_the_loss_and_reports_metrics():
    step = make_fvsbn_step(optax.adam(0.1), l2_penalty=0.01)
    batch = {"x": jnp.asarray(np.random.default_rng(0).random((32, 5)) < 0.3, jnp.float32)}
    state = step.init(jax.random.key(0), batch)
    update = jax.jit(step.update)
    losses = []
    for _ in range(5):
        state, metrics = update(state, batch, jax.random.key(1))
        losses.append(float(metrics["loss"]))
    assert losses[-1] < losses[0] and set(metrics) == {"loss", "log_likelihood", "grad_norm"}
    with pytest.raises(KeyError, match="expects 'x'"):
        step.init(jax.random.key(0), {"image": batch["x"]})


@pytest.mark.parametrize(
    "x, error, message",
    [
        (np.array([0, 1, 1]), ValueError, "shape \\(3,\\).*\\[n_samples, n_features\\]"),
        (np.array([[0, 2], [1, 0]]), ValueError, "holds \\[2\\].*0/1 values"),
        (np.array([[0.0, np.nan]]), ValueError, "holds \\[nan\\]"),
        (np.array([["a", "b"]]), TypeError, "dtype <U1"),
    ],
)
def test_bad_data_gives_clear_errors(x, error, message):
    with pytest.raises(error, match=message):
        FullyVisibleSigmoidBeliefNet(max_iter=1).fit(x)


def test_bad_options_and_unfitted_use_give_clear_errors():
    with pytest.raises(ValueError, match="learning_rate=0"):
        FullyVisibleSigmoidBeliefNet(learning_rate=0)
    with pytest.raises(ValueError, match="max_iter=0"):
        FullyVisibleSigmoidBeliefNet(max_iter=0)
    with pytest.raises(NotFittedError, match="call fit"):
        FullyVisibleSigmoidBeliefNet().sample(3)
    model = FullyVisibleSigmoidBeliefNet(max_iter=2).fit(np.eye(3, dtype=int))
    with pytest.raises(ValueError, match="2 features but the model was fitted on 3"):
        model.score_samples(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="n_samples=0"):
        model.sample(0)
