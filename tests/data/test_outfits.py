"""The book's chapter 1 numbers: the Wrodl table, the full multinomial, naive Bayes, and
the four-point joint against conditional tables."""

import numpy as np
import pytest

from gen_jax.data.outfits import (
    COUNTS,
    EXAMPLE_OUTFIT,
    EXAMPLE_OUTFIT_BLUE,
    FEATURES,
    FIRST_TEN,
    encode,
    full_multinomial_probs,
    wrodl_outfits,
)
from gen_jax.estimators.bayesnet import BayesianNetwork
from gen_jax.estimators.naive_bayes import NaiveBayes

TABLE = wrodl_outfits()


def test_the_table_matches_tables_1_1_and_1_2():
    assert TABLE.shape == (50, 5)
    assert [tuple(row) for row in TABLE[:10]] == [encode(row) for row in FIRST_TEN]
    for j, name in enumerate(FEATURES):
        assert tuple(np.bincount(TABLE[:, j], minlength=len(FEATURES[name]))) == COUNTS[name]


def test_full_multinomial_numbers():
    probs = full_multinomial_probs(TABLE)
    assert probs.size == 4032 and probs.size - 1 == 4031  # free parameters
    assert probs[encode(EXAMPLE_OUTFIT)] == pytest.approx(0.04)
    assert probs[encode(EXAMPLE_OUTFIT_BLUE)] == 0.0
    smoothed = full_multinomial_probs(TABLE, pseudo_count=1.0)
    assert smoothed.sum() == pytest.approx(1.0)
    assert smoothed[encode(EXAMPLE_OUTFIT)] == pytest.approx(3 / 4082)
    assert smoothed[encode(EXAMPLE_OUTFIT_BLUE)] == pytest.approx(1 / 4082)


def test_naive_bayes_numbers():
    model = NaiveBayes("categorical", alpha=0.0).fit(TABLE)
    assert sum(len(v) - 1 for v in FEATURES.values()) == 23
    p = np.exp(model.score_samples(np.array([encode(EXAMPLE_OUTFIT), encode(EXAMPLE_OUTFIT_BLUE)])))
    assert p[0] == pytest.approx(0.46 * 0.16 * 0.44 * 0.38 * 0.44, rel=1e-5)
    assert round(p[0], 4) == 0.0054
    assert p[1] < p[0]  # blue01 is rarer than white


def test_four_point_joint_and_conditional_tables():
    data = np.array([[0, 0], [0, 0], [1, 0], [1, 1]])
    net = BayesianNetwork([("x", "y")], cardinalities={"x": 2, "y": 2}).fit(data)
    np.testing.assert_allclose(net.query(["x", "y"]), [[0.5, 0.0], [0.25, 0.25]])
    np.testing.assert_allclose(net.cpts_["y"], [[1.0, 0.0], [0.5, 0.5]])  # p(y | x)
    np.testing.assert_allclose(net.query("x", {"y": 0}), [2 / 3, 1 / 3])  # p(x | y = 0)
    np.testing.assert_allclose(net.query("x", {"y": 1}), [0.0, 1.0])
