"""Bag-of-words: tokeniser, vocabulary limits against scikit-learn, sources, errors."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from gen_jax.data.bag_of_words import (
    bag_of_words,
    build_vocabulary,
    pydoc_documents,
    text_folder_documents,
    tokenize,
)
from gen_jax.data.errors import DatasetUnavailableError

TEXTS = [
    "The cat sat on the mat. The cat is black.",
    "A dog chased the cat; the dog barked 3 times.",
    "Dogs and cats: __init__ returns None, utf8 ok.",
    "the the the",
]


def test_tokenize_keeps_words_and_drops_numbers_and_stop_words():
    assert tokenize("The __init__ of utf8, 3.14 x yz") == ["the", "of", "utf8", "yz"]
    assert tokenize("The Cat sat", stop_words="english") == ["cat", "sat"]
    assert tokenize("The Cat", lowercase=False) == ["The", "Cat"]
    with pytest.raises(TypeError, match="pass a str"):
        tokenize(["a list"])


@pytest.mark.parametrize("min_df, max_df", [(1, 1.0), (2, 1.0), (1, 0.5), (2, 3)])
def test_counts_match_sklearn_count_vectorizer(min_df, max_df):
    peer = CountVectorizer(token_pattern=r"\b[^\W\d_]\w+\b", min_df=min_df, max_df=max_df)
    expected = peer.fit_transform(TEXTS).toarray()
    corpus = bag_of_words(TEXTS, min_df=min_df, max_df=max_df, stop_words=None)
    assert corpus.vocabulary.words == tuple(peer.get_feature_names_out())
    np.testing.assert_array_equal(corpus.counts.toarray(), expected)
    np.testing.assert_array_equal(corpus.vocabulary.document_frequency, (expected > 0).sum(0))


def test_held_out_documents_use_the_training_vocabulary_and_empty_ones_can_be_dropped():
    train = bag_of_words(TEXTS, stop_words="english")
    test = bag_of_words(["cat dog zebra", "zebra only", "barked"], vocabulary=train.vocabulary)
    assert test.counts.shape == (3, len(train.vocabulary))
    assert test.counts[1].sum() == 0
    kept = bag_of_words(
        ["cat dog zebra", "zebra only"], vocabulary=train.vocabulary, drop_empty=True
    )
    assert kept.counts.shape[0] == 1 and kept.documents == ("cat dog zebra",)
    top = build_vocabulary([["a", "b", "b"], ["b", "c"], ["c"]], max_features=2)
    assert top.words == ("b", "c")


def test_bad_limits_give_clear_errors():
    with pytest.raises(ValueError, match="lower min_df or raise max_df"):
        bag_of_words(TEXTS, min_df=5)
    with pytest.raises(ValueError, match="max_df=1.5"):
        bag_of_words(TEXTS, max_df=1.5)
    with pytest.raises(TypeError, match="single str"):
        bag_of_words("one text")
    with pytest.raises(ValueError, match="stop_words='french'"):
        tokenize("x", stop_words="french")


def test_pydoc_documents_are_paragraph_chunks_of_every_topic():
    whole = pydoc_documents(None)
    chunks = pydoc_documents(150)
    assert len(chunks) > 3 * len(whole)
    assert sum(len(c.split()) for c in chunks) == sum(len(w.split()) for w in whole)
    assert min(len(c.split()) for c in chunks) > 0
    corpus = bag_of_words(chunks, min_df=3, max_df=0.3, drop_empty=True)
    assert corpus.counts.shape[0] > 300 and "exception" in corpus.vocabulary.words


def test_text_folder_documents(tmp_path):
    (tmp_path / "b.txt").write_text("second document")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("first")
    (tmp_path / "skip.md").write_text("not text")
    assert text_folder_documents(tmp_path) == ["second document", "first"]
    with pytest.raises(DatasetUnavailableError, match="does not exist"):
        text_folder_documents(tmp_path / "missing")
    with pytest.raises(DatasetUnavailableError, match="no file matching"):
        text_folder_documents(tmp_path, pattern="*.rst")
