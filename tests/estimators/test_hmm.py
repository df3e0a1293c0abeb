"""CategoricalHMM, GaussianHMM and MarkovChain against hmmlearn, counts and closed forms."""

import jax
import numpy as np
import pytest
from hmmlearn import hmm as hmmlearn_hmm

from gen_jax.core.sharding import make_mesh, pad_and_shard
from gen_jax.estimators.hmm import CategoricalHMM, GaussianHMM
from gen_jax.estimators.hmm_programs import fit_baum_welch
from gen_jax.estimators.markov_chain import MarkovChain

LENGTHS = [40, 25, 35]
START = np.array([0.6, 0.3, 0.1])
TRANSMAT = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7]])
MEANS = np.array([[0.0, 0.0], [3.0, 3.0], [-3.0, 2.0]])
COVARS = {
    "full": np.array([[[1.0, 0.3], [0.3, 0.8]], [[0.6, 0.0], [0.0, 1.2]], np.eye(2)]),
    "diag": np.array([[1.0, 0.8], [0.6, 1.2], [1.0, 1.0]]),
    "spherical": np.array([1.0, 0.7, 1.3]),
    "tied": np.array([[1.0, 0.3], [0.3, 0.8]]),
}
EMISSIONPROB = np.array([[0.5, 0.3, 0.1, 0.1], [0.1, 0.1, 0.4, 0.4], [0.25, 0.25, 0.25, 0.25]])


def _set(model, **attributes):
    for name, value in attributes.items():
        setattr(model, name, np.array(value, copy=True))
    return model


def _gaussian_pair(covariance_type, n_iter=5):
    """An hmmlearn and a gen_jax model with the same (perturbed) starting parameters."""
    attributes = dict(
        startprob_=START, transmat_=TRANSMAT, means_=MEANS + 0.4, covars_=COVARS[covariance_type]
    )
    kwargs = dict(covariance_type=covariance_type, n_iter=n_iter, tol=0.0, init_params="")
    reference = _set(hmmlearn_hmm.GaussianHMM(3, **kwargs), **attributes)
    return reference, _set(GaussianHMM(3, **kwargs), **attributes)


def _gaussian_data(covariance_type="full", seed=1):
    source = _set(
        hmmlearn_hmm.GaussianHMM(3, covariance_type=covariance_type),
        startprob_=START,
        transmat_=TRANSMAT,
        means_=MEANS,
        covars_=COVARS[covariance_type],
    )
    x, states = source.sample(sum(LENGTHS), random_state=seed)
    return x, states


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "tied"])
def test_gaussian_hmm_tracks_hmmlearn(covariance_type):
    """Same parameters: same log-likelihood, Viterbi path and posteriors; then Baum-Welch
    from the same start follows hmmlearn iteration by iteration (float64)."""
    with jax.enable_x64(True):
        x, _ = _gaussian_data(covariance_type)
        reference, model = _gaussian_pair(covariance_type)
        np.testing.assert_allclose(model.score(x, LENGTHS), reference.score(x, LENGTHS), rtol=1e-10)
        log_prob, path = model.decode(x, LENGTHS)
        reference_log_prob, reference_path = reference.decode(x, LENGTHS)
        np.testing.assert_array_equal(path, reference_path)
        np.testing.assert_allclose(log_prob, reference_log_prob, rtol=1e-10)
        np.testing.assert_allclose(
            model.predict_proba(x, LENGTHS), reference.predict_proba(x, LENGTHS), atol=1e-10
        )
        model.fit(x, LENGTHS)
        reference.fit(x, LENGTHS)
        np.testing.assert_allclose(
            model.log_likelihood_history_, reference.monitor_.history, rtol=1e-10
        )
        np.testing.assert_allclose(model.transmat_, reference.transmat_, atol=1e-9)
        np.testing.assert_allclose(model.means_, reference.means_, atol=1e-9)
        expected_covars = reference._covars_
        if covariance_type == "spherical":
            expected_covars = expected_covars[:, 0]
        np.testing.assert_allclose(model.covars_, expected_covars, atol=1e-9)


def test_float32_log_likelihood_matches_hmmlearn_to_1e_5():
    x, _ = _gaussian_data()
    reference, model = _gaussian_pair("full")
    np.testing.assert_allclose(model.score(x, LENGTHS), reference.score(x, LENGTHS), rtol=1e-5)
    np.testing.assert_array_equal(model.predict(x, LENGTHS), reference.predict(x, LENGTHS))
    model.fit(x, LENGTHS)
    reference.fit(x, LENGTHS)
    np.testing.assert_allclose(model.log_likelihood_history_, reference.monitor_.history, rtol=1e-5)
    assert np.all(np.diff(model.log_likelihood_history_) > -1e-3)  # EM never decreases


def test_categorical_hmm_tracks_hmmlearn():
    with jax.enable_x64(True):
        source = _set(
            hmmlearn_hmm.CategoricalHMM(3),
            startprob_=START,
            transmat_=TRANSMAT,
            emissionprob_=EMISSIONPROB,
        )
        x, _ = source.sample(sum(LENGTHS), random_state=0)
        start = dict(startprob_=[0.4, 0.3, 0.3], transmat_=TRANSMAT, emissionprob_=EMISSIONPROB)
        kwargs = dict(n_iter=6, tol=0.0, init_params="", transmat_prior=1.5)
        reference = _set(hmmlearn_hmm.CategoricalHMM(3, **kwargs), **start)
        model = _set(CategoricalHMM(3, **kwargs), **start)
        np.testing.assert_allclose(model.score(x, LENGTHS), reference.score(x, LENGTHS), rtol=1e-10)
        np.testing.assert_array_equal(model.predict(x, LENGTHS), reference.predict(x, LENGTHS))
        model.fit(x, LENGTHS)
        reference.fit(x, LENGTHS)
        np.testing.assert_allclose(
            model.log_likelihood_history_, reference.monitor_.history, rtol=1e-10
        )
        np.testing.assert_allclose(model.emissionprob_, reference.emissionprob_, atol=1e-9)
        np.testing.assert_allclose(model.transmat_, reference.transmat_, atol=1e-9)


def test_sharded_em_on_8_devices_equals_1_device():
    x, _ = _gaussian_data()
    _, model = _gaussian_pair("diag")
    params, data, lengths, dtype = model._prepare(x, LENGTHS, fitting=True)
    em = model._model(params, dtype)
    results = []
    for devices in (1, 8):
        mesh = make_mesh(devices)
        weights = np.ones(lengths.size, dtype)
        xs, ws = pad_and_shard(data["x"], weights, mesh)
        mask, _ = pad_and_shard(data["mask"], weights, mesh)
        result = fit_baum_welch(em, {"x": xs, "mask": mask}, ws, np.asarray(0.0, dtype), max_iter=4)
        results.append(jax.device_get(result))
    for one, eight in zip(jax.tree.leaves(results[0]), jax.tree.leaves(results[1]), strict=True):
        np.testing.assert_allclose(one, eight, rtol=1e-5, atol=1e-6)


def test_left_right_zeros_survive_pseudo_counts_and_fixed_parameters_stay():
    x, _ = _gaussian_data()
    left_right = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0]])
    model = GaussianHMM(
        3, n_iter=3, tol=0.0, transmat_prior=2.0, startprob_prior=3.0, params="tm", init_params="m"
    )
    _set(model, startprob_=[1.0, 0.0, 0.0], transmat_=left_right, covars_=COVARS["diag"])
    model.fit(x, LENGTHS)
    assert (model.transmat_[left_right == 0] == 0).all()
    np.testing.assert_allclose(model.transmat_.sum(1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(model.startprob_, [1.0, 0.0, 0.0])  # 's' not learned
    np.testing.assert_allclose(model.covars_, COVARS["diag"], rtol=1e-6)  # 'c' not learned


def test_a_state_without_mass_gives_no_nan():
    x, _ = _gaussian_data()
    model = GaussianHMM(3, covariance_type="full", n_iter=3, tol=0.0, init_params="st")
    far = MEANS.copy()
    far[2] = [1e4, 1e4]  # no sample comes near: state 2 gets exactly zero posterior
    _set(model, means_=far, covars_=COVARS["full"])
    model.fit(x, LENGTHS)
    for value in (model.startprob_, model.transmat_, model.means_, model.covars_):
        assert np.isfinite(value).all()
    np.testing.assert_allclose(model.means_[2], far[2])  # keeps its initial parameters
    np.testing.assert_allclose(model.transmat_.sum(1), 1.0, rtol=1e-6)


def test_supervised_fit_equals_normalised_counts():
    x, states = _gaussian_data(seed=2)
    model = GaussianHMM(3, covariance_type="diag", covars_prior=0.0).fit_supervised(
        x, states, LENGTHS
    )
    chain = MarkovChain(3).fit(states, LENGTHS)
    np.testing.assert_allclose(model.transmat_, chain.transmat_, rtol=1e-5)
    np.testing.assert_allclose(model.startprob_, chain.startprob_, rtol=1e-5)
    for k in range(3):
        np.testing.assert_allclose(model.means_[k], x[states == k].mean(0), rtol=1e-4)
        np.testing.assert_allclose(model.covars_[k], x[states == k].var(0), rtol=1e-3)


def test_sampling_follows_the_parameters():
    model = _set(
        CategoricalHMM(3), startprob_=START, transmat_=TRANSMAT, emissionprob_=EMISSIONPROB
    )
    x, states = model.sample(20_000, key=jax.random.key(0))
    assert x.shape == (20_000, 1) and states.shape == (20_000,)
    for k in range(3):
        frequencies = np.bincount(x[states == k, 0], minlength=4) / np.sum(states == k)
        np.testing.assert_allclose(frequencies, EMISSIONPROB[k], atol=0.03)
    gaussian = _set(GaussianHMM(3, covariance_type="tied"), startprob_=START, transmat_=TRANSMAT)
    _set(gaussian, means_=MEANS, covars_=COVARS["tied"])
    samples, _ = gaussian.sample(7, key=jax.random.key(1))
    assert samples.shape == (7, 2)


def test_markov_chain_counts_and_scores():
    states = np.array([0, 1, 1, 2, 0, 0, 1, 2, 2])
    chain = MarkovChain(3, pseudo_count=1.0).fit(states, [4, 5])
    counts = np.array([[1, 2, 0], [0, 1, 2], [0, 0, 1]]) + 1.0
    np.testing.assert_allclose(chain.transmat_, counts / counts.sum(1, keepdims=True))
    np.testing.assert_allclose(chain.startprob_, np.array([3.0, 1.0, 1.0]) / 5)
    log_a = np.log(chain.transmat_)
    expected = np.log(chain.startprob_[0]) + log_a[0, 1] + log_a[1, 1] + log_a[1, 2]
    np.testing.assert_allclose(chain.score_samples(states, [4, 5])[0], expected)
    assert chain.sample(50, key=jax.random.key(0)).shape == (50,)


def test_bad_input_gives_clear_errors():
    model = _set(
        CategoricalHMM(3), startprob_=START, transmat_=TRANSMAT, emissionprob_=EMISSIONPROB
    )
    with pytest.raises(ValueError, match="symbol 4 .*outside the vocabulary of n_features=4"):
        model.score(np.array([[0], [4], [1]]))
    with pytest.raises(ValueError, match="lengths sum to 5 but X has 3 samples"):
        model.score(np.array([[0], [1], [2]]), lengths=[2, 3])
    bad = TRANSMAT.copy()
    bad[1, 1] = 0.5
    model.transmat_ = bad
    with pytest.raises(ValueError, match="transmat_ rows must sum to 1, but row 1 sums to 0.8"):
        model.score(np.array([[0], [1], [2]]))
    with pytest.raises(ValueError, match="means_ must be set before fit"):
        GaussianHMM(2, init_params="stc").fit(np.zeros((10, 1)))
    with pytest.raises(ValueError, match="params='stx' holds"):
        GaussianHMM(2, params="stx")
    with pytest.raises(ValueError, match="states holds symbol 3"):
        MarkovChain(3).fit([0, 1, 3])


def test_sample_with_integer_means_gives_floats():
    """Regression (issue 27): integer ``means_`` crashed ``sample`` with a dtype error."""
    model = _set(GaussianHMM(3), startprob_=START, transmat_=TRANSMAT, covars_=COVARS["diag"])
    model.means_ = np.array([[0, 0], [3, 3], [-3, 2]])
    x, states = model.sample(5, key=jax.random.key(0))
    assert x.dtype.kind == "f" and x.shape == (5, 2) and states.shape == (5,)
    assert np.isfinite(model.score(x))


def test_a_constant_column_fits_with_full_covariances():
    """Regression (issue 27): full covariances failed with a FloatingPointError once a
    state lost its mass on data with a constant column (where, after 30 iterations,
    hmmlearn's full covariances fail too); that state now keeps its initial covariance."""
    rng = np.random.default_rng(0)
    x = np.c_[rng.normal(size=(200, 2)), np.ones(200)]
    ours = GaussianHMM(2, covariance_type="full", n_iter=30, tol=0.0).fit(x, [100, 100])
    assert all(np.isfinite(getattr(ours, name)).all() for name in ("means_", "covars_"))
    np.testing.assert_allclose(ours.means_[:, 2], 1.0, rtol=1e-5)
    assert np.isfinite(ours.score(x, [100, 100]))
