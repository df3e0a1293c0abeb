"""Character vocabularies, text windows, and the tiny_shakespeare loader on mocked TFDS."""

import numpy as np
import pytest

from gen_jax.data import BatchIterator, DatasetUnavailableError
from gen_jax.data.characters import (
    CharacterVocabulary,
    TextWindows,
    load_text_corpus,
    load_tiny_shakespeare,
)


def test_vocabulary_round_trips_and_rejects_unknown_characters():
    vocabulary = CharacterVocabulary.from_text("hello world")
    assert vocabulary.characters == " dehlorw" and vocabulary.size == 8
    ids = vocabulary.encode("world hello")
    assert ids.dtype == np.int32 and vocabulary.decode(ids) == "world hello"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocabulary.encode("help")


def test_text_windows_are_consecutive_tokens_and_batch():
    windows = TextWindows(np.arange(10), window_length=4)
    assert len(windows) == 7
    np.testing.assert_array_equal(windows[[0, 6]]["tokens"], [[0, 1, 2, 3], [6, 7, 8, 9]])
    batch = next(BatchIterator(windows, 3, seed=0))["tokens"]
    np.testing.assert_array_equal(np.diff(batch, axis=1), 1)


def test_pydoc_corpus_holds_out_its_last_tenth():
    train, held_out = load_text_corpus("pydoc")
    assert abs(len(held_out) / (len(train) + len(held_out)) - 0.1) < 1e-3
    assert len(set(held_out) - set(train)) < 5


def test_tiny_shakespeare_reads_every_split_through_tfds(mock_tfds, tmp_path):
    with mock_tfds(num_examples=2) as tfds:
        train = load_tiny_shakespeare("train", data_dir=tmp_path)
        held_out = load_tiny_shakespeare("validation+test", data_dir=tmp_path)
        raw = tfds.data_source("tiny_shakespeare", split="test", download=False)
        test_text = "".join(str(raw[i]["text"]) for i in range(len(raw)))
    assert isinstance(train, str) and train
    assert held_out.endswith(test_text)


def test_missing_tiny_shakespeare_says_how_to_get_it(tmp_path):
    with pytest.raises(DatasetUnavailableError, match="tfds build tiny_shakespeare"):
        load_tiny_shakespeare("train", data_dir=tmp_path)
