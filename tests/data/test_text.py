"""The book's word pipeline, the frequency-ordered vocabulary and its file, and the Aesop
counts (only when the user's copy of the e-book is given in $GEN_JAX_AESOP_FILE)."""

import os

import numpy as np
import pytest

from gen_jax.data.characters import TextWindows
from gen_jax.data.errors import DatasetUnavailableError
from gen_jax.data.text import (
    TokenVocabulary,
    aesop_stories,
    pydoc_stories,
    seed_window,
    story_word_tokens,
)


def test_story_tokens_follow_the_books_cleaning():
    tokens = story_word_tokens(
        ['The Fox, hungry.\n\nHe said "no!"\nThen', "Next"], separator_length=3
    )
    assert tokens == (
        ["|"] * 3
        + ["the", "fox", ",", "hungry", ".", "he", "said", '"', "no", "!", '"', "then"]
        + ["|"] * 3
        + ["next"]
    )


def test_vocabulary_orders_by_frequency_after_the_reserved_id_and_round_trips(tmp_path):
    vocabulary = TokenVocabulary.from_tokens(["b", "a", "b", "c", "b", "a"])
    assert vocabulary.tokens == ("", "b", "a", "c")
    np.testing.assert_array_equal(vocabulary.encode(["c", "b"]), [3, 1])
    assert vocabulary.decode([2, 0]) == ["a", ""]
    with pytest.raises(KeyError, match="not in the vocabulary"):
        vocabulary.id("z")
    loaded = TokenVocabulary.load(vocabulary.save(tmp_path / "vocabulary.json"))
    assert loaded.tokens == vocabulary.tokens and loaded.unknown is None


def test_special_tokens_come_first_and_unknown_words_map_to_unk():
    vocabulary = TokenVocabulary.from_tokens(
        ["x", "y", "x"], specials=("<PAD>", "<UNK>"), unknown="<UNK>", max_size=3
    )
    assert vocabulary.tokens == ("<PAD>", "<UNK>", "x")
    np.testing.assert_array_equal(vocabulary.encode(["y", "x"]), [1, 2])


def test_windows_of_twenty_and_a_seed_window():
    ids = np.arange(1, 31)
    windows = TextWindows(ids, 21)
    assert len(windows) == 10
    np.testing.assert_array_equal(windows[[9]]["tokens"][0], np.arange(10, 31))
    np.testing.assert_array_equal(seed_window([7, 8], 4, fill_id=1), [1, 1, 7, 8])


def test_pydoc_stories_give_a_book_sized_vocabulary():
    tokens = story_word_tokens(pydoc_stories())
    assert 100_000 < len(tokens) < 150_000
    assert 3_000 < len(TokenVocabulary.from_tokens(tokens)) < 4_000


def test_missing_aesop_file_says_where_to_get_it(tmp_path):
    with pytest.raises(DatasetUnavailableError, match="gutenberg.org/ebooks/11339"):
        aesop_stories(tmp_path / "missing.txt")


@pytest.mark.skipif(not os.environ.get("GEN_JAX_AESOP_FILE"), reason="needs $GEN_JAX_AESOP_FILE")
def test_aesop_gives_the_books_vocabulary_and_windows():
    tokens = story_word_tokens(aesop_stories(os.environ["GEN_JAX_AESOP_FILE"]))
    vocabulary = TokenVocabulary.from_tokens(tokens)
    assert len(vocabulary) == 4169
    assert vocabulary.tokens[1] == "|"
    assert len(TextWindows(vocabulary.encode(tokens), 21)) == 50_416
