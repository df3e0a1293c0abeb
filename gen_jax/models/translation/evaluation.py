"""Held-out measurements of a trained CycleGAN: translations in chunks, and their errors
against a known ideal map, after a round trip, and under the identity.

All images are ``[N, H, W, C]`` in [-1, 1]; errors are mean absolute differences over
every pixel and channel, in those units (so 2 is the largest possible).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import flax.linen as nn
import jax
import numpy as np

CHUNK = 256


@functools.cache
def _jitted_apply(generator: nn.Module):
    return jax.jit(generator.apply)


def translate(
    generator: nn.Module, params, images: np.ndarray, *, chunk: int = CHUNK
) -> np.ndarray:
    """``generator.apply({"params": params}, images)`` in chunks, on the host as numpy."""
    apply = _jitted_apply(generator)
    return np.concatenate(
        [
            np.asarray(apply({"params": params}, images[start : start + chunk]))
            for start in range(0, images.shape[0], chunk)
        ]
    )


def mean_absolute_error(x: np.ndarray, y: np.ndarray) -> float:
    """Mean of ``|x - y|`` over every element, in float64."""
    return float(np.mean(np.abs(np.asarray(x, np.float64) - np.asarray(y, np.float64))))


def translation_errors(
    generator: nn.Module,
    params: dict,
    images_a: np.ndarray,
    images_b: np.ndarray,
    ideal: tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]
    | None = None,
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Errors of both directions on held-out images.

    Args:
        generator: the generator module.
        params: ``{"a_to_b": ..., "b_to_a": ...}``, a ``CycleGANState.gen`` parameter dict.
        images_a, images_b: held-out images of each domain.
        ideal: the exact ``(a_to_b, b_to_a)`` maps, when known.

    Returns:
        ``(metrics, images)``: ``cycle_error_aba``, ``cycle_error_bab`` (round trips),
        ``identity_change_a``, ``identity_change_b`` (``|F(a) - a|``, ``|G(b) - b|``), and
        with ``ideal`` ``ideal_error_a_to_b``, ``ideal_error_b_to_a`` and the error of doing
        nothing, ``do_nothing_error_a_to_b`` / ``_b_to_a``; the images are the translations
        ``fake_b``, ``fake_a``, reconstructions ``cycle_a``, ``cycle_b``, identities
        ``identity_a``, ``identity_b``.
    """
    a_to_b, b_to_a = params["a_to_b"], params["b_to_a"]
    fake_b = translate(generator, a_to_b, images_a)
    fake_a = translate(generator, b_to_a, images_b)
    images = {
        "fake_b": fake_b,
        "fake_a": fake_a,
        "cycle_a": translate(generator, b_to_a, fake_b),
        "cycle_b": translate(generator, a_to_b, fake_a),
        "identity_a": translate(generator, b_to_a, images_a),
        "identity_b": translate(generator, a_to_b, images_b),
    }
    metrics = {
        "cycle_error_aba": mean_absolute_error(images["cycle_a"], images_a),
        "cycle_error_bab": mean_absolute_error(images["cycle_b"], images_b),
        "identity_change_a": mean_absolute_error(images["identity_a"], images_a),
        "identity_change_b": mean_absolute_error(images["identity_b"], images_b),
    }
    if ideal is not None:
        ideal_b, ideal_a = ideal[0](images_a), ideal[1](images_b)
        metrics.update(
            ideal_error_a_to_b=mean_absolute_error(fake_b, ideal_b),
            ideal_error_b_to_a=mean_absolute_error(fake_a, ideal_a),
            do_nothing_error_a_to_b=mean_absolute_error(images_a, ideal_b),
            do_nothing_error_b_to_a=mean_absolute_error(images_b, ideal_a),
        )
    return metrics, images


def round_trip_rows(
    real: np.ndarray, translated: np.ndarray, reconstructed: np.ndarray
) -> np.ndarray:
    """``[3 N, H, W, C]``: a row of originals, a row of translations, a row of
    reconstructions, for a grid with ``N`` columns (the book's Fig. 5.8)."""
    return np.concatenate([real, translated, reconstructed])
