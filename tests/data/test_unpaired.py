"""Unpaired CycleGAN data: TFDS cycle_gan (mocked), image folders, the resumable pairing
iterator with its joint flip, and the embedded toys with their ideal maps."""

import numpy as np
import pytest

from gen_jax.data import DatasetUnavailableError
from gen_jax.data.unpaired import (
    UnpairedIterator,
    load_cycle_gan_folder,
    load_cycle_gan_tfds,
    load_unpaired,
)
from gen_jax.data.unpaired_toys import digits_inverted, ideal_translation, photo_channel_swap


def test_tfds_cycle_gan_domains_are_resized_to_minus_one_one(mock_tfds, tmp_path):
    with mock_tfds(num_examples=5):
        source = load_cycle_gan_tfds(
            "cycle_gan/apple2orange", split="testB", image_size=16, data_dir=tmp_path
        )
        batch = source[[0, 4]]
    assert len(source) == 5 and batch["image"].shape == (2, 16, 16, 3)
    assert -1.0 <= batch["image"].min() and batch["image"].max() <= 1.0


def test_missing_tfds_data_says_how_to_get_it(tmp_path):
    pytest.importorskip("tensorflow_datasets")
    with pytest.raises(DatasetUnavailableError, match="tfds build cycle_gan/monet2photo"):
        load_cycle_gan_tfds(
            "cycle_gan/monet2photo", split="trainA", image_size=256, data_dir=tmp_path
        )


def test_folder_loader_reads_scales_and_resizes(tmp_path):
    from PIL import Image

    pixels = np.zeros((6, 4, 3), np.uint8)
    pixels[..., 0] = 255
    (tmp_path / "trainA").mkdir()
    Image.fromarray(pixels).save(tmp_path / "trainA" / "red.png")
    source = load_cycle_gan_folder(tmp_path, split="trainA", image_size=8)
    image = source[[0]]["image"]
    assert image.shape == (1, 8, 8, 3)
    np.testing.assert_allclose(image[..., 0], 1.0, atol=1e-5)
    np.testing.assert_allclose(image[..., 1:], -1.0, atol=1e-5)
    with pytest.raises(DatasetUnavailableError, match="trainB"):
        load_cycle_gan_folder(tmp_path, split="trainB", image_size=8)


def test_iterator_resumes_and_flips_pairs_together():
    source_a, source_b = photo_channel_swap(split="test", image_size=8, num_crops=12)
    batches = UnpairedIterator(source_a, source_b, 4, seed=3, flip=True)
    first = next(batches)
    saved = batches.state_dict()
    expected = [next(batches) for _ in range(4)]
    resumed = UnpairedIterator(source_a, source_b, 4, seed=3, flip=True)
    resumed.load_state_dict(saved)
    for batch in expected:
        got = next(resumed)
        np.testing.assert_array_equal(got["image_a"], batch["image_a"])
        np.testing.assert_array_equal(got["image_b"], batch["image_b"])
    plain = UnpairedIterator(source_a, source_b, 4, seed=3, flip=False)
    unflipped = next(plain)
    flipped_a = np.any(first["image_a"] != unflipped["image_a"], axis=(1, 2, 3))
    flipped_b = np.any(first["image_b"] != unflipped["image_b"], axis=(1, 2, 3))
    np.testing.assert_array_equal(flipped_a, flipped_b)
    np.testing.assert_array_equal(
        first["image_a"][flipped_a], unflipped["image_a"][flipped_a][:, :, ::-1]
    )


def test_digit_domains_are_disjoint_and_inverted():
    source_a, source_b = digits_inverted(split="test", image_size=16)
    a, b = source_a[np.arange(len(source_a))], source_b[np.arange(len(source_b))]
    assert a["image"].shape[1:] == (16, 16, 1)
    flat_a = {x.tobytes() for x in a["image"]}
    assert not flat_a & {(-x).tobytes() for x in b["image"]}  # no partner in B
    assert a["image"].mean() < 0 < b["image"].mean()  # dark background vs light
    to_b, to_a = ideal_translation("digits_inverted")
    np.testing.assert_array_equal(to_a(to_b(a["image"])), a["image"])


def test_photo_domains_swap_red_and_blue_and_load_by_name():
    source_a, source_b = load_unpaired(
        {"dataset": "photo_channel_swap", "image_size": 16, "num_crops": 8}, "train"
    )
    a, b = source_a[np.arange(8)]["image"], source_b[np.arange(8)]["image"]
    assert a.shape == b.shape == (8, 16, 16, 3)
    assert -1.0 <= min(a.min(), b.min()) and max(a.max(), b.max()) <= 1.0
    assert not np.array_equal(a, b[..., ::-1])  # other crops, not the partners
    to_b, _ = ideal_translation("photo_channel_swap")
    np.testing.assert_array_equal(to_b(a)[..., 0], a[..., 2])
    with pytest.raises(ValueError, match="unknown unpaired"):
        load_unpaired({"dataset": "horses", "image_size": 16}, "train")
