"""The shared estimator base: fitted check, keys from random_state, EM results, criteria."""

import math
import warnings

import jax
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from gen_jax import estimators
from gen_jax.algorithms.em import EMResult
from gen_jax.estimators import (
    GMMHMM,
    PCFG,
    BayesianNetwork,
    BernoulliRBM,
    CategoricalHMM,
    CategoricalMixture,
    DeepBeliefNetwork,
    FullyVisibleSigmoidBeliefNet,
    GaussianHMM,
    GaussianMixture,
    LatentDirichletAllocation,
    MarkovChain,
    NaiveBayes,
    PCFGAuthorshipClassifier,
    PoissonHMM,
)
from gen_jax.estimators.base import Estimator, EstimatorMixin, key_from_random_state


def _key_data(key):
    return np.asarray(jax.random.key_data(key))


def _two_blobs(num_per_blob=40, seed=0):
    rng = np.random.default_rng(seed)
    return np.concatenate(
        [rng.normal(0.0, 1.0, (num_per_blob, 2)), rng.normal(6.0, 1.0, (num_per_blob, 2))]
    )


# -- the fitted check --------------------------------------------------------------------------
UNFITTED_CALLS = [
    (lambda: GaussianMixture(2), "predict", (np.zeros((2, 2)),), "is not fitted yet", "fit(X)"),
    (lambda: GaussianMixture(2), "bic", (np.zeros((2, 2)),), "is not fitted yet", "fit(X)"),
    (lambda: CategoricalMixture(2), "score", (np.array([0, 1]),), "is not fitted yet", "fit(X)"),
    (
        lambda: CategoricalHMM(2),
        "score",
        (np.array([[0], [1]]),),
        "has no parameters yet",
        "fit(X) or set startprob_, transmat_, emissionprob_",
    ),
    (
        lambda: GaussianHMM(2),
        "sample",
        (3,),
        "has no parameters yet",
        "fit(X) or set startprob_, transmat_, means_, covars_",
    ),
    (
        lambda: GMMHMM(2, 2),
        "sample",
        (),
        "has no parameters yet",
        "fit(X) or set startprob_, transmat_, weights_, means_, covars_",
    ),
    (
        lambda: PoissonHMM(2),
        "score",
        (np.zeros((2, 1)),),
        "has no parameters yet",
        "fit(X) or set startprob_, transmat_, lambdas_",
    ),
    (lambda: MarkovChain(2), "score_samples", ([0, 1],), "is not fitted yet", "fit(states)"),
    (
        lambda: PCFGAuthorshipClassifier(),
        "predict",
        ([["a b"]],),
        "is not fitted yet",
        "fit(treebanks)",
    ),
    (
        lambda: LatentDirichletAllocation(2),
        "transform",
        (np.ones((2, 3)),),
        "is not fitted yet",
        "fit(X)",
    ),
    (
        lambda: BayesianNetwork([("a", "b")]),
        "query",
        ("a",),
        "has no CPTs yet",
        "fit(data) or pass cpts=...",
    ),
    (lambda: NaiveBayes(), "predict", (np.zeros((2, 2)),), "is not fitted yet", "fit(X, y)"),
    (lambda: BernoulliRBM(2), "transform", (np.zeros((2, 2)),), "is not fitted yet", "fit(X)"),
    (lambda: DeepBeliefNetwork((2,)), "sample", (1,), "is not fitted yet", "fit(X)"),
    (
        lambda: FullyVisibleSigmoidBeliefNet(),
        "score",
        (np.zeros((2, 2)),),
        "is not fitted yet",
        "fit(X)",
    ),
]


@pytest.mark.parametrize(
    "make, method, args, state, fit_call",
    UNFITTED_CALLS,
    ids=[f"{make().__class__.__name__}.{method}" for make, method, *_ in UNFITTED_CALLS],
)
def test_a_call_before_fit_names_the_method_and_the_fit(make, method, args, state, fit_call):
    estimator = make()
    name = type(estimator).__name__
    expected = (
        f"{name}.{method}() needs a fitted model, but this {name} {state}; call {fit_call} first"
    )
    with pytest.raises(NotFittedError) as raised:
        getattr(estimator, method)(*args)
    assert str(raised.value) == expected
    # scikit-learn's type: existing `except ValueError` / `except AttributeError` still catch it
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, AttributeError)


def test_every_estimator_class_has_the_fitted_check():
    checked = {make().__class__ for make, *_ in UNFITTED_CALLS}
    without_fit_check = {PCFG}  # usable as soon as it is built: its rules are its parameters
    exported = {getattr(estimators, name) for name in estimators.__all__}
    assert checked == exported - without_fit_check
    assert all(issubclass(cls, EstimatorMixin) for cls in exported)


def test_set_parameters_count_as_fitted_for_an_hmm():
    model = CategoricalHMM(2, init_params="")
    model.startprob_ = np.array([0.5, 0.5])
    model.transmat_ = np.array([[0.9, 0.1], [0.2, 0.8]])
    with pytest.raises(NotFittedError, match="set startprob_, transmat_, emissionprob_"):
        model.score(np.array([[0], [1]]))
    model.emissionprob_ = np.array([[0.7, 0.3], [0.1, 0.9]])
    assert np.isfinite(model.score(np.array([[0], [1]])))


# -- keys from random_state --------------------------------------------------------------------
def test_an_int_seed_gives_jax_random_key_of_it():
    np.testing.assert_array_equal(_key_data(key_from_random_state(7)), _key_data(jax.random.key(7)))
    np.testing.assert_array_equal(
        _key_data(key_from_random_state(np.int64(7))), _key_data(jax.random.key(7))
    )


def test_a_jax_key_is_used_as_it_is():
    typed = jax.random.key(3)
    raw = jax.random.PRNGKey(3)
    assert key_from_random_state(typed) is typed
    assert key_from_random_state(raw) is raw


def test_none_draws_fresh_keys():
    first, second = key_from_random_state(None), key_from_random_state(None)
    assert not np.array_equal(_key_data(first), _key_data(second))


@pytest.mark.parametrize("bad", [True, 1.5, "0"])
def test_other_random_states_are_refused_by_name(bad):
    with pytest.raises(TypeError, match="random_state=.*pass an int seed, None"):
        key_from_random_state(bad)


@pytest.mark.parametrize("make", [np.random.RandomState, np.random.default_rng])
def test_a_numpy_generator_gives_a_key_from_a_seed_it_draws(make):
    first = _key_data(key_from_random_state(make(0)))
    np.testing.assert_array_equal(first, _key_data(key_from_random_state(make(0))))
    generator = make(0)
    key_from_random_state(generator)
    assert not np.array_equal(first, _key_data(key_from_random_state(generator)))  # advanced
    x = _two_blobs()
    fitted = GaussianMixture(2, random_state=make(0)).fit(x)
    np.testing.assert_allclose(
        fitted.means_, GaussianMixture(2, random_state=make(0)).fit(x).means_
    )


def test_fit_uses_the_key_when_given_else_random_state():
    x = _two_blobs()
    seeded = GaussianMixture(2, init_params="random", random_state=5).fit(x)
    keyed = GaussianMixture(2, init_params="random", random_state=0).fit(x, key=jax.random.key(5))
    as_key = GaussianMixture(2, init_params="random", random_state=jax.random.key(5)).fit(x)
    np.testing.assert_array_equal(seeded.means_, keyed.means_)
    np.testing.assert_array_equal(seeded.means_, as_key.means_)
    fresh = GaussianMixture(2, random_state=None).fit(x)  # None: fresh entropy, still a fit
    assert np.isfinite(fresh.means_).all()


def test_a_second_stream_is_the_next_seed_or_a_fold_in():
    chain = MarkovChain(2, random_state=4)
    np.testing.assert_array_equal(_key_data(chain._key(stream=1)), _key_data(jax.random.key(5)))
    chain.random_state = jax.random.key(4)
    np.testing.assert_array_equal(
        _key_data(chain._key(stream=1)), _key_data(jax.random.fold_in(jax.random.key(4), 1))
    )
    given = jax.random.key(9)
    assert chain._key(given, stream=1) is given


def test_rbm_draws_successive_keys_from_its_random_state():
    x = (np.random.default_rng(0).random((20, 6)) > 0.5).astype(np.float64)
    first = BernoulliRBM(3, n_iter=2, random_state=0).fit(x)
    again = BernoulliRBM(3, n_iter=2, random_state=0).fit(x)
    np.testing.assert_array_equal(first.components_, again.components_)
    np.testing.assert_array_equal(first.sample(4, num_steps=3), again.sample(4, num_steps=3))
    assert not np.array_equal(_key_data(first._key(None)), _key_data(first._key(None)))


# -- EM results --------------------------------------------------------------------------------
def _result(num_iterations, converged, history):
    return EMResult(
        params=None,
        log_likelihood=np.asarray(history, np.float32),
        lower_bound=np.float32(history[num_iterations - 1]),
        converged=np.bool_(converged),
        num_iterations=np.int32(num_iterations),
    )


def test_an_em_result_is_stored_truncated_and_scaled():
    model = MarkovChain(2)
    model._store_em_result(_result(2, True, [-3.0, -2.0, np.nan]), history_scale=4)
    assert model.n_iter_ == 2 and model.converged_ is True
    np.testing.assert_array_equal(model.log_likelihood_history_, [-12.0, -8.0])


def test_no_warning_unless_asked():
    model = MarkovChain(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model._store_em_result(_result(1, False, [-3.0]))
    assert model.converged_ is False


def test_an_empty_component_is_reported_at_the_fit_call():
    x = np.repeat(np.array([[0.0, 0.0], [10.0, 10.0]]), 20, axis=0)
    means = np.array([[0.0, 0.0], [10.0, 10.0], [100.0, -100.0]])
    with pytest.warns(UserWarning, match=r"components \[2\] hold less than one sample") as caught:
        GaussianMixture(3, means_init=means, reg_covar=1e-3).fit(x)
    assert all(w.filename == __file__ for w in caught)
    assert "reg_covar keeps them finite" in str(caught[0].message)


def test_an_empty_categorical_component_names_pseudo_count():
    counts = np.repeat(np.array([[5, 0, 0], [0, 5, 0]]), 10, axis=0)
    probs = np.array([[0.98, 0.01, 0.01], [0.01, 0.98, 0.01], [0.01, 0.01, 0.98]])
    with pytest.warns(UserWarning, match=r"components \[2\].*pseudo_count keeps them finite"):
        CategoricalMixture(3, probs_init=probs, max_iter=200).fit(counts)


def test_non_convergence_is_a_convergence_warning_at_the_fit_call():
    with pytest.warns(ConvergenceWarning, match=r"did not converge in max_iter=1 .*tol=0.0") as w:
        model = GaussianMixture(2, max_iter=1, tol=0.0).fit(_two_blobs())
    assert issubclass(ConvergenceWarning, UserWarning)  # old `pytest.warns(UserWarning)` holds
    assert w[0].filename == __file__
    assert model.converged_ is False and model.n_iter_ == 1


def test_an_hmm_stopping_at_n_iter_does_not_warn():
    symbols = np.random.default_rng(0).integers(0, 3, (50, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = CategoricalHMM(2, n_iter=1, tol=0.0).fit(symbols)
    assert model.converged_ is False and model.log_likelihood_history_.shape == (1,)


# -- information criteria ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "covariance_type, num_parameters",
    [
        ("full", 2 * 3 + 2 * 2 + 1),  # K·D(D+1)/2 covariances, K·D means, K-1 weights
        ("tied", 3 + 2 * 2 + 1),
        ("diag", 2 * 2 + 2 * 2 + 1),
        ("spherical", 2 + 2 * 2 + 1),
    ],
)
def test_bic_and_aic_against_a_hand_count(covariance_type, num_parameters):
    x = _two_blobs()
    model = GaussianMixture(2, covariance_type=covariance_type).fit(x)
    log_likelihood = float(np.sum(model.score_samples(x)))
    assert model.bic(x) == pytest.approx(
        -2 * log_likelihood + num_parameters * math.log(len(x)), rel=1e-6
    )
    assert model.aic(x) == pytest.approx(-2 * log_likelihood + 2 * num_parameters, rel=1e-6)


# -- scikit-learn parameters -------------------------------------------------------------------
def _parameterised():
    return [
        GaussianMixture(3, covariance_type="diag", means_init=np.zeros((3, 2))),
        CategoricalMixture(2, pseudo_count=0.5),
        CategoricalHMM(2, n_iter=3),
        GaussianHMM(2, covariance_type="full"),
        MarkovChain(3, pseudo_count=1.0),
        PCFGAuthorshipClassifier(pseudo_count=0.25),
        LatentDirichletAllocation(4, method="online"),
        NaiveBayes("gaussian", var_smoothing=1e-6),
        BernoulliRBM(5, learning_rate=0.05),
        DeepBeliefNetwork((4, 2), n_iter=3),
        FullyVisibleSigmoidBeliefNet(max_iter=7),
    ]


@pytest.mark.parametrize("estimator", _parameterised(), ids=lambda e: type(e).__name__)
def test_get_params_and_clone(estimator):
    assert isinstance(estimator, Estimator)
    params = estimator.get_params()
    copy = clone(estimator)
    assert type(copy) is type(estimator)
    for name, value in params.items():
        np.testing.assert_equal(getattr(copy, name), value)
    assert repr(estimator).startswith(type(estimator).__name__ + "(")


def test_clone_drops_fitted_state_and_set_params_rebuilds_what_depends_on_it():
    x = _two_blobs()
    model = GaussianMixture(2).fit(x)
    assert not hasattr(clone(model), "weights_")
    model.set_params(covariance_type="diag", reg_covar=1e-3)
    assert model.model.covariance_type == "diag" and model.model.reg_covar == 1e-3
    assert model.fit(x).covariances_.shape == (2, 2)
    lda = LatentDirichletAllocation(4).set_params(n_components=5)
    assert lda.doc_topic_prior_ == lda.topic_word_prior_ == 0.2
    assert lda.model.doc_topic_prior == 0.2


def test_dbn_layers_get_the_shared_hyperparameters():
    x = (np.random.default_rng(1).random((20, 6)) > 0.5).astype(np.float64)
    dbn = DeepBeliefNetwork((3, 2), learning_rate=0.2, batch_size=5, n_iter=2).fit(x)
    for layer in dbn.rbms_:
        assert (layer.learning_rate, layer.batch_size, layer.n_iter) == (0.2, 5, 2)


def test_a_network_built_with_cpts_is_usable_at_once():
    """(``get_params``/``clone`` of BayesianNetwork and PCFG: test_clone_bayesnet_pcfg.py.)"""
    network = BayesianNetwork(
        [("a", "b")], cpts={"a": np.array([0.4, 0.6]), "b": np.array([[0.9, 0.1], [0.2, 0.8]])}
    )
    assert network.query("b").shape == (2,)  # built with cpts: fitted at once
    assert np.isfinite(network.score(np.array([[0, 1]])))
