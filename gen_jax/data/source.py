"""The random-access source protocol shared by every data set in :mod:`gen_jax.data`.

A source is any object with ``len(source)`` and ``source[indices]``, where ``indices`` is a
1-D sequence of example indices and the result is a dict of numpy arrays whose leading axis
has ``len(indices)`` entries, in the order of ``indices``. :class:`~gen_jax.data.BatchIterator`
turns a source into a deterministic, resumable stream of batches.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["RandomAccessSource", "as_index_array"]


@runtime_checkable
class RandomAccessSource(Protocol):
    """Anything that returns a batch of examples for a batch of indices.

    ``source[indices]`` with ``indices`` int [B] returns ``{key: np.ndarray [B, ...]}``.
    """

    def __len__(self) -> int: ...

    def __getitem__(self, indices: Sequence[int] | np.ndarray) -> dict[str, np.ndarray]: ...


def as_index_array(indices: Sequence[int] | np.ndarray, length: int) -> np.ndarray:
    """Checks a batch of example indices and returns them as int64 [B].

    Args:
        indices: A 1-D sequence or array of non-negative integers.
        length: The number of examples in the source.

    Returns:
        int64 [B], a fresh array.

    Raises:
        TypeError: If ``indices`` is a scalar, a slice or not integer-valued.
        IndexError: If an index is outside ``[0, length)``.
    """
    if isinstance(indices, slice):
        raise TypeError(
            "indices must be a 1-D sequence of ints, not a slice; "
            "use np.arange(start, stop) to select a range"
        )
    try:
        operator.index(indices)
    except TypeError:
        pass
    else:
        raise TypeError(
            f"indices must be a 1-D sequence of ints, got the scalar {indices!r}; "
            f"write source[[{indices!r}]] for a batch of one"
        )
    array = np.asarray(indices)
    if array.size == 0:
        return np.zeros((0,), dtype=np.int64)
    if array.ndim != 1:
        raise TypeError(f"indices must be 1-D, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"indices must be integers, got dtype {array.dtype}")
    array = array.astype(np.int64)
    out_of_range = (array < 0) | (array >= length)
    if out_of_range.any():
        position = int(np.argmax(out_of_range))
        raise IndexError(
            f"index {int(array[position])} at position {position} is out of range for a "
            f"source of length {length}; valid indices are 0..{length - 1}"
        )
    return array
