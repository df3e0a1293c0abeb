"""``BernoulliRBM`` against scikit-learn's: one update, inference, a fit on digits; bad input."""

import copy

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import BernoulliRBM as SklearnRBM

from gen_jax.data import load_digits
from gen_jax.estimators.bernoulli_rbm import BernoulliRBM, check_binary, even_batches
from gen_jax.models.boltzmann import rbm


def _set_params(estimator, components, visible, hidden, chains):
    estimator.components_ = components.copy()
    estimator.intercept_visible_ = visible.copy()
    estimator.intercept_hidden_ = hidden.copy()
    estimator.h_samples_ = chains.copy()
    estimator.n_features_in_ = components.shape[1]


def _random_setup(num_rows=8, num_visible=5, num_hidden=3, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.random((num_rows, num_visible)) < 0.5).astype(np.float64)
    components = 0.3 * rng.normal(size=(num_hidden, num_visible))
    hidden = rng.normal(size=num_hidden)
    chains = (rng.random((num_rows, num_hidden)) < 0.5).astype(np.float64)
    return x, components, hidden, chains


def test_partial_fit_is_scikit_learns_update():
    """Saturated visible biases make the negative phase deterministic on both sides."""
    x, components, hidden, chains = _random_setup()
    visible = np.array([40.0, -40.0, 40.0, -40.0, 40.0])
    with jax.enable_x64(True):
        ours = BernoulliRBM(3, learning_rate=0.1, batch_size=8)
        theirs = SklearnRBM(n_components=3, learning_rate=0.1, batch_size=8, random_state=0)
        for estimator in (ours, theirs):
            _set_params(estimator, components, visible, hidden, chains)
        ours.partial_fit(x, key=jax.random.key(0))
        theirs.partial_fit(x)
    for name in ("components_", "intercept_visible_", "intercept_hidden_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-12)


def test_transform_free_energy_and_pseudo_likelihood_match_scikit_learn():
    x, components, hidden, chains = _random_setup(num_rows=10, seed=1)
    visible = np.random.default_rng(2).normal(size=5)
    ours, theirs = BernoulliRBM(3, batch_size=10), SklearnRBM(n_components=3, batch_size=10)
    for estimator in (ours, theirs):
        _set_params(estimator, components, visible, hidden, chains)
    np.testing.assert_allclose(ours.transform(x), theirs.transform(x), rtol=1e-5)
    np.testing.assert_allclose(ours.free_energy(x), theirs._free_energy(x), rtol=1e-5)
    # scikit-learn's score is V * log σ(F(flip_i v) - F(v)) at one random i; its mean over
    # every i is the exact pseudo-log-likelihood.
    terms = []
    for i in range(x.shape[1]):
        flipped = x.copy()
        flipped[:, i] = 1 - flipped[:, i]
        terms.append(-np.logaddexp(0, -(theirs._free_energy(flipped) - theirs._free_energy(x))))
    np.testing.assert_allclose(ours.score_samples(x), np.sum(terms, axis=0), rtol=1e-5)


@pytest.fixture(scope="module")
def binary_digits():
    images = load_digits(split="train")["image"].reshape(-1, 64)
    return (images[:600] > 0.5).astype(np.float32)


@pytest.fixture(scope="module")
def fitted(binary_digits):
    options = dict(n_components=10, learning_rate=0.05, batch_size=10, n_iter=5)
    ours = BernoulliRBM(**options, random_state=0).fit(binary_digits)
    theirs = SklearnRBM(**options, random_state=0).fit(binary_digits)
    return ours, theirs


def _exact_log_likelihood(estimator, x):
    params = rbm.RBMParams(
        weights=jnp.asarray(estimator.components_.T, jnp.float32),
        visible_bias=jnp.asarray(estimator.intercept_visible_, jnp.float32),
        hidden_bias=jnp.asarray(estimator.intercept_hidden_, jnp.float32),
    )
    log_z = rbm.exact_log_partition(params)
    return float(jnp.mean(rbm.log_likelihood(params, jnp.asarray(x), log_z))), float(log_z)


def test_fit_on_digits_matches_scikit_learns_likelihood(fitted, binary_digits):
    ours, theirs = fitted
    start = -64 * np.log(2.0)  # the near-zero initial weights give about uniform p(v)
    ours_ll, _ = _exact_log_likelihood(ours, binary_digits)
    theirs_ll, _ = _exact_log_likelihood(theirs, binary_digits)
    assert ours_ll > start + 10 and theirs_ll > start + 10
    assert abs(ours_ll - theirs_ll) < 1.5, (ours_ll, theirs_ll)
    assert ours.components_.shape == (10, 64) and ours.h_samples_.shape == (10, 10)
    assert ours.free_energy_history_.shape == (5,)


def test_sample_and_ais_log_partition(fitted, binary_digits):
    ours, _ = fitted
    _, exact_log_z = _exact_log_likelihood(ours, binary_digits)
    log_z = ours.log_partition(key=jax.random.key(0), num_chains=100, num_betas=1000)
    assert abs(log_z - exact_log_z) < 0.2
    samples = ours.sample(6, key=jax.random.key(1), num_steps=20)
    assert samples.shape == (6, 64) and set(np.unique(samples)) <= {0.0, 1.0}
    assert ours.gibbs(binary_digits[:3], key=jax.random.key(2)).dtype == bool


def test_components_are_settable_and_partial_fit_continues(binary_digits):
    model = BernoulliRBM(4, batch_size=5, random_state=1)
    model.partial_fit(binary_digits[:5])
    model.components_ = np.zeros((4, 64), np.float32)
    model.intercept_hidden_ = np.array([0.0, 1.0, -1.0, 2.0], np.float32)
    expected = np.tile(1 / (1 + np.exp(-model.intercept_hidden_)), (2, 1))
    np.testing.assert_allclose(model.transform(binary_digits[:2]), expected, rtol=1e-6)
    model.partial_fit(binary_digits[5:10])
    assert np.abs(model.components_).sum() > 0


def test_even_batches_are_scikit_learns_slices():
    from sklearn.utils import gen_even_slices

    indices, weights = even_batches(23, 5)
    slices = list(gen_even_slices(25, 5, n_samples=23))
    assert indices.shape == (5, 5)
    for row, piece in enumerate(slices):
        np.testing.assert_array_equal(indices[row][weights[row] > 0], np.arange(23)[piece])


def test_bad_input_gives_clear_errors(fitted, binary_digits):
    model = BernoulliRBM(3, batch_size=5, n_iter=1)
    with pytest.raises(ValueError, match="non-binary value 0.5 at row 0.*allow_fractional"):
        model.fit(np.full((5, 4), 0.5))
    with pytest.raises(ValueError, match="value 16.0 at row 0.*scale it to"):
        model.fit(np.full((5, 4), 16.0))
    with pytest.raises(ValueError, match="1-D"):
        model.fit(np.zeros(4))
    with pytest.raises(ValueError, match="NaN"):
        model.fit(np.array([[0.0, np.nan]]))
    with pytest.raises(NotFittedError, match="not fitted"):
        model.transform(binary_digits[:2])
    check_binary(np.full((5, 4), 0.5), allow_fractional=True)  # probabilities are fine then
    fitted_model = copy.deepcopy(fitted[0])
    with pytest.raises(ValueError, match="has 63 features but this RBM has 64 visible"):
        fitted_model.transform(binary_digits[:2, :63])
    with pytest.raises(ValueError, match="non-binary value 0.5"):
        fitted_model.score_samples(np.full((2, 64), 0.5))
    fitted_model.intercept_hidden_ = np.zeros(4)
    with pytest.raises(ValueError, match="intercept_hidden_ has shape"):
        fitted_model.transform(binary_digits[:2])
    for bad in (dict(n_components=0), dict(batch_size=2.5), dict(learning_rate=-1.0)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            BernoulliRBM(**{"n_components": 3, **bad})
