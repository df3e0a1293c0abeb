"""Validation of the arrays that the evaluation metrics take at their public boundary."""

from __future__ import annotations

import numpy as np


def feature_matrix(name: str, value, *, min_samples: int = 1) -> np.ndarray:
    """``value`` as a finite float64 matrix ``[N, D]`` with ``N >= min_samples``.

    Args:
        name: the argument's name, used in error messages.
        value: array-like ``[N, D]`` (numpy or JAX).
        min_samples: the least number of rows the metric needs.

    Raises:
        ValueError: naming ``name`` when the array is not 2-D, has too few rows, no columns,
            or holds NaN or inf.
    """
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be a matrix [num_samples, num_features], got shape {array.shape}; "
            "flatten each example's features (e.g. features.reshape(len(features), -1))"
        )
    num_samples, num_features = array.shape
    if num_features == 0:
        raise ValueError(f"{name} has shape {array.shape}: it needs at least one feature")
    if num_samples < min_samples:
        raise ValueError(
            f"{name} has {num_samples} samples but this metric needs at least {min_samples}; "
            "pass more samples"
        )
    bad_rows = ~np.isfinite(array).all(axis=1)
    if bad_rows.any():
        raise ValueError(
            f"{name} holds NaN or inf (first in row {int(np.argmax(bad_rows))}); check the "
            "feature network and the generated samples"
        )
    return array


def same_num_features(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    """Raise ``ValueError`` naming both arguments when their feature sizes differ."""
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"{name_a} has {a.shape[1]} features per sample but {name_b} has {b.shape[1]}; "
            "compute both with the same feature network"
        )
