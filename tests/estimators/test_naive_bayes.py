"""NaiveBayes against scikit-learn's four naive Bayes classifiers, sampling, bad input."""

import jax
import numpy as np
import pytest
from sklearn import naive_bayes as sk
from sklearn.exceptions import NotFittedError

from gen_jax.estimators.naive_bayes import NaiveBayes

RNG = np.random.default_rng(0)
LABELS = RNG.integers(0, 3, 120)
DATA = {
    "categorical": (RNG.integers(0, 4, (120, 5)) + LABELS[:, None]) % 5,
    "gaussian": RNG.normal(size=(120, 4)) + LABELS[:, None],
    "bernoulli": (RNG.random((120, 6)) < 0.2 + 0.25 * LABELS[:, None]).astype(float),
    "multinomial": RNG.poisson(1.0 + LABELS[:, None] * np.arange(6) / 3, (120, 6)),
}
PEERS = {
    "categorical": sk.CategoricalNB(alpha=0.5),
    "gaussian": sk.GaussianNB(),
    "bernoulli": sk.BernoulliNB(alpha=0.5),
    "multinomial": sk.MultinomialNB(alpha=0.5),
}


@pytest.mark.parametrize("kind", sorted(DATA))
def test_predict_proba_equals_scikit_learn(kind, x64):
    x = DATA[kind]
    ours = NaiveBayes(kind, alpha=0.5).fit(x, LABELS)
    peer = PEERS[kind].fit(x, LABELS)
    np.testing.assert_allclose(
        ours.predict_proba(x), peer.predict_proba(x), rtol=1e-9 if x64 else 1e-4, atol=1e-6
    )
    np.testing.assert_allclose(
        ours.predict_joint_log_proba(x), peer.predict_joint_log_proba(x), rtol=1e-9 if x64 else 1e-5
    )
    np.testing.assert_array_equal(ours.predict(x), peer.predict(x))


def test_samples_follow_the_fitted_model():
    model = NaiveBayes("categorical", alpha=1.0).fit(DATA["categorical"], LABELS)
    x, y = model.sample(20_000, key=jax.random.key(1))
    assert x.shape == (20_000, 5) and set(np.unique(y)) <= {0, 1, 2}
    np.testing.assert_allclose(np.bincount(y) / len(y), np.exp(model.class_log_prior_), atol=0.015)
    in_class = x[y == 1, 2]
    np.testing.assert_allclose(
        np.bincount(in_class, minlength=5) / len(in_class),
        np.exp(model.feature_log_prob_[1, 2]),
        atol=0.02,
    )
    gaussian = NaiveBayes("gaussian").fit(DATA["gaussian"], LABELS)
    xg, yg = gaussian.sample(20_000, key=jax.random.key(2))
    np.testing.assert_allclose(xg[yg == 2].mean(0), gaussian.theta_[2], atol=0.05)
    counts, _ = NaiveBayes("multinomial").fit(DATA["multinomial"], LABELS).sample(50, total_count=7)
    assert (counts.sum(1) == 7).all()


def test_one_class_is_the_independent_model():
    x = DATA["categorical"]
    model = NaiveBayes("categorical", alpha=0.0).fit(x)
    marginals = [np.bincount(x[:, j], minlength=5) / len(x) for j in range(5)]
    expected = sum(np.log(marginals[j][x[:, j]]) for j in range(5))
    np.testing.assert_allclose(model.score_samples(x), expected, rtol=1e-5)


def test_bad_input_gives_clear_errors():
    with pytest.raises(ValueError, match="kind='poisson'"):
        NaiveBayes("poisson")
    with pytest.raises(ValueError, match="alpha=-1"):
        NaiveBayes(alpha=-1)
    with pytest.raises(ValueError, match="non-integer or negative"):
        NaiveBayes("categorical").fit([[0.5, 1.0]], [0])
    with pytest.raises(ValueError, match="one label per row"):
        NaiveBayes("gaussian").fit(np.zeros((3, 2)), [0, 1])
    with pytest.raises(NotFittedError, match="not fitted"):
        NaiveBayes().predict([[0]])
    model = NaiveBayes("categorical").fit([[0, 1], [1, 0]], [0, 1])
    with pytest.raises(ValueError, match="unseen in fit"):
        model.predict([[2, 0]])


@pytest.mark.parametrize("kind", ["bernoulli", "multinomial"])
def test_alpha_zero_gives_exact_posteriors_not_nan(kind):
    """Regression (issue 27): ``alpha=0`` gave NaN for Bernoulli features and for
    multinomial rows with a zero count; a class that gives a present feature (or an absent
    Bernoulli one) zero probability now has posterior exactly 0."""
    x = np.array([[1, 0, 1], [1, 1, 0], [0, 0, 1], [0, 1, 1]])
    if kind == "multinomial":
        x = np.array([[2, 0, 1], [3, 0, 0], [0, 2, 1], [0, 1, 3]])
    y = np.array([0, 0, 1, 1])
    model = NaiveBayes(kind, alpha=0.0).fit(x, y)
    proba = model.predict_proba(x)
    np.testing.assert_array_equal(proba, np.eye(2)[y])
    np.testing.assert_array_equal(model.predict(x), y)
