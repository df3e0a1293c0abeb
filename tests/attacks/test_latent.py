"""Penalised latent/output attacks against the closed form of a linear encoder."""

from __future__ import annotations

import numpy as np
import pytest

from gen_jax.attacks import (
    gaussian_kl_distance,
    latent_attack,
    output_attack,
    perturbation_penalty,
)

RNG = np.random.default_rng(0)
# Orthogonal rows (A A^T = 4 I): the code then moves on the segment from A x_ref to A x_t.
ENCODER = (2 * np.linalg.qr(RNG.normal(size=(5, 5)))[0][:3]).astype(np.float32)
DECODER = RNG.normal(size=(5, 3)).astype(np.float32)
CODE_CLASSIFIER = RNG.normal(size=(4, 3)).astype(np.float32)
WEIGHTS = np.geomspace(0.1, 100.0, 7).astype(np.float32)
X_REF = RNG.uniform(0.3, 0.7, size=(12, 5)).astype(np.float32)
X_TARGET = RNG.uniform(0.0, 1.0, size=(12, 5)).astype(np.float32)
SOLVER = dict(num_steps=1000, learning_rate=0.05, box=None)


def encode(x):
    return ENCODER @ x


def decode(z):
    return DECODER @ z


def ridge_solution(matrix, weight, x_ref, x_target):
    """argmin_d ||M (x_ref + d) - M x_target||^2 + weight ||d||^2."""
    gram = matrix.T @ matrix + weight * np.eye(matrix.shape[1])
    return np.linalg.solve(gram, matrix.T @ (matrix @ (x_target - x_ref)))


def expected_perturbations(matrix, weights, x_ref=X_REF, x_target=X_TARGET):
    pairs = list(zip(x_ref, x_target, strict=True))
    return np.stack([[ridge_solution(matrix, w, r, t) for r, t in pairs] for w in weights])


@pytest.fixture(scope="module")
def result():
    return latent_attack(encode, X_REF, X_TARGET, WEIGHTS, **SOLVER)


def test_latent_attack_reaches_the_ridge_closed_form(result):
    expected = expected_perturbations(ENCODER, WEIGHTS)
    np.testing.assert_allclose(result.perturbation, expected, atol=2e-5)
    np.testing.assert_allclose(result.adversarial, X_REF + expected, atol=2e-5)
    np.testing.assert_allclose(
        result.l2_distortion, np.linalg.norm(expected, axis=-1), rtol=1e-4, atol=1e-6
    )
    codes = np.einsum("kn,lbn->lbk", ENCODER, X_REF + expected)
    mismatch = np.sum((codes - (X_TARGET @ ENCODER.T)) ** 2, axis=-1)
    np.testing.assert_allclose(result.feature_distance, mismatch, rtol=1e-3, atol=1e-6)
    assert np.all(np.diff(result.l2_distortion, axis=0) < 0)  # more lambda, less distortion


def code_labels(inputs):
    """A 4-class linear classifier on codes centred at the code of the mid-grey input."""
    centred = (inputs - 0.5) @ ENCODER.T
    return np.argmax(centred @ CODE_CLASSIFIER.T, axis=-1)


def test_success_rises_as_lambda_falls(result):
    differ = code_labels(X_REF) != code_labels(X_TARGET)
    assert differ.sum() >= 6
    success = code_labels(np.asarray(result.adversarial)) == code_labels(X_TARGET)
    success = success[:, differ]  # [L, B'], lambda increasing along L
    assert np.all(success[:-1] >= success[1:])  # per example: once won, won for smaller lambda
    rates = success.mean(axis=1)
    assert rates[0] >= 0.8 and rates[-1] == 0.0


def test_output_attack_matches_the_closed_form_of_the_composed_map():
    attack = output_attack(encode, decode, X_REF[:2], X_TARGET[:2], WEIGHTS[3:4], **SOLVER)
    expected = expected_perturbations(DECODER @ ENCODER, WEIGHTS[3:4], X_REF[:2], X_TARGET[:2])
    np.testing.assert_allclose(attack.perturbation, expected, atol=2e-5)


def test_kl_distance_with_unit_variances_is_half_the_squared_distance():
    mean, other = ENCODER @ X_REF[0], ENCODER @ X_TARGET[0]
    unit = np.zeros(3, np.float32)
    kl = gaussian_kl_distance((mean, unit), (other, unit))
    np.testing.assert_allclose(kl, 0.5 * np.sum((mean - other) ** 2), rtol=1e-5)


def test_penalties_are_the_named_norms():
    delta = np.array([3.0, -4.0], np.float32)
    values = [perturbation_penalty(delta, name) for name in ("l2_squared", "l2", "l1")]
    np.testing.assert_allclose(values, [25.0, 5.0, 7.0], rtol=1e-6)


def test_huge_lambda_leaves_the_reference_and_the_box_holds_exactly():
    x_ref = np.array([[0.0, 1.0, 0.5, 0.98, 0.02]], np.float32)
    x_target = np.array([[1.0, 0.0, 0.5, 3.0, -2.0]], np.float32)  # pulls out of the box
    attack = latent_attack(
        encode, x_ref, x_target, [0.0, 1e7], num_steps=300, learning_rate=0.05, penalty="l2"
    )
    adversarial = np.asarray(attack.adversarial)
    assert adversarial.min() >= 0.0 and adversarial.max() <= 1.0
    assert np.isclose(adversarial[0], 0.0).any() or np.isclose(adversarial[0], 1.0).any()
    np.testing.assert_allclose(adversarial[1], x_ref, atol=1e-5)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(penalty_weights=[-1.0]), "penalty_weights must be finite and >= 0"),
        (dict(x_target=np.zeros((2, 4))), "same shape"),
        (dict(x_ref=X_REF + 2.0, x_target=X_TARGET + 2.0), "outside box"),
        (dict(penalty="l3"), "penalty='l3'"),
        (dict(num_steps=0), "num_steps must be an integer >= 1"),
        (dict(box=(1.0, 0.0)), "need low < high"),
    ],
)
def test_bad_arguments_raise_clear_errors(arguments, message):
    call = dict(x_ref=X_REF, x_target=X_TARGET, penalty_weights=WEIGHTS) | arguments
    with pytest.raises(ValueError, match=message):
        latent_attack(encode, **call)
