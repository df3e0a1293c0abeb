"""The book's chapter-2 classifiers: exact layers and parameter counts, train/eval modes."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.models.classifiers import ConvClassifier, MLPClassifier

CIFAR_BATCH = jnp.zeros((2, 32, 32, 3))


def _count(tree):
    return sum(leaf.size for leaf in jax.tree.leaves(tree))


def test_parameter_counts_match_the_book():
    mlp = jax.eval_shape(MLPClassifier().init, jax.random.key(0), CIFAR_BATCH)
    assert _count(mlp["params"]) == 646_260  # 614,600 + 30,150 + 1,510
    cnn = jax.eval_shape(ConvClassifier().init, jax.random.key(0), CIFAR_BATCH)
    assert _count(cnn["params"]) == 591_914 and _count(cnn["batch_stats"]) == 640
    assert cnn["params"]["dense"]["kernel"].shape == (8 * 8 * 64, 128)  # two stride-2 convs


def test_features_are_the_penultimate_layer():
    x = jnp.ones((2, 8, 8, 3))
    small_cnn = ConvClassifier(filters=(4, 8), strides=(1, 2), dense_units=12)
    for model, size in ((MLPClassifier(hidden_sizes=(16, 10)), 10), (small_cnn, 12)):
        variables = jax.jit(model.init)(jax.random.key(0), x)
        features, logits = jax.jit(
            lambda v, x, model=model: (model.apply(v, x, method="features"), model.apply(v, x))
        )(variables, x)
        assert features.shape == (2, size)
        head = variables["params"]["head"]
        expected = features @ head["kernel"] + head["bias"]
        np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-5)


def test_dropout_and_batch_norm_act_only_in_training():
    model = ConvClassifier(filters=(4, 4), strides=(1, 2), dense_units=16)
    x = jax.random.normal(jax.random.key(1), (8, 8, 8, 1))
    variables = jax.jit(model.init)(jax.random.key(0), x)
    evaluate = jax.jit(model.apply)
    np.testing.assert_array_equal(evaluate(variables, x), evaluate(variables, x))

    @jax.jit
    def train(variables, key):
        return model.apply(variables, x, train=True, rngs={"dropout": key}, mutable=["batch_stats"])

    train_a, updates = train(variables, jax.random.key(2))
    train_b, _ = train(variables, jax.random.key(3))
    assert not np.allclose(train_a, train_b)  # different dropout masks
    moved = updates["batch_stats"]["conv_norms_0"]["mean"]
    assert not np.allclose(moved, variables["batch_stats"]["conv_norms_0"]["mean"])
    with pytest.raises(Exception, match="dropout"):
        model.apply(variables, x, train=True, mutable=["batch_stats"])


def test_mismatched_filters_and_strides_are_rejected():
    with pytest.raises(ValueError, match="one stride per convolution"):
        ConvClassifier(filters=(4, 4), strides=(1,)).init(jax.random.key(0), CIFAR_BATCH)
