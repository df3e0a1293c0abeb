"""Checks at the public boundary of the estimators: clear errors that name the argument."""

from __future__ import annotations

import numpy as np
import scipy.sparse


def check_matrix(x, *, name: str = "X", allow_nan: bool = False) -> np.ndarray:
    """``x`` as a floating ``[N, D]`` numpy array with at least one row; NaN only if allowed.

    A scipy sparse matrix is accepted and made dense; an object array is converted to float.

    Float32 and float64 are kept; other numeric types become float64 (``jax`` then
    follows its ``jax_enable_x64`` setting).
    """
    if scipy.sparse.issparse(x):
        x = x.toarray()
    array = np.asarray(x)
    if array.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {array.dtype}")
    if array.dtype.kind == "O":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"{name} has dtype object and {error}; pass numbers (a float array)"
            ) from error
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{name} has dtype {array.dtype}; pass numbers (a float array)")
    if array.ndim == 1:
        raise ValueError(
            f"{name} is 1-D with shape {array.shape}; Reshape your data: pass a 2-D array "
            f"[n_samples, n_features] (use {name}.reshape(-1, 1) for a single feature)"
        )
    if array.ndim != 2:
        raise ValueError(f"{name} has shape {array.shape}; pass [n_samples, n_features]")
    if array.shape[1] == 0:
        raise ValueError(
            f"{name} has 0 feature(s) (shape={array.shape}) while a minimum of 1 is required."
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} has shape {array.shape}; it needs at least one row")
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    if np.isinf(array).any():
        row = int(np.argwhere(np.isinf(array))[0, 0])
        raise ValueError(f"{name} contains inf (first in row {row}); remove or clip it")
    if not allow_nan and np.isnan(array).any():
        row = int(np.argwhere(np.isnan(array))[0, 0])
        raise ValueError(
            f"{name} contains NaN (first in row {row}); drop or impute missing values, or use "
            "covariance_type='diag', which treats NaN as missing"
        )
    return array


def check_sample_weight(sample_weight, num_samples: int, dtype) -> np.ndarray:
    """Non-negative finite weights ``[N]`` with a positive sum; ones when ``None``."""
    if sample_weight is None:
        return np.ones(num_samples, dtype)
    weights = np.asarray(sample_weight, dtype)
    if weights.shape != (num_samples,):
        raise ValueError(
            f"sample_weight has shape {weights.shape}; pass one weight per sample, "
            f"shape ({num_samples},)"
        )
    if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
        raise ValueError(
            "sample_weight must be finite and non-negative with a positive sum (not all zero)"
        )
    return weights
