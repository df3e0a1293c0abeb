"""Numpy image transforms used by the loaders: pixel scaling, center crop, bilinear resize.

Everything here takes and returns numpy arrays laid out as [B, H, W, C].
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "center_crop_square",
    "check_value_range",
    "resize_bilinear",
    "scale_pixels",
]


def check_value_range(value_range: Sequence[float]) -> tuple[float, float]:
    """Checks a target pixel range ``(lo, hi)``.

    Args:
        value_range: Two finite numbers with ``lo < hi``, e.g. ``(0.0, 1.0)`` or ``(-1.0, 1.0)``.

    Returns:
        ``(lo, hi)`` as Python floats.

    Raises:
        ValueError: If it is not two finite numbers in increasing order.
    """
    try:
        if isinstance(value_range, (str, bytes)):
            raise TypeError
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"value_range must be a pair (lo, hi) of numbers such as (0.0, 1.0) or (-1.0, 1.0), "
            f"got {value_range!r}"
        ) from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(
            f"value_range must satisfy lo < hi with finite values, such as (0.0, 1.0) or "
            f"(-1.0, 1.0), got {value_range!r}"
        )
    return low, high


def scale_pixels(
    pixels: np.ndarray, *, max_value: float, value_range: tuple[float, float]
) -> np.ndarray:
    """Maps pixel values from ``[0, max_value]`` linearly onto ``value_range``.

    Args:
        pixels: Any shape, values in ``[0, max_value]`` (uint8 images use ``max_value=255``).
        max_value: The value that maps to ``hi``.
        value_range: ``(lo, hi)``, already checked by :func:`check_value_range`.

    Returns:
        float32, same shape, values clipped to ``[lo, hi]``.
    """
    low, high = value_range
    scaled = pixels.astype(np.float32) * np.float32((high - low) / max_value) + np.float32(low)
    return np.clip(scaled, np.float32(low), np.float32(high))


def center_crop_square(images: np.ndarray) -> np.ndarray:
    """Crops the largest centred square out of each image.

    Args:
        images: [B, H, W, C].

    Returns:
        [B, S, S, C] with ``S = min(H, W)`` (a view when nothing needs cropping).
    """
    height, width = images.shape[1:3]
    side = min(height, width)
    top = (height - side) // 2
    left = (width - side) // 2
    return images[:, top : top + side, left : left + side, :]


def _triangle_weights(in_size: int, out_size: int) -> np.ndarray:
    """Row-normalised bilinear (triangle-kernel) interpolation weights, float64 [out, in].

    Pixel centres sit at half-integers (the "align_corners=False" convention). When
    shrinking, the kernel is widened by ``in/out`` so that every input pixel contributes
    (antialiasing), as in ``jax.image.resize(..., antialias=True)`` and PIL.
    """
    scale = out_size / in_size
    kernel_scale = min(scale, 1.0)
    centres = (np.arange(out_size) + 0.5) / scale - 0.5
    distance = np.arange(in_size)[None, :] - centres[:, None]
    weights = np.maximum(0.0, 1.0 - np.abs(distance) * kernel_scale)
    return weights / weights.sum(axis=1, keepdims=True)


def resize_bilinear(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resizes images with separable, antialiased bilinear interpolation.

    The output is a convex combination of input pixels, so it stays within the input's range.

    Args:
        images: [B, H, W, C], any real dtype.
        size: ``(height, width)`` of the output.

    Returns:
        float32 [B, height, width, C]. Returned unchanged (as float32) when the size matches.
    """
    height, width = size
    images = images.astype(np.float32, copy=False)
    if images.shape[1:3] == (height, width):
        return images
    rows = _triangle_weights(images.shape[1], height).astype(np.float32)
    cols = _triangle_weights(images.shape[2], width).astype(np.float32)
    resized = np.einsum("oh,bhwc->bowc", rows, images, optimize=True)
    return np.einsum("pw,bowc->bopc", cols, resized, optimize=True)
