"""GMMHMM and PoissonHMM against hmmlearn (recorded and live), brute-force enumeration of state
paths, fits from scratch, dtypes and bad input.

The recorded numbers come from hmmlearn 0.3.3 (scikit-learn 1.9.1, numpy float64) through
:func:`_hmmlearn_fit`, run on this module's data: ``python -c "from
tests.estimators.test_gmm_poisson_hmm import _hmmlearn_fit; print(_hmmlearn_fit('diag'))"``.
``test_live_hmmlearn`` repeats the comparison against the installed hmmlearn, with the
fitted parameters, posteriors, Viterbi paths and information criteria.
"""

import itertools

import jax
import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp
from sklearn.base import clone

from gen_jax.estimators import GMMHMM, PoissonHMM

LENGTHS = [30, 20]
START = np.array([0.7, 0.3])
TRANSMAT = np.array([[0.85, 0.15], [0.2, 0.8]])
WEIGHTS = np.array([[0.6, 0.4], [0.3, 0.7]])
MEANS = np.array([[[0.2, 0.1], [2.5, 1.2]], [[0.8, 2.5], [3.0, 3.0]]])
DIAG = np.array([[[1.0, 0.8], [0.9, 1.1]], [[1.2, 0.7], [1.0, 1.0]]])
COVARS = {
    "diag": DIAG,
    "spherical": DIAG.mean(-1),
    "full": np.array(
        [
            [[[1.0, 0.2], [0.2, 0.8]], [[0.9, -0.1], [-0.1, 1.1]]],
            [[[1.2, 0.3], [0.3, 0.7]], np.eye(2)],
        ]
    ),
    "tied": np.array([[[1.0, 0.2], [0.2, 0.8]], [[1.2, -0.3], [-0.3, 0.9]]]),
}
LAMBDAS = np.array([[1.5, 3.0, 2.5], [4.0, 1.5, 2.0]])
COVARIANCE_TYPES = ["diag", "spherical", "full", "tied"]
N_ITER = 4


def _gmm_data():
    rng = np.random.default_rng(0)
    blocks = [
        rng.normal([0.0, 0.0], 0.7, (15, 2)),
        rng.normal([3.0, 1.0], 0.8, (15, 2)),
        rng.normal([0.5, 3.0], 0.6, (10, 2)),
        rng.normal([3.5, 3.5], 0.9, (10, 2)),
    ]
    return np.concatenate(blocks)


def _counts():
    rng = np.random.default_rng(1)
    return np.concatenate(
        [rng.poisson([1.0, 4.0, 2.0], (25, 3)), rng.poisson([5.0, 1.0, 3.0], (25, 3))]
    )


# hmmlearn 0.3.3: score of the starting parameters, then monitor_.history of N_ITER
# iterations (the first entry is that score again), then the score after fit.
RECORDED_GMMHMM = {
    "diag": (
        -161.1086640409223,
        [-161.1086640409223, -144.70975138155057, -137.55982614141934, -135.22771969225818],
        -134.73193467442567,
    ),
    "spherical": (
        -160.88276375131346,
        [-160.88276375131346, -145.50309286573275, -138.400351120723, -137.06368056147346],
        -136.83128064263053,
    ),
    "full": (
        -160.84505678893086,
        [-160.84505678893086, -141.67203443171258, -133.15264824452294, -130.93481999471862],
        -130.61576383052648,
    ),
    "tied": (
        -159.7686556612857,
        [-159.7686556612857, -143.3107368095516, -135.88666515301645, -133.7314291488846],
        -132.75823465331908,
    ),
}
RECORDED_POISSON = (
    -287.26034051569343,
    [-287.26034051569343, -270.2252734137044, -269.3446410041721, -269.3077713769666],
    -269.30662833002134,
    [
        [1.0447420382862207, 3.875384425460059, 1.9594553991244095],
        [4.760814750178152, 1.0403762762804194, 2.561444779074869],
    ],
)


def _set(model, **attributes):
    for name, value in attributes.items():
        setattr(model, name, np.array(value, copy=True))
    return model


def _gmmhmm(cls, covariance_type):
    kwargs = dict(covariance_type=covariance_type, n_iter=N_ITER, tol=0.0, init_params="")
    model = cls(2, 2, **kwargs)
    attributes = dict(startprob_=START, transmat_=TRANSMAT, weights_=WEIGHTS, means_=MEANS)
    return _set(model, covars_=COVARS[covariance_type], **attributes)


def _poisson(cls):
    model = cls(2, n_iter=N_ITER, tol=0.0, init_params="")
    return _set(model, startprob_=START, transmat_=TRANSMAT, lambdas_=LAMBDAS)


def _summary(model, x):
    """What is compared: start score, fit history, final score, parameters, posteriors,
    Viterbi, information criteria (the same calls on gen_jax and hmmlearn models)."""
    first = model.score(x, LENGTHS)
    proba = model.predict_proba(x, LENGTHS)
    model.fit(x, LENGTHS)
    history = getattr(model, "log_likelihood_history_", None)
    history = model.monitor_.history if history is None else history
    names = ("startprob_", "transmat_", "weights_", "means_", "covars_", "lambdas_")
    return {
        "first": first,
        "history": np.asarray(history),
        "last": model.score(x, LENGTHS),
        "params": {
            name: np.asarray(getattr(model, name)) for name in names if hasattr(model, name)
        },
        "proba": proba,
        "decode": model.decode(x, LENGTHS),
        "aic": model.aic(x, LENGTHS),
        "bic": model.bic(x, LENGTHS),
    }


def _hmmlearn_fit(covariance_type):
    """hmmlearn's summary on this module's data (``"poisson"`` for PoissonHMM)."""
    from hmmlearn import hmm

    if covariance_type == "poisson":
        return _summary(_poisson(hmm.PoissonHMM), _counts())
    return _summary(_gmmhmm(hmm.GMMHMM, covariance_type), _gmm_data())


@pytest.fixture(scope="module")
def ours():
    """gen_jax's summaries, in float64, for every covariance type and for PoissonHMM."""
    with jax.enable_x64(True):
        fits = {kind: _summary(_gmmhmm(GMMHMM, kind), _gmm_data()) for kind in COVARIANCE_TYPES}
        fits["poisson"] = _summary(_poisson(PoissonHMM), _counts())
    return fits


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_gmmhmm_follows_recorded_hmmlearn(ours, covariance_type):
    first, history, last = RECORDED_GMMHMM[covariance_type]
    fit = ours[covariance_type]
    np.testing.assert_allclose(fit["first"], first, rtol=1e-12)
    np.testing.assert_allclose(fit["history"], history, rtol=1e-12)
    np.testing.assert_allclose(fit["last"], last, rtol=1e-12)


def test_poisson_hmm_follows_recorded_hmmlearn(ours):
    first, history, last, lambdas = RECORDED_POISSON
    fit = ours["poisson"]
    np.testing.assert_allclose(fit["first"], first, rtol=1e-12)
    np.testing.assert_allclose(fit["history"], history, rtol=1e-12)
    np.testing.assert_allclose(fit["last"], last, rtol=1e-12)
    np.testing.assert_allclose(fit["params"]["lambdas_"], lambdas, rtol=1e-12)


def test_live_hmmlearn(ours):
    """Everything :func:`_summary` collects, against the installed hmmlearn. ``aic``/``bic``
    differ by hmmlearn's count of mixture weights (``n_mix - 1`` instead of
    ``n_components * (n_mix - 1)``: one parameter more here)."""
    pytest.importorskip("hmmlearn")
    for kind, fit in ours.items():
        reference = _hmmlearn_fit(kind)
        for name in ("first", "history", "last"):
            np.testing.assert_allclose(fit[name], reference[name], rtol=1e-12, err_msg=kind)
        for name, value in reference["params"].items():
            np.testing.assert_allclose(fit["params"][name], value, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(fit["proba"], reference["proba"], atol=1e-12)
        np.testing.assert_allclose(fit["decode"][0], reference["decode"][0], rtol=1e-12)
        np.testing.assert_array_equal(fit["decode"][1], reference["decode"][1])
        extra = 0 if kind == "poisson" else 1  # (n_components - 1) * (n_mix - 1)
        num_samples = sum(LENGTHS)
        np.testing.assert_allclose(fit["aic"], reference["aic"] + 2 * extra, rtol=1e-12)
        expected_bic = reference["bic"] + extra * np.log(num_samples)
        np.testing.assert_allclose(fit["bic"], expected_bic, rtol=1e-12)


def _enumerate(log_emission):
    """``(log p(x), [T, K] posteriors)`` by summing over every state path of a 2-state
    chain with ``START`` and ``TRANSMAT``; ``log_emission [T, K]``."""
    steps = log_emission.shape[0]
    paths = np.array(list(itertools.product(range(2), repeat=steps)))
    log_joint = np.log(START)[paths[:, 0]] + log_emission[np.arange(steps), paths].sum(1)
    log_joint += np.log(TRANSMAT)[paths[:, :-1], paths[:, 1:]].sum(1)
    total = logsumexp(log_joint)
    posteriors = np.stack([np.exp(log_joint - total) @ (paths == k) for k in range(2)], 1)
    return total, posteriors


def test_likelihood_and_posteriors_equal_brute_force_enumeration():
    """A 4-step sequence: the mixture densities from scipy, summed over all 16 paths."""
    x = _gmm_data()[[0, 20, 35, 45]]
    counts = _counts()[[0, 10, 30, 40]]
    log_mixture = np.stack(
        [
            logsumexp(
                [
                    np.log(WEIGHTS[k, m])
                    + stats.multivariate_normal(MEANS[k, m], COVARS["full"][k, m]).logpdf(x)
                    for m in range(2)
                ],
                axis=0,
            )
            for k in range(2)
        ],
        axis=1,
    )
    log_poisson = np.stack([stats.poisson(LAMBDAS[k]).logpmf(counts).sum(1) for k in range(2)], 1)
    with jax.enable_x64(True):
        for model, data, log_emission in (
            (_gmmhmm(GMMHMM, "full"), x, log_mixture),
            (_poisson(PoissonHMM), counts, log_poisson),
        ):
            total, posteriors = _enumerate(log_emission)
            log_likelihood, smoothed = model.score_samples(data)
            np.testing.assert_allclose(log_likelihood, total, rtol=1e-12)
            np.testing.assert_allclose(smoothed, posteriors, atol=1e-12)


def test_fits_from_scratch_keep_float32_and_never_decrease():
    x = _gmm_data().astype(np.float32)
    model = GMMHMM(2, 2, n_iter=8, tol=0.0, random_state=0).fit(x, LENGTHS)
    for name in ("startprob_", "transmat_", "weights_", "means_", "covars_"):
        assert getattr(model, name).dtype == np.float32, name
    assert model.means_.shape == (2, 2, 2) and model.covars_.shape == (2, 2, 2)
    assert np.all(np.diff(model.log_likelihood_history_) > -1e-3)
    samples, states = model.sample(6, key=jax.random.key(0))
    assert samples.shape == (6, 2) and samples.dtype == np.float32 and states.shape == (6,)
    counts = _counts()
    poisson = PoissonHMM(2, n_iter=8, tol=0.0).fit(counts.astype(np.float32), LENGTHS)
    assert poisson.lambdas_.dtype == np.float32 and poisson.lambdas_.shape == (2, 3)
    assert np.all(np.diff(poisson.log_likelihood_history_) > -1e-3)
    drawn, _ = poisson.sample(5, key=jax.random.key(1))
    assert drawn.shape == (5, 3) and drawn.dtype.kind == "i" and (drawn >= 0).all()


def test_hyperparameters_clone_and_bad_input():
    model = GMMHMM(3, 4, covariance_type="tied", covars_prior=None)
    copy = clone(model)
    assert copy.get_params()["n_mix"] == 4 and copy.covars_prior is None
    assert clone(PoissonHMM(2, lambdas_prior=0.5)).lambdas_prior == 0.5
    with pytest.raises(ValueError, match="n_mix=0"):
        GMMHMM(2, 0)
    with pytest.raises(ValueError, match="negative or fractional value in row 1"):
        PoissonHMM(2).fit(np.array([[1, 2], [-1, 0], [3, 1]]))
    wrong = _gmmhmm(GMMHMM, "diag")
    wrong.means_ = MEANS[:, :1]
    with pytest.raises(ValueError, match=r"means_ has shape \(2, 1, 2\); expected \(2, 2"):
        wrong.score(_gmm_data())
