"""The bundled digits feature network and save/load of chapter-2 classifiers."""

import jax
import numpy as np
import pytest

from gen_jax.data import load_digits
from gen_jax.eval import (
    FeatureNetwork,
    classifier_score,
    digits_feature_network,
    frechet_distance,
    load_feature_network,
    precision_recall,
)
from gen_jax.eval import train_digits_features as training
from gen_jax.models.classifiers import MLPClassifier


@pytest.fixture(scope="module")
def digits():
    return {split: load_digits(split=split) for split in ("train", "test")}


def test_bundled_network_is_small_accurate_and_documented(digits):
    network = digits_feature_network()
    assert network.test_accuracy >= 0.97 and "3000 steps" in network.description
    logits = network.logits(digits["test"]["image"])
    accuracy = np.mean(np.argmax(logits, axis=1) == digits["test"]["label"])
    assert accuracy == pytest.approx(network.test_accuracy)
    assert classifier_score(logits, num_splits=2).mean > 8.0  # confident and diverse


def test_real_digits_are_close_and_noise_is_far(digits):
    network = digits_feature_network()
    train = network.features(digits["train"]["image"])
    test = network.features(digits["test"]["image"])
    noise = network.features(np.random.default_rng(0).random((359, 8, 8, 1)))
    assert train.shape == (1438, 64) and test.shape == (359, 64)
    real_distance, noise_distance = frechet_distance(test, train), frechet_distance(noise, train)
    assert noise_distance > 20 * real_distance
    assert precision_recall(train, test).precision > 0.8
    assert precision_recall(train, noise).precision < 0.2


def test_upsampled_rgb_inputs_in_another_range_give_nearly_the_same_features(digits):
    network = digits_feature_network()
    small = load_digits(split="test", image_size=8)["image"][:50]
    large = load_digits(split="test", image_size=32, value_range=(-1.0, 1.0))["image"][:50]
    large_rgb = np.repeat(large, 3, axis=-1)
    native = network.logits(small)
    resized = network.logits(large_rgb, value_range=(-1.0, 1.0))
    agreement = np.mean(np.argmax(native, 1) == np.argmax(resized, 1))
    assert agreement > 0.9


def test_save_and_load_round_trip(tmp_path):
    model = MLPClassifier(hidden_sizes=(6,))
    variables = model.init(jax.random.key(0), np.zeros((1, 8, 8, 1), np.float32))
    network = FeatureNetwork(model, variables, input_shape=(8, 8, 1), description="test")
    loaded = load_feature_network(network.save(tmp_path / "mlp.msgpack"))
    images = np.random.default_rng(1).random((4, 8, 8, 1))
    np.testing.assert_allclose(loaded.features(images), network.features(images), rtol=1e-6)
    assert loaded.model == model and loaded.test_accuracy is None


def test_bad_images_are_rejected_with_the_argument_named():
    network = digits_feature_network()
    with pytest.raises(ValueError, match="images must be"):
        network.features(np.zeros((4, 8, 8)))
    with pytest.raises(ValueError, match="images hold NaN"):
        network.features(np.full((1, 8, 8, 1), np.nan))
    with pytest.raises(ValueError, match="value_range"):
        network.features(np.zeros((1, 8, 8, 1)), value_range=(1.0, 0.0))
    with pytest.raises(FileNotFoundError, match="no feature network"):
        load_feature_network("/nonexistent/file.msgpack")


def test_training_script_writes_a_loadable_network(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(training, "DIGITS_NETWORK", MLPClassifier(hidden_sizes=(4,)))
    output = tmp_path / "digits.msgpack"
    assert training.main(["--output", str(output), "--num-steps", "8"]) == 0
    assert "test accuracy" in capsys.readouterr().out
    network = load_feature_network(output)
    assert "8 steps" in network.description and 0.0 <= network.test_accuracy <= 1.0
    assert output.stat().st_size < 200_000
