"""Input handling of the HMM estimators: ``lengths``, padding to ``[N, T]``, checked tables.

hmmlearn's convention is kept: a data set of several sequences is their concatenation
``X [n_samples, ...]`` with ``lengths [n_sequences]`` summing to ``n_samples``. Inside,
sequences are padded to the longest one, with a mask, so that one vmapped program handles
them all.
"""

from __future__ import annotations

import numpy as np


def check_lengths(lengths, num_samples: int) -> np.ndarray:
    """``lengths`` as positive int64 ``[n_sequences]`` summing to ``num_samples``.

    ``None`` means one sequence of all samples.
    """
    if lengths is None:
        return np.asarray([num_samples], np.int64)
    array = np.asarray(lengths)
    if array.ndim != 1 or array.size == 0 or array.dtype.kind not in "iu":
        raise ValueError(
            f"lengths must be a 1-D array of integers (one per sequence); got shape "
            f"{array.shape} and dtype {array.dtype}"
        )
    if (array < 1).any():
        raise ValueError(
            f"lengths holds {int(array.min())} (sequence {int(np.argmin(array))}); every "
            "sequence needs at least one sample: drop empty sequences"
        )
    if int(array.sum()) != num_samples:
        raise ValueError(
            f"lengths sum to {int(array.sum())} but X has {num_samples} samples; lengths "
            "must list the length of every sequence concatenated in X"
        )
    return array.astype(np.int64)


def pad_sequences(x: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split concatenated ``x [n_samples, ...]`` into ``[N, T_max, ...]`` plus ``mask [N, T_max]``.

    Padding holds zeros; ``mask`` is true on each sequence's samples.
    """
    mask = np.arange(int(lengths.max()))[None, :] < lengths[:, None]
    padded = np.zeros((lengths.size, mask.shape[1], *x.shape[1:]), x.dtype)
    padded[mask] = x
    return padded, mask


def check_distribution(name: str, value, shape: tuple[int, ...], dtype) -> np.ndarray:
    """``value`` as a ``dtype`` array of ``shape`` whose last axis holds distributions.

    Raises ``ValueError`` naming ``name`` if the shape is wrong, an entry is negative or not
    finite, or a row does not sum to one (to 1e-6).
    """
    array = np.asarray(value, np.float64)
    if array.shape != shape:
        raise ValueError(f"{name} has shape {array.shape}; expected {shape}")
    if not np.isfinite(array).all() or (array < 0).any():
        raise ValueError(f"{name} must hold finite, non-negative probabilities")
    sums = array.sum(axis=-1)
    bad = np.abs(sums - 1) > 1e-6
    if bad.any():
        where = f"row {int(np.argmax(bad.ravel()))} " if array.ndim > 1 else ""
        raise ValueError(
            f"{name} {'rows' if array.ndim > 1 else 'entries'} must sum to 1, but "
            f"{where}sums to {float(sums.ravel()[np.argmax(bad.ravel())]):.6g}; normalise "
            f"it ({name} / {name}.sum(axis=-1, keepdims=True))"
        )
    return array.astype(dtype)


def check_symbols(x, num_symbols: int | None, *, name: str = "X") -> np.ndarray:
    """Integer symbols ``[n_samples, 1]`` or ``[n_samples]`` as int32 ``[n_samples]``.

    Symbols must be whole numbers in ``[0, num_symbols)`` (any non-negative when
    ``num_symbols`` is None).
    """
    array = np.asarray(x)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(
            f"{name} has shape {np.shape(x)}; pass integer symbols as [n_samples, 1] (or "
            "[n_samples])"
        )
    if array.size == 0:
        raise ValueError(f"{name} is empty; pass at least one sample")
    if array.dtype.kind not in "iuf" or (
        array.dtype.kind == "f" and not (np.isfinite(array) & (array == np.round(array))).all()
    ):
        raise ValueError(f"{name} must hold integer symbols 0, 1, ..., n_features - 1")
    if (array < 0).any():
        row = int(np.argmax(array < 0))
        raise ValueError(f"{name} holds a negative symbol in row {row}; symbols must be >= 0")
    if num_symbols is not None and (array >= num_symbols).any():
        row = int(np.argmax(array >= num_symbols))
        raise ValueError(
            f"{name} holds symbol {int(array[row])} (row {row}) outside the vocabulary of "
            f"n_features={num_symbols} symbols [0, {num_symbols}); raise n_features or remap "
            "the symbols"
        )
    return array.astype(np.int32)


def check_covariances(value, shape: tuple[int, ...], covariance_type: str, dtype) -> np.ndarray:
    """``covars_`` as a ``dtype`` array of ``shape``: positive variances (``"diag"``,
    ``"spherical"``) or symmetric positive definite matrices in the last two axes (``"full"``,
    ``"tied"``); ``ValueError`` naming ``covars_`` otherwise."""
    covars = np.asarray(value, np.float64)
    if covars.shape != shape:
        raise ValueError(
            f"covars_ has shape {covars.shape}; expected {shape} for "
            f"covariance_type={covariance_type!r}"
        )
    if covariance_type in ("diag", "spherical"):
        positive = np.isfinite(covars).all() and (covars > 0).all()
    else:
        matrices = covars.reshape(-1, *shape[-2:])
        positive = np.allclose(matrices, np.swapaxes(matrices, 1, 2)) and all(
            np.isfinite(m).all() and np.linalg.eigvalsh(m).min() > 0 for m in matrices
        )
    if not positive:
        raise ValueError(
            "covars_ must be positive (variances) or symmetric positive definite "
            "(full/tied matrices)"
        )
    return covars.astype(dtype)
