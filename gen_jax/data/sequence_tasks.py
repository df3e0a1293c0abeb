"""Generated sequence-to-sequence tasks: copy, reverse or sort a random string of symbols.

Each example is a source of random symbols of random length and the target the task makes
of it followed by an end token, both padded to a fixed length. They need no data set and
have one exact answer, so a sequence-to-sequence model's exact-match accuracy measures what
it learned (reversal needs attention to the mirrored position, sorting needs counting).

Ids: 0 is padding, 1 the start token a decoder begins with, 2 the end token a decoder
stops at, and symbols are ``3 .. num_symbols + 2``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "END_TOKEN",
    "FIRST_SYMBOL",
    "PADDING_TOKEN",
    "SEQUENCE_TASKS",
    "START_TOKEN",
    "sequence_task",
]

PADDING_TOKEN = 0
START_TOKEN = 1
END_TOKEN = 2
FIRST_SYMBOL = 3
SEQUENCE_TASKS = ("copy", "reverse", "sort")


def sequence_task(
    task: str,
    num_examples: int,
    *,
    num_symbols: int,
    min_length: int,
    max_length: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """``{"source": int32 [N, max_length], "target": int32 [N, max_length + 1]}``.

    Both are 0-padded on the right; the target ends with ``END_TOKEN``.

    Args:
        task: ``"copy"``, ``"reverse"`` or ``"sort"`` (ascending).
        num_examples: how many pairs.
        num_symbols: the alphabet size; ids ``3 .. num_symbols + 2``.
        min_length: the shortest source.
        max_length: the longest source (and the padded width).
        seed: the generator's seed.
    """
    if task not in SEQUENCE_TASKS:
        raise ValueError(f"task={task!r}; choose one of {SEQUENCE_TASKS}")
    if not 1 <= min_length <= max_length or num_symbols < 1:
        raise ValueError(
            f"min_length={min_length}, max_length={max_length}, num_symbols={num_symbols}: "
            "need 1 <= min_length <= max_length and at least one symbol"
        )
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_length, max_length + 1, num_examples)
    shape = (num_examples, max_length)
    symbols = rng.integers(FIRST_SYMBOL, FIRST_SYMBOL + num_symbols, shape).astype(np.int32)
    source = np.where(np.arange(max_length)[None] < lengths[:, None], symbols, PADDING_TOKEN)
    target = np.full((num_examples, max_length + 1), PADDING_TOKEN, np.int32)
    for row, length in enumerate(lengths):
        real = source[row, :length]
        transformed = {"copy": real, "reverse": real[::-1], "sort": np.sort(real)}[task]
        target[row, : length + 1] = [*transformed, END_TOKEN]
    return {"source": source.astype(np.int32), "target": target}
