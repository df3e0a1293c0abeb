"""Offline two-domain data with a known ideal translation, so CycleGAN quality is a number.

- ``"digits_inverted"``: domain A is scikit-learn's digits, domain B the *other* digits
  with inverted intensity (``-x`` in [-1, 1]). The two domains hold disjoint halves of
  each split, so no image has its partner in the other domain (unpaired). The ideal maps
  are ``x -> -x`` both ways, and a digit keeps its class, which the bundled digits
  classifier can check.
- ``"photo_channel_swap"``: domain A is square crops of the photo that ships with
  matplotlib (``mpl-data/sample_data/grace_hopper.jpg``, 512x600, downscaled by 2), domain
  B other crops with red and blue swapped. The ideal maps swap the channels back. Training
  crops come from the left 60% of the photo, test crops from the rest.

Each loader returns ``(source_a, source_b)`` of :class:`~gen_jax.data.ArraySource` with
``"image"`` float32 ``[N, S, S, C]`` in [-1, 1] (and ``"label"`` for the digits).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import numpy as np

from gen_jax.data.arrays import ArraySource
from gen_jax.data.embedded import load_digits
from gen_jax.data.transforms import resize_bilinear, scale_pixels

__all__ = [
    "UNPAIRED_TOYS",
    "digits_inverted",
    "ideal_translation",
    "photo_channel_swap",
    "sample_photo",
    "sample_photo_path",
]

UNPAIRED_TOYS = ("digits_inverted", "photo_channel_swap")
PHOTO_FILE = "grace_hopper.jpg"
_TRAIN_WIDTH_FRACTION = 0.6
_DOWNSCALE = 2


def _halves(num_examples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng([seed, 7]).permutation(num_examples)
    return np.sort(order[: num_examples // 2]), np.sort(order[num_examples // 2 :])


def digits_inverted(
    *, split: str = "train", image_size: int = 32, seed: int = 0
) -> tuple[ArraySource, ArraySource]:
    """Digits (A) and inverted digits (B), disjoint halves of the digits' ``split``.

    Args:
        split: ``"train"`` or ``"test"`` (the stratified split of
            :func:`~gen_jax.data.load_digits`, seed 0).
        image_size: 8, 16, 28 or 32 (multiples of 16 suit the U-Net).
        seed: which half of each split goes to which domain.

    Returns:
        ``(source_a, source_b)`` with ``"image" [N, S, S, 1]`` and ``"label" [N]``.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split={split!r}; choose 'train' or 'test'")
    digits = load_digits(split=split, image_size=image_size, value_range=(-1.0, 1.0))
    first, second = _halves(len(digits["label"]), seed)
    domain_a = {key: value[first] for key, value in digits.items()}
    domain_b = {key: value[second] for key, value in digits.items()}
    domain_b["image"] = -domain_b["image"]
    return ArraySource(domain_a), ArraySource(domain_b)


def sample_photo_path() -> Path:
    """The photo inside the installed matplotlib (``mpl-data/sample_data``)."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "sample_data" / PHOTO_FILE


@functools.lru_cache(maxsize=1)
def sample_photo() -> np.ndarray:
    """matplotlib's Grace Hopper photo as float32 ``[600, 512, 3]`` in [0, 255]."""
    from PIL import Image

    path = sample_photo_path()
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing; the photo ships with matplotlib (pip install matplotlib)"
        )
    with Image.open(path) as image:
        photo = np.asarray(image.convert("RGB"), dtype=np.float32)
    photo.setflags(write=False)
    return photo


def _crops(photo: np.ndarray, size: int, count: int, rng: np.random.Generator) -> np.ndarray:
    height, width = photo.shape[:2]
    rows = rng.integers(0, height - size + 1, count)
    columns = rng.integers(0, width - size + 1, count)
    return np.stack([photo[r : r + size, c : c + size] for r, c in zip(rows, columns, strict=True)])


def photo_channel_swap(
    *, split: str = "train", image_size: int = 32, num_crops: int = 256, seed: int = 0
) -> tuple[ArraySource, ArraySource]:
    """Photo crops (A) and other crops with red and blue swapped (B).

    Args:
        split: ``"train"`` (crops from the left 60% of the photo) or ``"test"`` (the rest).
        image_size: crop side ``S`` on the photo downscaled by 2 (256 wide, 300 high).
        num_crops: crops per domain.
        seed: seeds the crop positions (A and B use independent draws).

    Returns:
        ``(source_a, source_b)`` with ``"image" [num_crops, S, S, 3]``.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split={split!r}; choose 'train' or 'test'")
    photo = sample_photo()
    height, width = (side // _DOWNSCALE for side in photo.shape[:2])
    small = resize_bilinear(photo[None], (height, width))[0]
    boundary = int(width * _TRAIN_WIDTH_FRACTION)
    region = small[:, :boundary] if split == "train" else small[:, boundary:]
    if not 1 <= image_size <= min(region.shape[:2]):
        raise ValueError(
            f"image_size={image_size} does not fit the {region.shape[0]}x{region.shape[1]} "
            f"{split} region of the photo"
        )
    stream = 0 if split == "train" else 1
    domains = []
    for domain in (0, 1):
        rng = np.random.default_rng([seed, stream, domain])
        crops = scale_pixels(
            _crops(region, image_size, num_crops, rng), max_value=255.0, value_range=(-1.0, 1.0)
        )
        domains.append({"image": crops if domain == 0 else crops[..., ::-1].copy()})
    return ArraySource(domains[0]), ArraySource(domains[1])


def ideal_translation(
    name: str,
) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
    """The exact A -> B and B -> A maps of a toy pair (on images in [-1, 1])."""
    if name == "digits_inverted":
        return (lambda x: -x), (lambda x: -x)
    if name == "photo_channel_swap":
        return (lambda x: x[..., ::-1]), (lambda x: x[..., ::-1])
    raise ValueError(f"no known ideal translation for {name!r}; toys are {UNPAIRED_TOYS}")
