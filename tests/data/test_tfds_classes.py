"""load_tfds(classes=...): class filters by name or id, on tfds.testing.mock_data."""

from __future__ import annotations

import numpy as np
import pytest

from gen_jax.data import load_source, load_tfds


def test_cifar10_horses_and_an_id_keep_exactly_those_examples(mock_tfds, tmp_path):
    with mock_tfds(num_examples=40) as tfds:
        raw = tfds.data_source("cifar10", split="train", download=False)
        raw_labels = np.array([raw[i]["label"] for i in range(len(raw))])
        raw_images = np.stack([raw[i]["image"] for i in range(len(raw))])
        source = load_source(
            "cifar10", data_dir=tmp_path, classes=("horse", 2), value_range=(-1.0, 1.0)
        )
        expected = np.flatnonzero((raw_labels == 7) | (raw_labels == 2))
        assert len(source) == len(expected) > 0
        batch = source[np.arange(len(source))[::-1]]
        # A second load reads the label cache and gives the same view.
        cached = load_tfds("cifar10", data_dir=tmp_path, classes=(7, "bird"))
        assert (tmp_path / "cifar10" / "gen_jax_labels" / "train.npy").exists()
        assert len(cached) == len(expected)
    np.testing.assert_array_equal(batch["label"], raw_labels[expected][::-1])
    np.testing.assert_allclose(batch["image"], raw_images[expected][::-1] / 127.5 - 1.0, atol=1e-6)
    assert source.class_names[7] == "horse"


def test_quickdraw_class_by_name(mock_tfds, tmp_path):
    with mock_tfds(num_examples=12) as tfds:
        raw = tfds.data_source("quickdraw_bitmap", split="train", download=False)
        raw_labels = np.array([raw[i]["label"] for i in range(len(raw))])
        names = load_tfds("quickdraw_bitmap", data_dir=tmp_path).class_names
        assert names[54] == "camel" and len(names) == 345
        wanted = names[raw_labels[3]]
        source = load_tfds("quickdraw_bitmap", data_dir=tmp_path, classes=(wanted,))
        batch = source[np.arange(len(source))]
        with pytest.raises(ValueError, match="no example of 'quickdraw_bitmap'"):
            absent = sorted(set(range(345)) - set(raw_labels.tolist()))[0]
            load_tfds("quickdraw_bitmap", data_dir=tmp_path, classes=(absent,))
    assert len(source) == int(np.sum(raw_labels == raw_labels[3]))
    assert np.all(batch["label"] == raw_labels[3])


@pytest.mark.parametrize(
    ("name", "classes", "match"),
    [
        ("cifar10", ("zebra",), r"unknown class 'zebra' for 'cifar10'; valid names are \("),
        ("cifar10", (10,), r"class id 10 is outside \[0, 10\)"),
        ("cifar10", "horse", "pass a non-empty tuple"),
        ("cifar10", (), "pass a non-empty tuple"),
        ("celeb_a", ("Smiling",), "has attributes, not class labels"),
    ],
)
def test_bad_classes_are_named(mock_tfds, tmp_path, name, classes, match):
    with mock_tfds(num_examples=3), pytest.raises(ValueError, match=match) as info:
        load_tfds(name, data_dir=tmp_path, classes=classes)
    if "zebra" in classes:
        assert "'horse'" in str(info.value) and "'truck'" in str(info.value)


def test_wgan_horses_full_variant_reads_horses_from_train_and_test(mock_tfds, tmp_path):
    from gen_jax import launcher
    from gen_jax.data import load_split

    config = launcher.get_config("wgan_horses", "full")
    config.data.data_dir = str(tmp_path)
    with mock_tfds(num_examples=40) as tfds:
        raw = tfds.data_source("cifar10", split="train+test", download=False)
        horses = sum(int(raw[i]["label"] == 7) for i in range(len(raw)))
        source = load_split(config.data, config.data.split, value_range=(-1.0, 1.0))
        batch = source[np.arange(min(4, len(source)))]
    assert len(source) == horses > 0
    assert batch["image"].shape[1:] == (32, 32, 3) and np.all(batch["label"] == 7)
    assert -1.0 <= batch["image"].min() and batch["image"].max() <= 1.0
    assert (tmp_path / "cifar10" / "gen_jax_labels" / "train_test.npy").exists()
