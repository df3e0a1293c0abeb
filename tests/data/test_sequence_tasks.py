"""Generated sequence-to-sequence tasks: the targets are what each task says."""

import numpy as np
import pytest

from gen_jax.data.sequence_tasks import END_TOKEN, PADDING_TOKEN, sequence_task


@pytest.mark.parametrize("task", ["copy", "reverse", "sort"])
def test_targets_transform_the_source_and_end_with_the_end_token(task):
    data = sequence_task(task, 50, num_symbols=6, min_length=2, max_length=9, seed=0)
    assert data["source"].shape == (50, 9) and data["target"].shape == (50, 10)
    for source, target in zip(data["source"], data["target"], strict=True):
        real = source[source != PADDING_TOKEN]
        expected = {"copy": real, "reverse": real[::-1], "sort": np.sort(real)}[task]
        np.testing.assert_array_equal(target[: len(real)], expected)
        assert target[len(real)] == END_TOKEN and np.all(target[len(real) + 1 :] == PADDING_TOKEN)
        assert 2 <= len(real) <= 9 and real.min() > END_TOKEN


def test_unknown_task_is_an_error():
    with pytest.raises(ValueError, match="choose one of"):
        sequence_task("shuffle", 4, num_symbols=3, min_length=1, max_length=3, seed=0)
