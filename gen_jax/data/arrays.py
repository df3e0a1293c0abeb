"""A random-access source over in-memory numpy arrays, validated once at construction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from gen_jax.data.source import as_index_array

__all__ = ["ArraySource"]


def _first_non_finite(array: np.ndarray) -> int | None:
    """Index along axis 0 of the first example holding NaN or inf, or None if all finite."""
    bad = ~np.isfinite(array.reshape(array.shape[0], -1)).all(axis=1)
    return int(np.argmax(bad)) if bad.any() else None


class ArraySource:
    """Examples stored as arrays that share their leading (example) axis.

    ``len(source)`` is N and ``source[indices]`` returns ``{key: array[indices]}`` (copies).

    Args:
        arrays: ``{key: array [N, ...]}``, at least one key and N >= 1. Arrays are converted
            with ``np.asarray`` (jax arrays become numpy) and are not copied.

    Raises:
        TypeError: If ``arrays`` is not a mapping with string keys.
        ValueError: If it is empty, an array is 0-d, the leading lengths differ, or a
            floating-point array holds NaN or inf (the message names the key and the first
            bad example).

    Example:
        >>> source = ArraySource({"x": np.zeros((5, 2)), "label": np.arange(5)})
        >>> source[[4, 0]]["label"]
        array([4, 0])
    """

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        if not isinstance(arrays, Mapping):
            raise TypeError(f"arrays must be a dict of numpy arrays, got {type(arrays).__name__}")
        if not arrays:
            raise ValueError("arrays is empty; pass at least one array, e.g. {'x': x}")
        converted: dict[str, np.ndarray] = {}
        length = None
        for key, value in arrays.items():
            if not isinstance(key, str):
                raise TypeError(f"array keys must be strings, got {key!r}")
            array = np.asarray(value)
            if array.ndim == 0:
                raise ValueError(
                    f"array {key!r} is a scalar; every array needs a leading example axis"
                )
            if length is None:
                length, first_key = array.shape[0], key
            elif array.shape[0] != length:
                raise ValueError(
                    f"array {key!r} has {array.shape[0]} examples but array {first_key!r} has "
                    f"{length}; all arrays must share the same leading length"
                )
            converted[key] = array
        if length == 0:
            raise ValueError(f"array {first_key!r} has no examples; the data set is empty")
        for key, array in converted.items():
            if np.issubdtype(array.dtype, np.inexact):
                bad_index = _first_non_finite(array)
                if bad_index is not None:
                    raise ValueError(
                        f"array {key!r} contains NaN or inf at index {bad_index}; "
                        "clean or drop those examples"
                    )
        self._arrays = converted
        self._length = int(length)

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys of every returned batch."""
        return tuple(self._arrays)

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        """The full arrays, ``{key: [N, ...]}`` (shared, not copied)."""
        return dict(self._arrays)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, indices: Sequence[int] | np.ndarray) -> dict[str, np.ndarray]:
        """Gathers a batch.

        Args:
            indices: int [B], each in ``[0, N)``.

        Returns:
            ``{key: array [B, ...]}`` in the order of ``indices``.
        """
        index = as_index_array(indices, self._length)
        return {key: array[index] for key, array in self._arrays.items()}

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}: {a.dtype}{list(a.shape)}" for k, a in self._arrays.items())
        return f"ArraySource({fields})"
