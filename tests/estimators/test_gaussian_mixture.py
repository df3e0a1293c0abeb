"""GaussianMixture against scikit-learn, brute-force identities and degenerate data."""

import warnings

import jax
import numpy as np
import pytest
from scipy import stats
from sklearn.exceptions import NotFittedError
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

from gen_jax.estimators.gaussian_mixture import GaussianMixture

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


def _blobs(seed=0, n_per=150, dims=3):
    rng = np.random.default_rng(seed)
    centers = [(0.0, 1.0), (5.0, 0.5), (-4.0, 2.0)]
    return np.concatenate([rng.normal(m, s, size=(n_per, dims)) for m, s in centers])


def _start(x, covariance_type, seed=1):
    """Deliberately poor but valid initial parameters, shared by both libraries."""
    rng = np.random.default_rng(seed)
    means = x[rng.choice(len(x), 3, replace=False)]
    d = x.shape[1]
    precisions = {
        "full": np.stack([np.eye(d)] * 3),
        "tied": np.eye(d),
        "diag": np.ones((3, d)),
        "spherical": np.ones(3),
    }[covariance_type]
    return dict(
        weights_init=np.array([0.2, 0.3, 0.5]), means_init=means, precisions_init=precisions
    )


# Nine features take the per-component density path of full covariances (gmm.py).
@pytest.mark.parametrize(
    "covariance_type, dims", [(name, 3) for name in COVARIANCE_TYPES] + [("full", 9)]
)
def test_matches_scikit_learn_from_identical_initial_parameters(covariance_type, dims, x64):
    dtype = np.float64 if x64 else np.float32
    x = _blobs(dims=dims).astype(dtype)
    start = _start(x, covariance_type)
    options = dict(covariance_type=covariance_type, tol=1e-4, max_iter=200, **start)
    ours = GaussianMixture(3, **options).fit(x)
    theirs = SklearnGaussianMixture(3, **options).fit(x)
    rtol = 1e-8 if x64 else 1e-4
    assert ours.n_iter_ == theirs.n_iter_ and ours.converged_ == theirs.converged_
    np.testing.assert_allclose(ours.lower_bound_, theirs.lower_bound_, rtol=rtol)
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(
            getattr(ours, name), getattr(theirs, name), rtol=rtol, atol=rtol, err_msg=name
        )
    # Inverting a float32 covariance amplifies its rounding: compare the factor loosely.
    np.testing.assert_allclose(
        ours.precisions_cholesky_,
        theirs.precisions_cholesky_,
        rtol=rtol,
        atol=1e-8 if x64 else 1e-3,
    )
    np.testing.assert_allclose(ours.score_samples(x), theirs.score_samples(x), rtol=rtol)
    np.testing.assert_allclose(
        ours.predict_proba(x), theirs.predict_proba(x), atol=1e-8 if x64 else 1e-3
    )
    np.testing.assert_allclose(ours.bic(x), theirs.bic(x), rtol=rtol)
    np.testing.assert_allclose(ours.aic(x), theirs.aic(x), rtol=rtol)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("init_params", ["kmeans", "random", "random_from_data"])
def test_log_likelihood_never_decreases(covariance_type, init_params):
    with jax.enable_x64(True):
        x = _blobs(seed=2)
        model = GaussianMixture(
            3, covariance_type=covariance_type, init_params=init_params, tol=1e-10, max_iter=60
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            history = model.fit(x, key=jax.random.key(4)).log_likelihood_history_
    assert len(history) >= 2
    assert np.all(np.diff(history) >= -1e-10), np.diff(history).min()


def test_score_samples_is_the_mixture_density():
    x = _blobs(dims=2).astype(np.float32)
    model = GaussianMixture(3).fit(x)
    expected = np.log(
        sum(
            w * stats.multivariate_normal(m, c).pdf(x)
            for w, m, c in zip(model.weights_, model.means_, model.covariances_, strict=True)
        )
    )
    np.testing.assert_allclose(model.score_samples(x), expected, rtol=1e-4)
    np.testing.assert_allclose(model.predict_proba(x).sum(1), 1.0, rtol=1e-5)
    assert model.score(x) == pytest.approx(expected.mean(), rel=1e-4)


def test_integer_sample_weights_equal_repeated_rows():
    with jax.enable_x64(True):
        x = _blobs(n_per=40)
        counts = np.random.default_rng(0).integers(0, 4, len(x))
        start = _start(x, "full")
        weighted = GaussianMixture(3, tol=1e-8, **start).fit(x, sample_weight=counts)
        repeated = GaussianMixture(3, tol=1e-8, **start).fit(np.repeat(x, counts, axis=0))
    np.testing.assert_allclose(weighted.means_, repeated.means_, rtol=1e-9)
    np.testing.assert_allclose(weighted.covariances_, repeated.covariances_, rtol=1e-9)
    np.testing.assert_allclose(weighted.lower_bound_, repeated.lower_bound_, rtol=1e-9)


def test_diag_treats_nan_as_missing():
    x = _blobs(dims=3).astype(np.float32)
    holes = x.copy()
    holes[::7, 1] = np.nan
    model = GaussianMixture(3, covariance_type="diag").fit(holes)
    assert np.isfinite(model.means_).all()
    row = holes[0]  # feature 1 missing: the density is the marginal over features 0, 2
    observed = ~np.isnan(row)
    expected = np.log(
        sum(
            w * stats.multivariate_normal(m[observed], np.diag(c[observed])).pdf(row[observed])
            for w, m, c in zip(model.weights_, model.means_, model.covariances_, strict=True)
        )
    )
    np.testing.assert_allclose(model.score_samples(holes[:1])[0], expected, rtol=1e-4)
    complete = GaussianMixture(3, covariance_type="diag").fit(x)
    by_position = lambda means: means[np.argsort(means[:, 0])]
    np.testing.assert_allclose(by_position(model.means_), by_position(complete.means_), atol=0.2)


def test_samples_follow_the_fitted_mixture():
    x = _blobs(dims=2)
    model = GaussianMixture(3).fit(x)
    samples, labels = model.sample(60_000, key=jax.random.key(0))
    assert samples.shape == (60_000, 2) and set(np.unique(labels)) <= {0, 1, 2}
    np.testing.assert_allclose(np.bincount(labels) / 60_000, model.weights_, atol=0.01)
    for k in range(3):
        np.testing.assert_allclose(samples[labels == k].mean(0), model.means_[k], atol=0.05)
        np.testing.assert_allclose(np.cov(samples[labels == k].T), model.covariances_[k], atol=0.08)


def test_more_restarts_never_do_worse():
    x = _blobs(seed=5)
    single = [
        GaussianMixture(3, init_params="random")
        .fit(x, key=jax.random.split(jax.random.key(9), 4)[i])
        .lower_bound_
        for i in range(4)
    ]
    best = GaussianMixture(3, init_params="random", n_init=4).fit(x, key=jax.random.key(9))
    assert best.lower_bound_ == pytest.approx(max(single), rel=1e-5)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_degenerate_data_gives_finite_parameters(covariance_type):
    duplicates = np.repeat(np.array([[1.0, 2.0], [3.0, -1.0]]), 50, axis=0)
    constant_feature = np.column_stack([_blobs(dims=1)[:, 0], np.full(450, 7.0)])
    for x in (duplicates, constant_feature):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = GaussianMixture(3, covariance_type=covariance_type, reg_covar=1e-4).fit(x)
        assert all(
            np.isfinite(getattr(model, a)).all()
            for a in ("weights_", "means_", "covariances_", "precisions_cholesky_")
        )
        assert np.isfinite(model.score(x))


def test_a_component_without_data_is_reported():
    x = np.repeat(np.array([[0.0, 0.0], [10.0, 10.0]]), 20, axis=0)
    means = np.array([[0.0, 0.0], [10.0, 10.0], [100.0, -100.0]])
    with pytest.warns(UserWarning, match=r"components \[2\] hold less than one sample"):
        model = GaussianMixture(3, means_init=means, reg_covar=1e-3).fit(x)
    assert np.isfinite(model.means_).all() and model.weights_[2] < 1e-6


@pytest.mark.parametrize(
    "kwargs, x, match",
    [
        ({}, np.array([[np.nan, 1.0], [0.0, 1.0], [2.0, 2.0]]), "NaN.*row 0.*diag"),
        ({}, np.array([[np.inf, 1.0], [0.0, 1.0]]), "inf"),
        ({}, np.arange(5.0), "reshape"),
        (dict(n_components=5), np.zeros((3, 2)), "only 3 samples"),
        (dict(weights_init=[0.5, 0.6]), np.zeros((4, 2)), "weights_init"),
        (dict(means_init=np.zeros((2, 3))), np.zeros((4, 2)), "means_init"),
        (
            dict(precisions_init=-np.ones(2), covariance_type="spherical"),
            np.zeros((4, 2)),
            "positive",
        ),
    ],
)
def test_bad_input_gives_clear_errors(kwargs, x, match):
    options = dict(n_components=2)
    options.update(kwargs)
    with pytest.raises(ValueError, match=match):
        GaussianMixture(**options).fit(x)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(covariance_type="banana"), "covariance_type"),
        (dict(init_params="x"), "init_params"),
        (dict(n_components=0), "n_components"),
        (dict(reg_covar=-1.0), "reg_covar"),
        (dict(max_iter=-1), "max_iter"),
    ],
)
def test_bad_hyperparameters_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GaussianMixture(**kwargs)


def test_unfitted_model_says_so():
    with pytest.raises(NotFittedError, match="fit"):
        GaussianMixture(2).predict(np.zeros((2, 2)))
