"""The generator-space search flips a linear classifier within its radius."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.attacks import unrestricted_search

GENERATOR = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], np.float32)  # z [2] -> x [3]
CLASSIFIER = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.0]], np.float32)
# The independent "source" classifier only sees the first coordinate: class 0 iff x_0 > 0.
SOURCE = np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]], np.float32)
STARTS = np.array([[0.5, 0.3], [0.6, 0.45], [0.4, 0.2]], np.float32)
RADIUS = 0.3


def generate(z):
    return jnp.asarray(GENERATOR) @ z


def classify(x):
    return jnp.asarray(CLASSIFIER) @ x


def source_classify(x):
    return jnp.asarray(SOURCE) @ x


@pytest.fixture(scope="module")
def result():
    return unrestricted_search(
        generate,
        classify,
        STARTS,
        np.array([1, 1, 1]),
        radius=RADIUS,
        radius_weight=200.0,
        source_classify=source_classify,
        source_labels=np.array([0, 0, 0]),
        source_weight=0.1,
        num_steps=300,
        learning_rate=0.02,
    )


def test_search_changes_the_prediction_within_the_radius(result):
    start_labels = np.argmax(np.einsum("cx,xk,bk->bc", CLASSIFIER, GENERATOR, STARTS), axis=1)
    np.testing.assert_array_equal(start_labels, [0, 0, 0])
    np.testing.assert_array_equal(result.predicted, [1, 1, 1])
    np.testing.assert_array_equal(result.source_predicted, [0, 0, 0])
    assert np.all(result.success)
    shift = np.max(np.abs(np.asarray(result.codes) - STARTS), axis=1)
    np.testing.assert_allclose(result.code_shift, shift, rtol=1e-6)
    assert np.all(shift <= RADIUS * 1.05)
    np.testing.assert_allclose(result.samples, np.asarray(result.codes) @ GENERATOR.T, rtol=1e-6)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(radius=-0.1), "radius must be finite and >= 0"),
        (dict(target_labels=np.array([1, 1])), "target_labels must be 3 integers"),
        (dict(source_classify=source_classify), "source_classify needs source_labels"),
        (dict(start_codes=np.zeros(2)), r"start_codes must be \[B, k\]"),
    ],
)
def test_bad_arguments_raise_clear_errors(arguments, message):
    call = dict(start_codes=STARTS, target_labels=np.array([1, 1, 1])) | arguments
    with pytest.raises(ValueError, match=message):
        unrestricted_search(generate, classify, **call)
