"""The nearest-training-image novelty check against brute force, copies, and bad input."""

import matplotlib.image
import numpy as np
import pytest

from gen_jax.data import ArraySource
from gen_jax.eval.novelty import nearest_training_images, novelty_check
from gen_jax.viz.novelty import save_nearest_neighbours, save_novelty_check


def _brute_force(samples, training, k, metric):
    a = samples.reshape(len(samples), -1).astype(np.float64)
    b = training.reshape(len(training), -1).astype(np.float64)
    difference = a[:, None, :] - b[None, :, :]
    if metric == "l1":
        distances = np.mean(np.abs(difference), axis=-1)
    else:
        distances = np.sqrt(np.sum(difference**2, axis=-1))
    order = np.argsort(distances, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(distances, order, axis=1)


@pytest.mark.parametrize("metric", ["l2", "l1"])
def test_equals_brute_force_across_chunk_boundaries(metric):
    rng = np.random.default_rng(0)
    training = rng.normal(size=(37, 4, 3, 1)).astype(np.float32)
    samples = rng.normal(size=(11, 4, 3, 1)).astype(np.float32)
    found = nearest_training_images(
        samples, training, k=3, metric=metric, sample_chunk=4, training_chunk=8
    )
    indices, distances = _brute_force(samples, training, 3, metric)
    np.testing.assert_array_equal(found.indices, indices)
    np.testing.assert_allclose(found.distances, distances, rtol=1e-5)


def test_a_source_and_a_feature_function_give_the_feature_space_neighbours():
    rng = np.random.default_rng(1)
    training = rng.normal(size=(20, 2, 2, 1)).astype(np.float32)
    samples = rng.normal(size=(5, 2, 2, 1)).astype(np.float32)
    weights = rng.normal(size=(4, 2)).astype(np.float32)

    def feature_fn(images):
        return images.reshape(len(images), -1) @ weights

    found = nearest_training_images(
        samples, ArraySource({"image": training}), k=2, feature_fn=feature_fn, training_chunk=6
    )
    indices, distances = _brute_force(feature_fn(samples), feature_fn(training), 2, "l2")
    np.testing.assert_array_equal(found.indices, indices)
    np.testing.assert_allclose(found.distances, distances, rtol=1e-5)


def test_a_copied_training_image_is_flagged_as_memorised_with_distance_zero():
    rng = np.random.default_rng(2)
    training = rng.uniform(size=(50, 6, 6, 1)).astype(np.float32)
    fresh = rng.uniform(size=(3, 6, 6, 1)).astype(np.float32)
    samples = np.concatenate([training[[17]], fresh])
    report = novelty_check(samples, training, k=2, num_reference=50, training_chunk=16)
    assert report.neighbours.indices[0, 0] == 17
    assert report.neighbours.distances[0, 0] == 0.0 and report.ratios[0] == 0.0
    assert report.memorised_fraction == 0.25  # only the copy
    assert report.training_fraction == 0.0
    # The reference spacing is the brute-force median distance to the nearest other image.
    _, own = _brute_force(training, training, 2, "l2")
    assert report.reference_distance == pytest.approx(np.median(own[:, 1]), rel=1e-5)
    np.testing.assert_allclose(
        report.ratios[1:], report.neighbours.distances[1:, 0] / np.median(own[:, 1]), rtol=1e-5
    )
    assert report.summary()["novelty/min_ratio"] == 0.0


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(metric="cosine"), ValueError, "metric='cosine'"),
        (dict(k=0), ValueError, "k=0"),
        (dict(k=9), ValueError, "k=9"),
        (dict(training_chunk=0), ValueError, "training_chunk=0"),
        (dict(samples=np.zeros((2, 5))), ValueError, "samples have 5 values"),
        (dict(samples=np.full((2, 4), np.nan)), ValueError, "samples .*NaN"),
        (dict(samples=np.zeros((0, 4))), ValueError, "samples must be"),
        (dict(training=object()), TypeError, "training is a object"),
        (dict(training=ArraySource({"x": np.zeros((8, 4))})), KeyError, "data_key"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, message):
    arguments = {"samples": np.zeros((2, 4)), "training": np.ones((8, 4)), **kwargs}
    with pytest.raises(error, match=message):
        nearest_training_images(arguments.pop("samples"), arguments.pop("training"), **arguments)


def test_novelty_check_refuses_a_bad_threshold_and_a_duplicated_training_set():
    with pytest.raises(ValueError, match="threshold=0"):
        novelty_check(np.zeros((1, 4)), np.eye(4), threshold=0)
    with pytest.raises(ValueError, match="deduplicate"):
        novelty_check(np.zeros((1, 4)), np.zeros((6, 4)))


def test_the_figure_puts_each_sample_beside_its_neighbours(tmp_path):
    samples = np.zeros((2, 4, 4, 1))
    neighbours = np.ones((2, 3, 4, 4, 1))
    path = save_nearest_neighbours(tmp_path / "novelty.png", samples, neighbours, scale=1)
    image = matplotlib.image.imread(path)
    assert image.shape[:2] == (2 * 5 + 1, 4 * 5 + 1)  # 2 rows, 4 columns, 1-pixel padding
    assert image[1, 1, 0] == 0.0 and image[1, 6, 0] == 1.0  # sample black, neighbour white
    with pytest.raises(ValueError, match="neighbour_images has shape"):
        save_nearest_neighbours(tmp_path / "bad.png", samples, np.ones((3, 3, 4, 4, 1)))


def test_save_novelty_check_returns_the_summary_and_draws_each_sample_beside_its_neighbours(
    tmp_path,
):
    rng = np.random.default_rng(3)
    training = rng.uniform(-1, 1, size=(12, 4, 4, 1)).astype(np.float32)
    samples = np.concatenate([training[[5]], rng.uniform(-1, 1, size=(1, 4, 4, 1))])
    summary, path = save_novelty_check(
        tmp_path / "novelty.png",
        samples,
        ArraySource({"image": training}),
        k=2,
        metric="l1",
        value_range=(-1.0, 1.0),
        seed=0,
        scale=1,
        num_reference=12,
    )
    expected = novelty_check(samples, training, k=2, metric="l1", num_reference=12, seed=0)
    assert summary == expected.summary() and summary["novelty/min_ratio"] == 0.0
    image = matplotlib.image.imread(path)
    assert image.shape[:2] == (2 * 5 + 1, 3 * 5 + 1)  # 2 samples, each with 2 neighbours
    # Row 0 is the copied training image 5, then itself as its nearest neighbour.
    np.testing.assert_allclose(image[1:5, 1:5, 0], image[1:5, 6:10, 0], atol=1 / 255)
