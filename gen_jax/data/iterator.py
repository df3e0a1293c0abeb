"""A deterministic, resumable, multi-process-aware batch iterator over a random-access source.

The order of examples is a pure function of ``(seed, epoch)``: epoch ``e`` visits the
examples in the order ``np.random.default_rng([seed, e]).permutation(N)``. The position is
the pair ``(epoch, offset)`` where ``offset`` counts the examples of that permutation already
consumed, so saving ``state_dict()`` in a checkpoint and calling ``load_state_dict`` later
continues with exactly the batches an uninterrupted run would have produced.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import numpy as np

from gen_jax.data.arrays import ArraySource
from gen_jax.data.source import RandomAccessSource

__all__ = ["BatchIterator"]


def _check_int(name: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


class BatchIterator:
    """Infinite iterator over epochs of a source, yielding dict batches of numpy arrays.

    Each step takes the next ``batch_size`` entries of the current epoch's order: the
    *global* batch. With ``process_count > 1`` (multi-host data parallelism), process
    ``process_index`` reads and yields only its contiguous slice
    ``[process_index * b, (process_index + 1) * b)`` of the global batch, with
    ``b = batch_size // process_count``; concatenating the slices of all processes in process
    order gives the global batch.

    Args:
        source: A random-access source (``len`` and ``source[indices] -> dict``), e.g.
            :class:`~gen_jax.data.ArraySource`, or a dict of arrays sharing their leading
            (example) axis, which is wrapped in an ``ArraySource``.
        batch_size: The global batch size B.
        seed: Non-negative int seed of the per-epoch permutations.
        shuffle: If False every epoch visits examples in index order.
        drop_remainder: If True every batch has B examples and the last
            ``N mod B`` examples of each epoch's order are skipped; if False the last batch
            of an epoch is shorter (only with ``process_count == 1``).
        process_index: This process's index in ``[0, process_count)``; by default
            ``jax.process_index()`` (0 unless ``jax.distributed`` was initialised).
        process_count: Number of processes sharing the global batch; by default
            ``jax.process_count()``.

    Raises:
        ValueError: If an argument is invalid, B does not divide evenly across processes, or
            ``drop_remainder`` is set and B exceeds the number of examples.

    Example:
        >>> it = BatchIterator({"x": np.arange(10)}, 4, seed=0)
        >>> first = it.peek()            # for model initialisation; does not advance
        >>> batch = next(it)             # same arrays as ``first``
        >>> state = it.state_dict()      # {"epoch": 0, "offset": 4, "seed": 0}
    """

    def __init__(
        self,
        source: RandomAccessSource | Mapping[str, Any],
        batch_size: int,
        *,
        seed: int,
        shuffle: bool = True,
        drop_remainder: bool = True,
        process_index: int | None = None,
        process_count: int | None = None,
    ) -> None:
        if isinstance(source, Mapping):  # a dict of arrays, not a source: wrap it
            source = ArraySource(source)
        if process_index is None:
            process_index = jax.process_index()
        if process_count is None:
            process_count = jax.process_count()
        self._batch_size = _check_int("batch_size", batch_size, minimum=1)
        self._seed = _check_int("seed", seed, minimum=0)
        self._process_count = _check_int("process_count", process_count, minimum=1)
        self._process_index = _check_int("process_index", process_index, minimum=0)
        if self._process_index >= self._process_count:
            raise ValueError(
                f"process_index must be in [0, process_count={process_count}), got {process_index}"
            )
        if self._batch_size % self._process_count:
            raise ValueError(
                f"batch_size={batch_size} (the global batch) must be divisible by "
                f"process_count={process_count}; choose a multiple of {process_count}"
            )
        if not drop_remainder and self._process_count > 1:
            raise ValueError(
                "drop_remainder=False needs process_count=1: a short final batch cannot be "
                "split evenly across processes"
            )
        num_examples = len(source)
        if num_examples == 0:
            raise ValueError("source is empty; a BatchIterator needs at least one example")
        if drop_remainder and self._batch_size > num_examples:
            raise ValueError(
                f"batch_size={batch_size} exceeds the {num_examples} examples in the source, "
                "so drop_remainder=True would yield no batch; lower batch_size or pass "
                "drop_remainder=False"
            )
        self._source = source
        self._num_examples = num_examples
        self._shuffle = bool(shuffle)
        self._drop_remainder = bool(drop_remainder)
        self._epoch = 0
        self._offset = 0
        self._order_epoch = -1
        self._order = np.zeros((0,), dtype=np.int64)

    @property
    def batch_size(self) -> int:
        """The global batch size."""
        return self._batch_size

    @property
    def local_batch_size(self) -> int:
        """Examples per full batch on this process, ``batch_size // process_count``."""
        return self._batch_size // self._process_count

    @property
    def steps_per_epoch(self) -> int:
        """Batches per epoch: ``N // B`` with ``drop_remainder``, else ``ceil(N / B)``."""
        if self._drop_remainder:
            return self._num_examples // self._batch_size
        return -(-self._num_examples // self._batch_size)

    @property
    def epoch(self) -> int:
        """The epoch the next batch comes from."""
        return self._epoch

    @property
    def offset(self) -> int:
        """Examples of the current epoch's order already consumed."""
        return self._offset

    def _epoch_limit(self) -> int:
        """Number of entries of an epoch's order that batches use."""
        if self._drop_remainder:
            return self.steps_per_epoch * self._batch_size
        return self._num_examples

    def _normalise(self) -> None:
        """Moves to the start of the next epoch once the current one is used up."""
        if self._offset >= self._epoch_limit():
            self._epoch += 1
            self._offset = 0

    def epoch_order(self, epoch: int) -> np.ndarray:
        """The order in which ``epoch`` visits the examples.

        Args:
            epoch: Non-negative epoch number.

        Returns:
            int64 [N], a permutation of ``0..N-1``.
        """
        if not self._shuffle:
            return np.arange(self._num_examples, dtype=np.int64)
        rng = np.random.default_rng([self._seed, int(epoch)])
        return rng.permutation(self._num_examples).astype(np.int64)

    def _global_indices(self) -> np.ndarray:
        if self._order_epoch != self._epoch:
            self._order = self.epoch_order(self._epoch)
            self._order_epoch = self._epoch
        return self._order[self._offset : self._offset + self._batch_size]

    def _local_indices(self, global_indices: np.ndarray) -> np.ndarray:
        width = self.local_batch_size
        start = self._process_index * width
        return global_indices[start : start + width]

    def peek(self) -> dict[str, np.ndarray]:
        """Returns the next batch without advancing (e.g. to initialise a model).

        Returns:
            The dict that the next ``next(self)`` returns.
        """
        return self._source[self._local_indices(self._global_indices())]

    def __iter__(self) -> BatchIterator:
        return self

    def __next__(self) -> dict[str, np.ndarray]:
        global_indices = self._global_indices()
        batch = self._source[self._local_indices(global_indices)]
        self._offset += len(global_indices)
        self._normalise()
        return batch

    def state_dict(self) -> dict[str, int]:
        """The position, as a JSON-serialisable dict.

        Returns:
            ``{"epoch": int, "offset": int, "seed": int}``.
        """
        return {"epoch": self._epoch, "offset": self._offset, "seed": self._seed}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continues from a position saved by :meth:`state_dict`.

        Args:
            state: ``{"epoch", "offset", "seed"}``; values may be ints or integer numpy
                scalars/0-d arrays (as restored from a checkpoint).

        Raises:
            ValueError: If keys are missing, values are invalid, the seed differs from this
                iterator's seed, or the offset exceeds the number of examples.
        """
        missing = {"epoch", "offset", "seed"} - set(state)
        if missing:
            raise ValueError(
                f"state is missing {sorted(missing)}; pass a dict saved by state_dict()"
            )
        values = {}
        for key in ("epoch", "offset", "seed"):
            value = state[key]
            if isinstance(value, np.ndarray) and value.ndim == 0:
                value = value.item()
            values[key] = _check_int(f"state[{key!r}]", value, minimum=0)
        if values["seed"] != self._seed:
            raise ValueError(
                f"state was saved with seed={values['seed']} but this iterator has "
                f"seed={self._seed}; construct the iterator with the saved seed"
            )
        if values["offset"] > self._num_examples:
            raise ValueError(
                f"state['offset']={values['offset']} exceeds the {self._num_examples} examples "
                "in the source; was the state saved for a different data set?"
            )
        self._epoch = values["epoch"]
        self._offset = values["offset"]
        self._normalise()

    def __repr__(self) -> str:
        return (
            f"BatchIterator(batch_size={self._batch_size}, seed={self._seed}, "
            f"epoch={self._epoch}, offset={self._offset}, "
            f"process={self._process_index}/{self._process_count})"
        )
