"""Budgeted PGD attacks: exact budgets and boxes, zero budget, progress with the budget."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from scipy.optimize import lsq_linear, minimize

from gen_jax.attacks import pgd_latent_attack, pgd_output_attack

RNG = np.random.default_rng(1)
ENCODER = RNG.normal(size=(3, 6)).astype(np.float32)
EPSILONS = np.array([0.0, 0.05, 0.2, 1.0], np.float32)
X_REF = np.concatenate([RNG.uniform(0.2, 0.8, (3, 6)), [[0.0, 1.0, 0.0, 1.0, 0.5, 0.5]]])
X_REF = X_REF.astype(np.float32)
X_TARGET = RNG.uniform(-0.5, 1.5, (4, 6)).astype(np.float32)


def encode(x):
    return ENCODER @ x


@functools.cache
def latent_attack_result(norm):
    return pgd_latent_attack(encode, X_REF, X_TARGET, EPSILONS, norm=norm, num_steps=60)


@pytest.fixture(scope="module", params=["linf", "l2"])
def attack(request):
    return request.param, latent_attack_result(request.param)


def test_budget_and_box_hold_and_zero_budget_changes_nothing(attack):
    norm, result = attack
    distortion = result.linf_distortion if norm == "linf" else result.l2_distortion
    assert np.all(np.asarray(distortion) <= EPSILONS[:, None] * (1 + 1e-6) + 1e-7)
    adversarial = np.asarray(result.adversarial)
    assert adversarial.min() >= 0.0 and adversarial.max() <= 1.0
    np.testing.assert_array_equal(adversarial[0], X_REF)
    np.testing.assert_array_equal(result.perturbation[0], 0.0)


def constrained_optimum(x_ref, x_target, epsilon, norm):
    """min_d ||A (x_ref + d - x_target)||^2 with ||d||_norm <= epsilon and x_ref + d in [0, 1],
    by scipy: bounded least squares for L-inf, SLSQP with the ball constraint for L2."""
    x_ref, x_target = x_ref.astype(np.float64), x_target.astype(np.float64)
    matrix = ENCODER.astype(np.float64)
    residual = matrix @ (x_target - x_ref)
    if norm == "linf":
        bounds = (np.maximum(-epsilon, -x_ref), np.minimum(epsilon, 1.0 - x_ref))
        return 2 * lsq_linear(matrix, residual, bounds=bounds).cost  # cost = half the square
    best = minimize(
        lambda d: np.sum((matrix @ d - residual) ** 2),
        np.zeros_like(x_ref),
        jac=lambda d: 2 * matrix.T @ (matrix @ d - residual),
        bounds=list(zip(-x_ref, 1.0 - x_ref, strict=True)),
        constraints=[{"type": "ineq", "fun": lambda d: epsilon**2 - d @ d}],
        method="SLSQP",
    )
    return best.fun


def test_attack_nears_the_constrained_optimum(attack):
    norm, result = attack
    start = np.sum((X_REF @ ENCODER.T - X_TARGET @ ENCODER.T) ** 2, axis=-1)
    feature_distance = np.asarray(result.feature_distance)
    np.testing.assert_allclose(feature_distance[0], start, rtol=1e-5)
    for level, epsilon in enumerate(EPSILONS[1:], start=1):
        for index, (x_ref, x_target) in enumerate(zip(X_REF, X_TARGET, strict=True)):
            optimum = constrained_optimum(x_ref, x_target, float(epsilon), norm)
            assert feature_distance[level, index] <= optimum * 1.02 + 0.01


def test_output_attack_through_a_doubling_decoder_takes_the_latent_steps():
    # Signed steps ignore the objective's scale: matching 2 z is matching z.
    latent = latent_attack_result("linf")
    output = pgd_output_attack(encode, lambda z: 2.0 * z, X_REF, X_TARGET, EPSILONS, num_steps=60)
    np.testing.assert_allclose(output.perturbation, latent.perturbation, atol=1e-6)
    np.testing.assert_allclose(output.feature_distance, 4 * latent.feature_distance, rtol=1e-5)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(epsilons=[0.1, -0.1]), "epsilons must be finite and >= 0"),
        (dict(x_ref=X_REF[:2]), "same shape"),
        (dict(norm="l1"), "norm='l1'"),
        (dict(step_size=0.0), "step_size must be a finite number > 0"),
    ],
)
def test_bad_arguments_raise_clear_errors(arguments, message):
    call = dict(x_ref=X_REF, x_target=X_TARGET, epsilons=EPSILONS) | arguments
    with pytest.raises(ValueError, match=message):
        pgd_latent_attack(encode, **call)
