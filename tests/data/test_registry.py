"""load_source: every name routes to the right loader."""

from __future__ import annotations

import numpy as np
import pytest

import gen_jax.data as data
from gen_jax.data import (
    DATASETS,
    ArraySource,
    BatchIterator,
    DatasetUnavailableError,
    TfdsImageSource,
    load_source,
)


def test_digits_with_options():
    source = load_source("digits", split="test", image_size=16, value_range=(-1.0, 1.0))
    assert isinstance(source, ArraySource)
    batch = source[[0, 1]]
    assert batch["image"].shape == (2, 16, 16, 1) and batch["label"].dtype == np.int32
    assert batch["image"].min() >= -1.0 and batch["image"].max() <= 1.0
    assert len(source) == len(data.load_digits(split="test")["label"])


@pytest.mark.parametrize("name", ["gaussian_mixture_2d", "ring", "moons"])
def test_toys_have_independent_train_and_test_draws(name):
    train = load_source(name, num_samples=64, seed=2)
    test = load_source(name, split="test", num_samples=64, seed=2)
    assert isinstance(train, ArraySource) and len(train) == 64
    assert train[[0]]["x"].shape == (1, 2)
    assert not np.array_equal(train.arrays["x"], test.arrays["x"])
    np.testing.assert_array_equal(train.arrays["x"], getattr(data, name)(64, seed=2)["x"])
    assert len(load_source(name)) == 10_000


def test_toy_options_are_passed_through():
    source = load_source("ring", num_samples=100, num_modes=3, radius=5.0, std=0.0)
    np.testing.assert_allclose(np.linalg.norm(source.arrays["x"], axis=1), 5.0, rtol=1e-6)
    assert set(np.unique(source.arrays["label"])) <= {0, 1, 2}


def test_sources_feed_the_iterator():
    iterator = BatchIterator(load_source("moons", num_samples=100), 32, seed=0)
    assert next(iterator)["x"].shape == (32, 2)


def test_tfds_names_route_to_load_tfds(mock_tfds, tmp_path):
    with mock_tfds(num_examples=5):
        source = load_source("cifar10", split="test", data_dir=tmp_path, image_size=16)
        batch = source[[0, 4]]
    assert isinstance(source, TfdsImageSource)
    assert batch["image"].shape == (2, 16, 16, 3)


def test_missing_tfds_data_set(tmp_path):
    with pytest.raises(DatasetUnavailableError, match="tfds build fashion_mnist"):
        load_source("fashion_mnist", data_dir=tmp_path)


def test_unknown_name_and_split():
    with pytest.raises(ValueError, match=r"unknown data set 'mnsit'; known data sets are \("):
        load_source("mnsit")
    with pytest.raises(ValueError, match=r"split for 'ring' must be one of \('train', 'test'\)"):
        load_source("ring", split="all")
    with pytest.raises(ValueError, match="split must be one of"):
        load_source("digits", split="validation")
    assert set(DATASETS) >= {"digits", "moons", "mnist", "celeb_a", "quickdraw_bitmap"}


def test_load_split_takes_a_config_data_section_whole():
    section = {"dataset": "digits", "data_dir": "", "image_size": 8, "classes": (), "batch_size": 4}
    source = data.load_split(section, "test", value_range=(-1.0, 1.0))
    expected = data.load_source("digits", split="test", image_size=8, value_range=(-1.0, 1.0))
    np.testing.assert_array_equal(source.arrays["image"], expected.arrays["image"])
    override = data.load_split(section, "test", image_size=16)
    assert override.arrays["image"].shape[1:] == (16, 16, 1)
