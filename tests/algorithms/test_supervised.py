"""make_classifier_step: cross-entropy against a direct computation, learning, bad input."""

import jax
import numpy as np
import optax
import pytest

from gen_jax.algorithms.supervised import classifier_objective, make_classifier_step
from gen_jax.core.loop import fit
from gen_jax.data import ArraySource, BatchIterator, load_digits
from gen_jax.models.classifiers import ConvClassifier, MLPClassifier


def _batch(seed=0, size=16):
    rng = np.random.default_rng(seed)
    return {
        "image": rng.random((size, 8, 8, 1), dtype=np.float32),
        "label": rng.integers(0, 10, size).astype(np.int32),
    }


def test_objective_is_the_mean_negative_log_softmax_of_the_label():
    model = MLPClassifier(hidden_sizes=(5,))
    batch = _batch()
    params = model.init(jax.random.key(0), batch["image"])["params"]
    loss, (metrics, batch_stats) = classifier_objective(
        params, {}, batch, jax.random.key(1), model=model
    )
    logits = np.asarray(model.apply({"params": params}, batch["image"]), np.float64)
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -np.mean(log_probs[np.arange(16), batch["label"]])
    assert float(loss) == pytest.approx(expected, rel=1e-5)
    assert float(metrics["accuracy"]) == np.mean(logits.argmax(1) == batch["label"])
    assert batch_stats == {}


def test_the_step_learns_digits_and_carries_batch_statistics():
    train, test = load_digits(split="train"), load_digits(split="test")
    model = ConvClassifier(filters=(8, 16), strides=(1, 2), dense_units=32, batch_norm_momentum=0.9)
    step = make_classifier_step(model, optax.adam(5e-3))
    data = BatchIterator(ArraySource(train), 64, seed=0)
    result = fit(step, data, num_steps=150, log_every=50, progress=False)
    moving_var = result.state.batch_stats["dense_norm"]["var"]
    assert not np.allclose(moving_var, 1.0)  # moved away from its initial value
    logits = jax.jit(model.apply)(result.state.variables(), test["image"])
    assert np.mean(np.argmax(logits, 1) == test["label"]) > 0.9


def test_bad_batches_name_the_key():
    step = make_classifier_step(MLPClassifier(hidden_sizes=(4,)), optax.adam(1e-3))
    with pytest.raises(KeyError, match="label_key"):
        step.init(jax.random.key(0), {"image": np.zeros((2, 8, 8, 1), np.float32)})
    batch = {"image": np.zeros((2, 8, 8, 1), np.float32), "label": np.zeros(2, np.float32)}
    with pytest.raises(TypeError, match="integer class indices"):
        step.init(jax.random.key(0), batch)
