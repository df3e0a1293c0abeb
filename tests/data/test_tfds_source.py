"""TFDS sources through tfds.testing.mock_data (no TensorFlow), and the missing-data error."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest

from gen_jax.data import DatasetUnavailableError, TfdsImageSource, load_tfds
from gen_jax.data.transforms import center_crop_square, resize_bilinear

SHAPES = {
    "mnist": (28, 28, 1),
    "fashion_mnist": (28, 28, 1),
    "cifar10": (32, 32, 3),
    "quickdraw_bitmap": (28, 28, 1),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_labelled_data_sets_match_raw_examples(mock_tfds, tmp_path, name):
    with mock_tfds(num_examples=12) as tfds:
        source = load_tfds(name, split="train", data_dir=tmp_path, value_range=(-1.0, 1.0))
        raw = tfds.data_source(name, split="train", download=False)
        batch = source[[5, 0, 11]]
        expected_images = np.stack([raw[i]["image"] for i in (5, 0, 11)])
        expected_labels = [raw[i]["label"] for i in (5, 0, 11)]

    assert len(source) == 12
    assert set(batch) == {"image", "label"}
    assert batch["image"].shape == (3, *SHAPES[name])
    assert batch["image"].dtype == np.float32
    assert batch["label"].dtype == np.int32
    np.testing.assert_allclose(batch["image"], expected_images / 127.5 - 1.0, atol=1e-6)
    np.testing.assert_array_equal(batch["label"], expected_labels)
    assert source.num_classes == {"quickdraw_bitmap": 345}.get(name, 10)


def test_celeb_a_is_cropped_resized_and_has_attributes(mock_tfds, tmp_path):
    with mock_tfds(num_examples=6) as tfds:
        source = load_tfds("celeb_a", split="test", data_dir=tmp_path, image_size=64)
        raw = tfds.data_source("celeb_a", split="test", download=False)
        batch = source[np.array([3, 1])]
        raw_examples = [raw[3], raw[1]]

    assert set(batch) == {"image", "attributes"}
    assert batch["image"].shape == (2, 64, 64, 3)
    assert 0.0 <= batch["image"].min() and batch["image"].max() <= 1.0
    stored = np.stack([example["image"] for example in raw_examples])  # [2, 218, 178, 3]
    expected = resize_bilinear(center_crop_square(stored), (64, 64)) / 255.0
    np.testing.assert_allclose(batch["image"], expected, atol=1e-5)

    names = source.attribute_names
    assert len(names) == 40 and names[0] == "5_o_Clock_Shadow" and names[-1] == "Young"
    assert batch["attributes"].shape == (2, 40) and batch["attributes"].dtype == np.int32
    expected_attributes = [[int(ex["attributes"][key]) for key in names] for ex in raw_examples]
    np.testing.assert_array_equal(batch["attributes"], expected_attributes)


def test_batched_reads_are_used_and_per_item_reads_are_the_fallback():
    class FakeSource:
        """Mimics tfds.data_source: decoded example dicts, optional __getitems__."""

        def __init__(self):
            rng = np.random.default_rng(0)
            self.images = rng.integers(0, 256, size=(7, 4, 4), dtype=np.uint8)
            self.batched_calls = 0

        def __len__(self):
            return 7

        def __getitem__(self, i):
            return {"image": self.images[i], "label": np.int64(i % 3)}

    class FakeBatchedSource(FakeSource):
        def __getitems__(self, keys):
            self.batched_calls += 1
            return [self[k] for k in keys]

    for fake in (FakeSource(), FakeBatchedSource()):
        source = TfdsImageSource("mnist", "train", fake, image_size=None, value_range=(0, 1))
        batch = source[[6, 2]]
        assert batch["image"].shape == (2, 4, 4, 1)  # channel axis added
        np.testing.assert_allclose(batch["image"][..., 0], fake.images[[6, 2]] / 255.0)
        np.testing.assert_array_equal(batch["label"], [0, 2])
        assert source[[]]["image"].shape == (0, 4, 4, 1)
    assert fake.batched_calls >= 1


def test_no_tensorflow_is_imported(mock_tfds, tmp_path):
    with mock_tfds(num_examples=3):
        load_tfds("mnist", data_dir=tmp_path)[[0, 1]]
    assert "tensorflow" not in sys.modules


def test_missing_data_set_says_where_and_how(tmp_path):
    with pytest.raises(DatasetUnavailableError, match="tfds build mnist") as info:
        load_tfds("mnist", split="train", data_dir=tmp_path)
    message = str(info.value)
    assert "'mnist'" in message and str(tmp_path) in message
    assert "--file_format=array_record" in message and "TFDS_DATA_DIR" in message
    assert "data_dir=" in message
    assert isinstance(info.value, FileNotFoundError)
    assert info.value.dataset == "mnist" and info.value.data_dir == str(tmp_path)
    restored = pickle.loads(pickle.dumps(info.value))
    assert str(restored) == message


def test_missing_data_set_in_tfds_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    (tmp_path / "cifar10").mkdir()
    with pytest.raises(DatasetUnavailableError, match="exists but tfds.data_source could not"):
        load_tfds("cifar10")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "svhn_cropped"}, r"name must be one of \('mnist', 'fashion_mnist'"),
        ({"name": "mnist", "image_size": 0}, "image_size must be None or a positive int"),
        ({"name": "mnist", "value_range": (1.0, -1.0)}, "value_range must satisfy lo < hi"),
        ({"name": "mnist", "split": ["train", "test"]}, "split must be one TFDS split"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_tfds(**kwargs)


def test_bad_indices(mock_tfds, tmp_path):
    with mock_tfds(num_examples=4):
        source = load_tfds("mnist", data_dir=tmp_path)
    with pytest.raises(IndexError, match="index 4 at position 1 is out of range"):
        source[[0, 4]]
    with pytest.raises(TypeError, match=r"write source\[\[2\]\]"):
        source[2]
