"""NaiveBayes's scikit-learn options against scikit-learn on the same data: partial_fit,
sample_weight, counts, min_categories, force_alpha, per-feature alpha, ComplementNB."""

import warnings

import numpy as np
import pytest
from sklearn import naive_bayes as sk

from gen_jax.estimators.naive_bayes import NaiveBayes

RNG = np.random.default_rng(1)
LABELS = RNG.integers(0, 3, 90)
WEIGHTS = RNG.uniform(0.2, 2.0, 90)
DATA = {
    "categorical": (RNG.integers(0, 4, (90, 4)) + LABELS[:, None]) % 5,
    "gaussian": RNG.normal(size=(90, 3)) + LABELS[:, None],
    "bernoulli": (RNG.random((90, 5)) < 0.2 + 0.25 * LABELS[:, None]).astype(float),
    "multinomial": RNG.poisson(1.0 + LABELS[:, None] * np.arange(5) / 3, (90, 5)),
    "complement": RNG.poisson(1.0 + LABELS[:, None] * np.arange(5) / 3, (90, 5)),
}
PEERS = {
    "categorical": sk.CategoricalNB,
    "gaussian": sk.GaussianNB,
    "bernoulli": sk.BernoulliNB,
    "multinomial": sk.MultinomialNB,
    "complement": sk.ComplementNB,
}
COUNTS = {
    "categorical": "category_count_",
    "gaussian": "theta_",
    "bernoulli": "feature_count_",
    "multinomial": "feature_count_",
    "complement": "feature_count_",
}


def _assert_same(ours, theirs, kind, x):
    np.testing.assert_allclose(ours.class_count_, theirs.class_count_, rtol=1e-12)
    for mine, peer in zip(getattr(ours, COUNTS[kind]), getattr(theirs, COUNTS[kind]), strict=True):
        np.testing.assert_allclose(mine, peer, rtol=1e-9, atol=1e-12)
    joint = theirs.predict_joint_log_proba(x)
    np.testing.assert_allclose(ours.predict_joint_log_proba(x), joint, rtol=1e-4, atol=1e-4)
    top_two = np.sort(joint, axis=1)[:, -2:]
    clear = top_two[:, 1] - top_two[:, 0] > 1e-3  # float32 may break a near tie either way
    np.testing.assert_array_equal(ours.predict(x)[clear], theirs.predict(x)[clear])


@pytest.mark.parametrize("kind", sorted(DATA))
def test_weighted_partial_fits_equal_scikit_learn(kind):
    x = DATA[kind]
    options = {} if kind == "gaussian" else {"alpha": 0.5}
    ours, theirs = NaiveBayes(kind, **options), PEERS[kind](**options)
    for part in (slice(0, 50), slice(50, 90)):
        ours.partial_fit(x[part], LABELS[part], classes=[0, 1, 2], sample_weight=WEIGHTS[part])
        theirs.partial_fit(x[part], LABELS[part], classes=[0, 1, 2], sample_weight=WEIGHTS[part])
    _assert_same(ours, theirs, kind, x)
    if kind == "gaussian":
        np.testing.assert_allclose(ours.var_, theirs.var_, rtol=1e-9)
        np.testing.assert_allclose(ours.class_prior_, theirs.class_prior_, rtol=1e-12)
    whole = NaiveBayes(kind, **options).fit(x, LABELS, sample_weight=WEIGHTS)
    np.testing.assert_allclose(whole.predict_proba(x), ours.predict_proba(x), rtol=1e-5, atol=1e-7)


def test_min_categories_as_scikit_learn():
    x = DATA["categorical"]
    ours = NaiveBayes("categorical", min_categories=[6, 5, 7, 2]).fit(x, LABELS)
    theirs = sk.CategoricalNB(min_categories=[6, 5, 7, 2]).fit(x, LABELS)
    np.testing.assert_array_equal(ours.n_categories_, theirs.n_categories_)
    _assert_same(ours, theirs, "categorical", x)
    assert ours.feature_log_prob_.shape == (3, 4, 7)


ALPHA = np.array([0.1, 0.5, 1.0, 2.0, 0.0])


@pytest.mark.parametrize("kind", ["multinomial", "complement"])
def test_per_feature_alpha_as_scikit_learn(kind):
    x = DATA[kind]
    ours = NaiveBayes(kind, alpha=ALPHA, force_alpha=False).fit(x, LABELS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn: alpha too small, set to 1e-10
        theirs = PEERS[kind](alpha=ALPHA, force_alpha=False).fit(x, LABELS)
    np.testing.assert_allclose(ours.feature_log_prob_, theirs.feature_log_prob_, rtol=1e-9)
    _assert_same(ours, theirs, kind, x)


def test_per_feature_alpha_bernoulli_in_closed_form():
    """scikit-learn 1.9's BernoulliNB fails on an array alpha (it adds ``[D]`` to ``[C]``)."""
    x = DATA["bernoulli"]
    model = NaiveBayes("bernoulli", alpha=ALPHA, force_alpha=False).fit(x, LABELS)
    alpha = np.maximum(ALPHA, 1e-10)
    onehot = np.eye(3)[LABELS]
    expected = np.log((onehot.T @ x + alpha) / (onehot.sum(0)[:, None] + 2 * alpha))
    np.testing.assert_allclose(model.feature_log_prob_, expected, rtol=1e-12)


def test_complement_norm_and_no_density():
    x = DATA["complement"]
    ours = NaiveBayes("complement", norm=True).fit(x, LABELS)
    theirs = sk.ComplementNB(norm=True).fit(x, LABELS)
    np.testing.assert_allclose(ours.feature_log_prob_, theirs.feature_log_prob_, rtol=1e-9)
    _assert_same(ours, theirs, "complement", x)
    with pytest.raises(ValueError, match="complement naive Bayes has none"):
        ours.sample(2)


def test_bad_alpha_and_partial_fit_calls_are_explained():
    with pytest.raises(ValueError, match="per-feature smoothing exists for"):
        NaiveBayes("categorical", alpha=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"one entry per feature \(5,\)"):
        NaiveBayes("multinomial", alpha=[1.0, 2.0]).fit(DATA["multinomial"], LABELS)
    with pytest.raises(ValueError, match="classes must be passed"):
        NaiveBayes("gaussian").partial_fit(DATA["gaussian"], LABELS)
    model = NaiveBayes("gaussian").partial_fit(DATA["gaussian"], LABELS, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="not among classes"):
        model.partial_fit(DATA["gaussian"][:1], [7])
