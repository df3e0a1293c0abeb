"""Classifier verdicts, distortion-success curves and their normalised area."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.attacks import (
    area_under_success_curve,
    classifier_success,
    distortion_success_curve,
    feature_network_classifier,
    per_example,
)
from gen_jax.eval import FeatureNetwork
from gen_jax.models.classifiers import MLPClassifier


def test_area_equals_a_hand_computation():
    # Points (1, .5), (2, 1) unsorted; start (0, 0); D_max = 4, flat at 1 after D = 2.
    # Trapezoids: 0.5 * (0 + .5) * 1 + 0.5 * (.5 + 1) * 1 + 1 * 2 = .25 + .75 + 2 = 3.
    area = area_under_success_curve([2.0, 1.0], [1.0, 0.5], max_distortion=4.0)
    assert area == pytest.approx(3.0 / 4.0)
    # Cut inside the range: D_max = 1.5 ends at S = 0.75; .25 + 0.5 * (.5 + .75) * .5.
    cut = area_under_success_curve([2.0, 1.0], [1.0, 0.5], max_distortion=1.5)
    assert cut == pytest.approx((0.25 + 0.3125) / 1.5)
    full = area_under_success_curve([3.0], [1.0], max_distortion=3.0, success_at_zero=1.0)
    assert full == pytest.approx(1.0)


def test_curve_points_are_per_budget_means():
    distortions = np.array([[1.0, 3.0], [0.5, 0.5]])
    successes = np.array([[True, True], [False, True]])
    mean_distortion, rate = distortion_success_curve(distortions, successes)
    np.testing.assert_allclose(mean_distortion, [2.0, 0.5])
    np.testing.assert_allclose(rate, [1.0, 0.5])


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(distortions=[-1.0]), "distortions must be finite and >= 0"),
        (dict(success_rates=[1.5]), r"success rates must lie in \[0, 1\]"),
        (dict(max_distortion=0.0), "max_distortion must be"),
        (dict(distortions=[1.0, 2.0]), "same non-zero length"),
    ],
)
def test_area_rejects_bad_input(arguments, message):
    call = dict(distortions=[1.0], success_rates=[0.5], max_distortion=2.0) | arguments
    with pytest.raises(ValueError, match=message):
        area_under_success_curve(**call)


def test_classifier_success_uses_argmax_over_leading_axes():
    weights = jnp.array([[1.0, -1.0], [-1.0, 1.0]])

    def classify(x):
        return weights @ x

    images = jnp.array([[[2.0, 0.0], [0.0, 2.0]], [[0.0, 1.0], [0.0, 1.0]]])  # [L=2, B=2, 2]
    success, predicted = classifier_success(classify, images, [0, 1], event_ndim=1)
    np.testing.assert_array_equal(predicted, [[0, 1], [1, 1]])
    np.testing.assert_array_equal(success, [[True, True], [False, True]])


def test_differentiable_classifier_agrees_with_the_feature_network():
    # A small MLP network for 8x8 greys, fed 16x16 RGB: channel mean and resize inside.
    model = MLPClassifier(num_classes=3, hidden_sizes=(5,))
    variables = model.init(jax.random.key(0), jnp.zeros((1, 8, 8, 1)))
    network = FeatureNetwork(model, variables, input_shape=(8, 8, 1))
    images = np.random.default_rng(0).uniform(size=(3, 16, 16, 3)).astype(np.float32)
    logits = jax.jit(jax.vmap(feature_network_classifier(network)))(images)
    np.testing.assert_allclose(logits, network.logits(images), rtol=1e-5, atol=1e-6)


def test_per_example_drops_the_batch_axis_of_every_output():
    single = per_example(lambda x: (x.sum(axis=1), x * 2))
    total, doubled = single(np.array([1.0, 2.0]))
    assert total.shape == () and total == 3.0
    np.testing.assert_array_equal(doubled, [2.0, 4.0])
