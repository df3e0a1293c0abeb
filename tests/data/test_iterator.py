"""BatchIterator: order, coverage, resumption, multi-process slices and errors."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from gen_jax.data import ArraySource, BatchIterator


def index_source(num_examples: int) -> ArraySource:
    """A source whose "index" field is the example index, to read back what was served."""
    return ArraySource(
        {
            "index": np.arange(num_examples, dtype=np.int64),
            "x": np.arange(2 * num_examples, dtype=np.float32).reshape(num_examples, 2),
        }
    )


def take(iterator: BatchIterator, num_batches: int) -> list[np.ndarray]:
    return [batch["index"] for batch in itertools.islice(iterator, num_batches)]


def test_epoch_order_is_the_documented_permutation():
    iterator = BatchIterator(index_source(23), 5, seed=11)
    assert iterator.steps_per_epoch == 4
    served = take(iterator, 8)
    for epoch in range(2):
        expected = np.random.default_rng([11, epoch]).permutation(23)[:20]
        np.testing.assert_array_equal(np.concatenate(served[4 * epoch : 4 * epoch + 4]), expected)


def test_same_seed_same_batches_other_seed_other_batches():
    first = take(BatchIterator(index_source(50), 8, seed=3), 10)
    again = take(BatchIterator(index_source(50), 8, seed=3), 10)
    other = take(BatchIterator(index_source(50), 8, seed=4), 10)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))


def test_every_index_once_per_epoch_without_dropping():
    iterator = BatchIterator(index_source(23), 5, seed=0, drop_remainder=False)
    assert iterator.steps_per_epoch == 5
    for epoch in range(3):
        batches = take(iterator, 5)
        assert [len(b) for b in batches] == [5, 5, 5, 5, 3]
        np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(23))
        assert iterator.state_dict() == {"epoch": epoch + 1, "offset": 0, "seed": 0}


def test_dropping_serves_distinct_indices_and_full_batches():
    iterator = BatchIterator(index_source(23), 5, seed=1)
    for _ in range(3):
        epoch = np.concatenate(take(iterator, iterator.steps_per_epoch))
        assert len(epoch) == 20 and len(np.unique(epoch)) == 20


def test_epochs_are_reshuffled_and_unshuffled_order_is_sequential():
    shuffled = take(BatchIterator(index_source(40), 40, seed=0), 2)
    assert not np.array_equal(shuffled[0], shuffled[1])
    plain = take(BatchIterator(index_source(10), 4, seed=0, shuffle=False), 3)
    np.testing.assert_array_equal(np.concatenate(plain), [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3])


@pytest.mark.parametrize("drop_remainder", [True, False])
@pytest.mark.parametrize("num_before", [0, 1, 3, 4, 5, 9])
def test_resume_yields_exactly_the_remaining_batches(num_before, drop_remainder):
    # 23 examples in batches of 5: 4 (or 5) batches per epoch, so resuming after 3..5
    # batches crosses an epoch boundary.
    def make():
        return BatchIterator(index_source(23), 5, seed=7, drop_remainder=drop_remainder)

    original = make()
    take(original, num_before)
    state = json.loads(json.dumps(original.state_dict()))
    expected = take(original, 12)

    restored = make()
    restored.load_state_dict(state)
    resumed = take(restored, 12)
    for a, b in zip(expected, resumed, strict=True):
        np.testing.assert_array_equal(a, b)
    assert restored.state_dict() == original.state_dict()


def test_state_accepts_numpy_scalars_from_checkpoints():
    original = BatchIterator(index_source(20), 4, seed=2)
    take(original, 6)
    state = {key: np.asarray(value) for key, value in original.state_dict().items()}
    restored = BatchIterator(index_source(20), 4, seed=2)
    restored.load_state_dict(state)
    np.testing.assert_array_equal(next(restored)["index"], next(original)["index"])


@pytest.mark.parametrize("process_count", [2, 4])
def test_process_slices_concatenate_to_the_global_batch(process_count):
    global_batches = take(BatchIterator(index_source(37), 8, seed=5), 9)
    per_process = [
        take(
            BatchIterator(
                index_source(37),
                8,
                seed=5,
                process_index=index,
                process_count=process_count,
            ),
            9,
        )
        for index in range(process_count)
    ]
    for step, global_batch in enumerate(global_batches):
        slices = [batches[step] for batches in per_process]
        assert all(len(s) == 8 // process_count for s in slices)
        np.testing.assert_array_equal(np.concatenate(slices), global_batch)


def test_peek_returns_the_next_batch_without_advancing():
    iterator = BatchIterator(index_source(12), 5, seed=0)
    first = iterator.peek()
    assert set(first) == {"index", "x"} and first["x"].shape == (5, 2)
    np.testing.assert_array_equal(iterator.peek()["index"], first["index"])
    assert iterator.state_dict()["offset"] == 0
    np.testing.assert_array_equal(next(iterator)["index"], first["index"])
    np.testing.assert_array_equal(iterator.peek()["index"], next(iterator)["index"])


def test_properties():
    iterator = BatchIterator(index_source(10), 4, seed=0, process_index=1, process_count=2)
    assert iterator.batch_size == 4 and iterator.local_batch_size == 2
    assert iterator.steps_per_epoch == 2
    assert len(next(iterator)["index"]) == 2
    assert (iterator.epoch, iterator.offset) == (0, 4)
    assert iter(iterator) is iterator


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 11}, r"batch_size=11 exceeds the 10 examples.*drop_remainder=False"),
        ({"batch_size": 0}, "batch_size must be an int >= 1, got 0"),
        ({"batch_size": 6, "process_count": 4}, "batch_size=6 .* divisible by process_count=4"),
        ({"process_index": 2, "process_count": 2}, r"process_index must be in \[0, process_co"),
        ({"seed": -1}, "seed must be an int >= 0"),
        ({"seed": 1.5}, "seed must be an int >= 0"),
        ({"drop_remainder": False, "process_count": 2}, "drop_remainder=False needs process_c"),
    ],
)
def test_bad_arguments(kwargs, match):
    arguments = {"batch_size": 4, "seed": 0, **kwargs}
    batch_size = arguments.pop("batch_size")
    with pytest.raises(ValueError, match=match):
        BatchIterator(index_source(10), batch_size, **arguments)


def test_large_batch_without_dropping_is_one_short_batch_per_epoch():
    iterator = BatchIterator(index_source(10), 11, seed=0, drop_remainder=False)
    assert iterator.steps_per_epoch == 1
    assert len(next(iterator)["index"]) == 10


def test_empty_source_is_rejected():
    class Empty:
        def __len__(self):
            return 0

        def __getitem__(self, indices):
            return {}

    with pytest.raises(ValueError, match="source is empty"):
        BatchIterator(Empty(), 1, seed=0)


@pytest.mark.parametrize(
    ("state", "match"),
    [
        ({"epoch": 0, "offset": 0}, r"state is missing \['seed'\]"),
        ({"epoch": 0, "offset": 0, "seed": 9}, "saved with seed=9 but this iterator has seed=0"),
        ({"epoch": -1, "offset": 0, "seed": 0}, r"state\['epoch'\] must be an int >= 0"),
        ({"epoch": 0, "offset": 11, "seed": 0}, r"state\['offset'\]=11 exceeds the 10 examples"),
    ],
)
def test_bad_state(state, match):
    iterator = BatchIterator(index_source(10), 4, seed=0)
    with pytest.raises(ValueError, match=match):
        iterator.load_state_dict(state)


def test_a_dict_of_arrays_is_a_source():
    x = np.arange(300.0).reshape(300, 1)
    iterator = BatchIterator({"x": x, "label": np.arange(300)}, 256, seed=0)
    batch = next(iterator)
    assert batch["x"].shape == (256, 1)
    np.testing.assert_array_equal(batch["x"][:, 0], batch["label"])
