"""CategoricalMixture: enumeration and scipy references, a numpy EM step, sharding, errors."""

import itertools
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import optimize, special, stats
from sklearn.exceptions import NotFittedError
from sklearn.metrics import adjusted_rand_score

from gen_jax.algorithms.em import em_iteration, fit_em
from gen_jax.core.sharding import batch_sharding, make_mesh
from gen_jax.estimators.categorical_mixture import (
    CategoricalMixture,
    CategoricalMixtureEM,
    CategoricalMixtureParams,
)

WEIGHTS = np.array([0.3, 0.7])
PROBS = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])


def _float(x64):
    return np.float64 if x64 else np.float32


def _params(weights, probs, dtype):
    return CategoricalMixtureParams(
        weights=jnp.asarray(weights.astype(dtype)),
        log_probs=jnp.asarray(np.log(probs).astype(dtype)),
    )


def _all_bags(total, num_categories):
    """Every count vector of ``num_categories`` non-negative integers summing to ``total``."""
    return np.array(
        [c for c in itertools.product(range(total + 1), repeat=num_categories) if sum(c) == total]
    )


def _scipy_log_pmf(counts, weights, probs):
    probs = probs / probs.sum(1, keepdims=True)  # float32 rows: scipy wants a sum of 1 to eps
    per_component = np.stack(
        [stats.multinomial.logpmf(counts, counts.sum(1), p) for p in probs], axis=1
    )
    return special.logsumexp(per_component + np.log(weights), axis=1)


def _separated(seed=0, n=300, total=20):
    """Three components on disjoint blocks of four tokens out of twelve."""
    rng = np.random.default_rng(seed)
    probs = np.full((3, 12), 0.01)
    for k in range(3):
        probs[k, 4 * k : 4 * k + 4] = 1.0
    probs /= probs.sum(1, keepdims=True)
    labels = rng.integers(0, 3, n)
    counts = np.stack([rng.multinomial(total, probs[k]) for k in labels])
    return counts, labels, probs


@pytest.fixture(scope="module")
def fitted_counts():
    """Fitted once (float32) and shared: every estimator fit costs a compilation."""
    counts, labels, probs = _separated(seed=4)
    model = CategoricalMixture(3, n_init=3).fit(counts, key=jax.random.key(1))
    return model, counts, labels, probs


@pytest.fixture(scope="module")
def fitted_tokens():
    """One token per sample from eleven of twelve categories: token 11 is never seen."""
    tokens = np.random.default_rng(7).choice(11, 400, p=np.arange(1.0, 12.0) / 66)
    return CategoricalMixture(3, n_categories=12).fit(tokens), tokens


def test_log_likelihood_equals_enumeration_with_scipy(x64):
    dtype = _float(x64)
    rtol = 1e-12 if x64 else 1e-5
    e_step = jax.jit(
        lambda model, p, d: model.e_step(p, d, jnp.ones(len(d), dtype))[1], static_argnums=0
    )
    params = _params(WEIGHTS, PROBS, dtype)
    bags = [_all_bags(total, 3) for total in range(5)]
    everything = np.concatenate(bags)
    ours = np.asarray(
        e_step(CategoricalMixtureEM(3), params, jnp.asarray(everything.astype(dtype)))
    )
    np.testing.assert_allclose(
        ours, _scipy_log_pmf(everything, WEIGHTS, PROBS), rtol=rtol, atol=rtol
    )
    # A probability mass function over the bags of each size: each block sums to one.
    blocks = np.split(ours.astype(np.float64), np.cumsum([len(b) for b in bags])[:-1])
    np.testing.assert_allclose([special.logsumexp(b) for b in blocks], 0.0, atol=1e-5)
    # Without the coefficient: the probability of one ordering of the tokens.
    plain = CategoricalMixtureEM(3, include_multinomial_coefficient=False)
    ordered = e_step(plain, params, jnp.asarray(everything.astype(dtype)))
    coefficient = special.gammaln(everything.sum(1) + 1) - special.gammaln(everything + 1).sum(1)
    np.testing.assert_allclose(
        ordered, _scipy_log_pmf(everything, WEIGHTS, PROBS) - coefficient, rtol=rtol, atol=rtol
    )
    # Tokens are the one-hot special case.
    tokens = np.array([0, 1, 2, 2, 0])
    by_token = e_step(CategoricalMixtureEM(3), params, jnp.asarray(tokens))
    np.testing.assert_allclose(by_token, np.log(WEIGHTS @ PROBS)[tokens], rtol=rtol)


def test_estimator_scores_are_the_fitted_mixture(fitted_counts):
    model, counts, _, _ = fitted_counts
    assert model.probs_.dtype == np.float32
    expected = _scipy_log_pmf(counts, model.weights_, model.probs_.astype(np.float64))
    np.testing.assert_allclose(model.score_samples(counts), expected, rtol=1e-5)
    assert model.score(counts) == pytest.approx(expected.mean(), rel=1e-5)
    np.testing.assert_allclose(model.predict_proba(counts).sum(1), 1.0, rtol=1e-5)
    num_parameters = 3 * 11 + 2
    n = len(counts)
    assert model.bic(counts) == pytest.approx(
        -2 * expected.sum() + num_parameters * np.log(n), rel=1e-5
    )
    assert model.aic(counts) == pytest.approx(-2 * expected.sum() + 2 * num_parameters, rel=1e-5)
    # Token ids are accepted wherever counts are: the one-hot rows.
    tokens = np.array([0, 5, 11])
    np.testing.assert_allclose(
        model.score_samples(tokens), model.score_samples(np.eye(12, dtype=int)[tokens]), rtol=1e-6
    )


def _numpy_em_iteration(counts, sample_weight, weights, probs, pseudo_count):
    coefficient = special.gammaln(counts.sum(1) + 1) - special.gammaln(counts + 1).sum(1)
    joint = np.log(weights) + counts @ np.log(probs).T + coefficient[:, None]
    log_likelihood = special.logsumexp(joint, axis=1)
    resp = np.exp(joint - log_likelihood[:, None]) * sample_weight[:, None]
    smoothed = resp.T @ counts + pseudo_count
    new_weights = resp.sum(0) / resp.sum()
    new_probs = smoothed / smoothed.sum(1, keepdims=True)
    mean = np.sum(sample_weight * log_likelihood) / sample_weight.sum()
    return new_weights, new_probs, mean


@pytest.mark.parametrize("form", ["counts", "tokens"])
def test_one_em_iteration_matches_numpy(form, x64):
    dtype = _float(x64)
    rng = np.random.default_rng(3)
    weights, probs = np.array([0.2, 0.5, 0.3]), rng.dirichlet(np.ones(4), 3)
    if form == "counts":
        counts = rng.integers(0, 4, (25, 4))
        data = jnp.asarray(counts.astype(dtype))
    else:
        tokens = rng.integers(0, 4, 25)
        counts, data = np.eye(4)[tokens], jnp.asarray(tokens)
    sample_weight = rng.uniform(0.5, 2.0, 25)
    model = CategoricalMixtureEM(4, pseudo_count=0.1)
    step = jax.jit(lambda p, d, w: em_iteration(model, p, d, w))
    new, mean = step(_params(weights, probs, dtype), data, jnp.asarray(sample_weight.astype(dtype)))
    expected_weights, expected_probs, expected_mean = _numpy_em_iteration(
        counts, sample_weight, weights, probs, 0.1
    )
    rtol = 1e-10 if x64 else 1e-5
    np.testing.assert_allclose(new.weights, expected_weights, rtol=rtol)
    np.testing.assert_allclose(np.exp(new.log_probs), expected_probs, rtol=rtol)
    np.testing.assert_allclose(mean, expected_mean, rtol=rtol)


def _overlapping():
    counts, _, _ = _separated(seed=1, n=200, total=6)
    return counts + np.random.default_rng(2).integers(0, 3, counts.shape)


@pytest.mark.parametrize("init_params", ["random", "random_from_data"])
def test_log_likelihood_never_decreases(init_params):
    # A negligible pseudo-count: EM is then maximum likelihood, and monotone in it.
    with jax.enable_x64(True):
        for seed in range(4):
            model = CategoricalMixture(
                4, init_params=init_params, tol=1e-10, max_iter=60, pseudo_count=1e-12
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                history = model.fit(_overlapping(), key=jax.random.key(seed))
            history = history.log_likelihood_history_
            assert len(history) >= 3
            assert np.all(np.diff(history) >= -1e-10), (seed, np.diff(history).min())


def test_smoothed_em_never_decreases_the_penalised_log_likelihood():
    # With a pseudo-count, EM is MAP under a Dirichlet prior: what is monotone is
    # mean log-likelihood + alpha * sum(log p) / N, not the log-likelihood alone.
    with jax.enable_x64(True):
        counts = jnp.asarray(_overlapping().astype(np.float64))
        weights = jnp.ones(len(counts))
        model = CategoricalMixtureEM(12, pseudo_count=0.5)
        step = jax.jit(lambda p: em_iteration(model, p, counts, weights))
        rng = np.random.default_rng(0)
        for _ in range(3):
            params = _params(rng.dirichlet(np.ones(4)), rng.dirichlet(np.ones(12), 4), np.float64)
            objective = []
            for _ in range(40):
                prior = float(model.log_prior(params)) / len(counts)
                params, mean_log_likelihood = step(params)
                objective.append(float(mean_log_likelihood) + prior)
            assert np.all(np.diff(objective) >= -1e-12), np.diff(objective).min()


def test_recovers_well_separated_components(fitted_counts):
    model, counts, labels, probs = fitted_counts
    assert model.converged_
    assert adjusted_rand_score(labels, model.predict(counts)) > 0.9
    found, true = optimize.linear_sum_assignment(-np.log(model.probs_) @ probs.T)
    np.testing.assert_allclose(model.probs_[found], probs[true], atol=0.04)
    np.testing.assert_allclose(
        model.weights_[found], np.bincount(labels)[true] / len(labels), atol=0.02
    )


@pytest.mark.parametrize(
    "form, use_x64",
    [("counts", False), ("counts", True), ("tokens", False)],
    ids=["counts-float32", "counts-float64", "tokens-float32"],
)
def test_sharded_fit_equals_unsharded_fit_em(form, use_x64):
    dtype = _float(use_x64)
    rng = np.random.default_rng(5)
    n = 203  # not a multiple of 8: the estimator pads with zero-weight rows
    data = rng.integers(0, 5, (n, 6)) if form == "counts" else rng.integers(0, 6, n)
    sample_weight = rng.integers(0, 4, n).astype(float)
    start = dict(weights_init=np.array([0.4, 0.6]), probs_init=rng.dirichlet(np.ones(6), 2))
    with jax.enable_x64(use_x64):
        with pytest.warns(UserWarning, match="did not converge"):
            ours = CategoricalMixture(2, tol=0.0, max_iter=12, **start).fit(
                data, sample_weight=sample_weight
            )
        model = CategoricalMixtureEM(6)
        params = _params(start["weights_init"], start["probs_init"], dtype)
        array = data.astype(dtype) if form == "counts" else data.astype(np.int32)
        fit = jax.jit(lambda p, d, w: fit_em(model, p, d, weights=w, tol=0.0, max_iter=12))
        one = batch_sharding(make_mesh(1))
        unsharded = fit(
            params, jax.device_put(array, one), jax.device_put(sample_weight.astype(dtype), one)
        )
    rtol = 1e-10 if use_x64 else 2e-5
    np.testing.assert_allclose(ours.weights_, unsharded.params.weights, rtol=rtol)
    np.testing.assert_allclose(ours.log_probs_, unsharded.params.log_probs, rtol=rtol)
    np.testing.assert_allclose(ours.log_likelihood_history_, unsharded.log_likelihood, rtol=rtol)
    assert ours.n_iter_ == 12 and not ours.converged_


def test_samples_follow_the_fitted_mixture(fitted_tokens, fitted_counts):
    fitted, _ = fitted_tokens
    assert fitted.probs_.shape == (3, 12) and fitted.probs_[:, 11].max() < 1e-4  # unseen token
    drawn, components = fitted.sample(40_000, key=jax.random.key(0))
    assert drawn.shape == (40_000,) and components.shape == (40_000,)
    np.testing.assert_allclose(
        np.bincount(drawn, minlength=12) / 40_000, fitted.weights_ @ fitted.probs_, atol=0.01
    )
    totals = np.arange(2000) % 9
    counts, _ = fitted.sample(2000, key=jax.random.key(1), total_count=totals)
    assert counts.shape == (2000, 12) and (counts.sum(1) == totals).all()
    model = fitted_counts[0]
    bags, components = model.sample(2000, key=jax.random.key(2))
    assert model.total_count_ == 20
    assert bags.shape == (2000, 12) and (bags.sum(1) == 20).all()
    np.testing.assert_allclose(
        np.bincount(components, minlength=3) / 2000, model.weights_, atol=0.04
    )
    for k in range(3):
        np.testing.assert_allclose(bags[components == k].mean(0) / 20, model.probs_[k], atol=0.02)


@pytest.mark.parametrize(
    "kwargs, x, match",
    [
        ({}, np.array([[1, -2], [0, 1]]), "negative counts.*row 0"),
        ({}, np.array([[1.5, 2.0], [0.0, 1.0]]), "non-integer.*row 0"),
        ({}, np.array([[np.nan, 2.0], [0.0, 1.0]]), "non-finite"),
        ({}, np.array([0, 3, -1]), "negative token ids.*row 2"),
        (dict(n_categories=3), np.array([0, 1, 3, 2]), "token 3.*row 2.*n_categories=3"),
        (dict(n_categories=4), np.ones((3, 3), int), "3 count columns.*n_categories=4"),
        ({}, np.ones((3, 1), int), "ravel"),
        ({}, np.ones((2, 3, 4), int), "shape"),
        ({}, np.zeros((0,), int), "at least one sample"),
        ({}, np.zeros((4, 3), int), "no tokens"),
        (dict(n_components=5), np.array([0, 1, 2]), "only 3 samples"),
        (dict(weights_init=[0.5, 0.6]), np.array([0, 1, 2]), "weights_init"),
        (dict(probs_init=np.full((2, 2), 0.5)), np.array([0, 1, 2]), r"probs_init.*\(2, 3\)"),
        (dict(probs_init=[[1.0, 0.0], [0.5, 0.5]]), np.array([0, 1]), "probs_init.*positive"),
    ],
)
def test_bad_input_gives_clear_errors(kwargs, x, match):
    options = dict(n_components=2)
    options.update(kwargs)
    with pytest.raises(ValueError, match=match):
        CategoricalMixture(**options).fit(x)


def test_bad_arguments_are_named(fitted_tokens):
    with pytest.raises(TypeError, match="dtype"):
        CategoricalMixture(2).fit(np.array(["a", "b"]))
    for kwargs, match in [
        (dict(init_params="kmeans"), "init_params"),
        (dict(n_components=0), "n_components"),
        (dict(n_categories=0), "n_categories"),
        (dict(pseudo_count=0.0), "pseudo_count"),
        (dict(max_iter=0), "max_iter"),
    ]:
        with pytest.raises(ValueError, match=match):
            CategoricalMixture(**{"n_components": 2, **kwargs})
    with pytest.raises(NotFittedError, match="fit"):
        CategoricalMixture(2).predict(np.array([0, 1]))
    fitted, _ = fitted_tokens
    with pytest.raises(ValueError, match="token 12.*n_categories=12"):
        fitted.predict(np.array([3, 12]))
    with pytest.raises(ValueError, match="13 count columns"):
        fitted.score(np.ones((2, 13), int))
    with pytest.raises(ValueError, match="total_count"):
        fitted.sample(2, total_count=-1)
