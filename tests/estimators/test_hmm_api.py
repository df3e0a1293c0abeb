"""The HMM estimators' hmmlearn extras against hmmlearn: aic, bic, the stationary
distribution, sample(currstate=), and the warnings of fit."""

import warnings

import jax
import numpy as np
import pytest
from hmmlearn import hmm as hmmlearn_hmm

from gen_jax.estimators.hmm import CategoricalHMM, GaussianHMM

START = np.array([0.6, 0.3, 0.1])
TRANSMAT = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7]])
MEANS = np.array([[0.0, 0.0], [3.0, 3.0], [-3.0, 2.0]])
COVARS = np.array([[1.0, 0.8], [0.6, 1.2], [1.0, 1.0]])
EMISSIONPROB = np.array([[0.5, 0.3, 0.1, 0.1], [0.1, 0.1, 0.4, 0.4], [0.25, 0.25, 0.25, 0.25]])


def _set(model, **attributes):
    for name, value in attributes.items():
        setattr(model, name, np.array(value, copy=True))
    return model


@pytest.fixture(scope="module")
def gaussian_pair():
    attributes = dict(startprob_=START, transmat_=TRANSMAT, means_=MEANS, covars_=COVARS)
    reference = _set(hmmlearn_hmm.GaussianHMM(3, covariance_type="diag", params="mc"), **attributes)
    return reference, _set(GaussianHMM(3, covariance_type="diag", params="mc"), **attributes)


def test_information_criteria_equal_hmmlearn(gaussian_pair):
    reference, ours = gaussian_pair
    x, _ = reference.sample(60, random_state=0)
    assert ours.aic(x, [30, 30]) == pytest.approx(reference.aic(x, [30, 30]), rel=1e-5)
    assert ours.bic(x, [30, 30]) == pytest.approx(reference.bic(x, [30, 30]), rel=1e-5)
    symbols = _set(CategoricalHMM(3), startprob_=START, transmat_=TRANSMAT)
    symbols.emissionprob_ = EMISSIONPROB
    peer = _set(hmmlearn_hmm.CategoricalHMM(3), startprob_=START, transmat_=TRANSMAT)
    peer.emissionprob_, peer.n_features = EMISSIONPROB, 4
    codes = np.array([[0], [1], [3], [2], [2], [0], [1]])
    assert symbols.bic(codes) == pytest.approx(peer.bic(codes), rel=1e-5)
    assert symbols.aic(codes) == pytest.approx(peer.aic(codes), rel=1e-5)


def test_stationary_distribution_equals_hmmlearn(gaussian_pair):
    reference, ours = gaussian_pair
    stationary = ours.get_stationary_distribution()
    np.testing.assert_allclose(stationary, reference.get_stationary_distribution(), rtol=1e-10)
    np.testing.assert_allclose(stationary @ TRANSMAT, stationary, rtol=1e-10)


def test_sample_from_a_current_state(gaussian_pair):
    _, ours = gaussian_pair
    for state in range(3):
        _, states = ours.sample(4, key=jax.random.key(state), currstate=state)
        assert states[0] == state
    with pytest.raises(ValueError, match="currstate=3"):
        ours.sample(4, currstate=3)


def test_fit_warns_when_it_overwrites_a_set_parameter_or_has_too_little_data():
    x = np.array([[0], [1], [2], [1], [0], [2], [2], [1]])
    model = CategoricalHMM(2, n_iter=2)
    model.startprob_ = np.array([0.5, 0.5])
    with pytest.warns(UserWarning, match="startprob_ is set but init_params='ste'"):
        model.fit(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the values fit stored itself are not the user's
        model.fit(x)
    with pytest.warns(UserWarning, match="only 2 data values gives a degenerate solution"):
        CategoricalHMM(2, n_iter=2, n_features=3).fit(x[:2])
