"""Bag-of-words corpora: a tokeniser, a vocabulary with document-frequency limits, counts.

A corpus becomes a ``scipy.sparse.csr_matrix`` of word counts ``[D, V]`` (documents by
vocabulary words), the input of :class:`~gen_jax.estimators.lda.LatentDirichletAllocation`
and of scikit-learn's estimators. Three document sources are offered:

- :func:`pydoc_documents`: Python's own help topics (``pydoc_data``), each topic split at
  paragraph boundaries into chunks of about ``words_per_document`` words; it ships with
  every CPython, so it is the embedded default.
- :func:`text_folder_documents`: every ``*.txt`` file of a user folder, one document each.
- any list of strings.

Example:
    >>> docs = pydoc_documents()
    >>> corpus = bag_of_words(docs, min_df=2, max_df=0.5)
    >>> corpus.counts.shape, corpus.vocabulary.words[:3]
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse

from gen_jax.data.errors import DatasetUnavailableError
from gen_jax.data.pydoc_text import pydoc_topic_documents

__all__ = [
    "BagOfWords",
    "Vocabulary",
    "bag_of_words",
    "build_vocabulary",
    "count_matrix",
    "pydoc_documents",
    "text_folder_documents",
    "tokenize",
]

# Words of two or more letters, digits or underscores that start with a letter (so
# numbers and single letters are dropped), scikit-learn's default pattern minus numbers.
_TOKEN = re.compile(r"\b[^\W\d_]\w+\b")
_PARAGRAPH = re.compile(r"\n\s*\n")


def tokenize(
    text: str, *, lowercase: bool = True, stop_words: Iterable[str] | None = None
) -> list[str]:
    """Split ``text`` into word tokens.

    A token is a run of at least two word characters (letters, digits, ``_``) starting
    with a letter: ``"__init__"`` and ``"3.14"`` give nothing, ``"utf8"`` is kept.

    Args:
        text: the document.
        lowercase: fold case first.
        stop_words: tokens to drop (compared after lower-casing when ``lowercase``);
            ``"english"`` for scikit-learn's English list.

    Returns:
        The tokens in order of appearance.
    """
    if not isinstance(text, str):
        raise TypeError(f"text is a {type(text).__name__}; pass a str (one document)")
    if lowercase:
        text = text.lower()
    tokens = _TOKEN.findall(text)
    stop = _stop_set(stop_words)
    return [token for token in tokens if token not in stop] if stop else tokens


def _stop_set(stop_words) -> frozenset[str]:
    if stop_words is None:
        return frozenset()
    if isinstance(stop_words, str):
        if stop_words != "english":
            raise ValueError(f"stop_words={stop_words!r}; pass 'english', a list of words or None")
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return frozenset(ENGLISH_STOP_WORDS)
    return frozenset(stop_words)


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """Words and their column index in the count matrix.

    Attributes:
        words: ``V`` words; column ``v`` of the counts counts ``words[v]``.
        document_frequency: ``[V]`` number of training documents holding each word.
    """

    words: tuple[str, ...]
    document_frequency: np.ndarray

    @property
    def index(self) -> dict[str, int]:
        """Word -> column index."""
        return {word: column for column, word in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)


def _document_limit(value, num_documents: int, name: str) -> int:
    """A document-frequency limit as a count: an int is a count, a float a proportion."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}={value!r}: pass an int (documents) or a float in [0, 1]")
    if isinstance(value, float):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name}={value}: a proportion must lie in [0, 1]")
        return (
            int(np.ceil(value * num_documents)) if name == "min_df" else int(value * num_documents)
        )
    if value < 0:
        raise ValueError(f"{name}={value}: a document count must be >= 0")
    return value


def build_vocabulary(
    token_lists: Sequence[Sequence[str]],
    *,
    min_df: int | float = 1,
    max_df: int | float = 1.0,
    max_features: int | None = None,
) -> Vocabulary:
    """The words whose document frequency lies in ``[min_df, max_df]``, sorted.

    Args:
        token_lists: one token list per document.
        min_df: keep words in at least this many documents (int) or this proportion of
            them (float), as in scikit-learn's ``CountVectorizer``.
        max_df: keep words in at most this many documents (int) or this proportion (float);
            removes corpus-specific stop words.
        max_features: keep only this many words, the most frequent in the corpus (ties
            broken alphabetically).

    Returns:
        A :class:`Vocabulary` in alphabetical order.
    """
    num_documents = len(token_lists)
    if num_documents == 0:
        raise ValueError("token_lists is empty; pass at least one document")
    low = _document_limit(min_df, num_documents, "min_df")
    high = _document_limit(max_df, num_documents, "max_df")
    document_frequency: Counter[str] = Counter()
    term_frequency: Counter[str] = Counter()
    for tokens in token_lists:
        document_frequency.update(set(tokens))
        term_frequency.update(tokens)
    kept = sorted(word for word, df in document_frequency.items() if low <= df <= high)
    if max_features is not None:
        if not isinstance(max_features, int) or max_features < 1:
            raise ValueError(f"max_features={max_features!r}: pass None or an int >= 1")
        kept = sorted(sorted(kept, key=lambda word: (-term_frequency[word], word))[:max_features])
    if not kept:
        raise ValueError(
            f"no word occurs in between min_df={min_df} and max_df={max_df} of the "
            f"{num_documents} documents; lower min_df or raise max_df"
        )
    return Vocabulary(
        words=tuple(kept),
        document_frequency=np.asarray([document_frequency[word] for word in kept], np.int64),
    )


def count_matrix(
    token_lists: Sequence[Sequence[str]], vocabulary: Vocabulary
) -> scipy.sparse.csr_matrix:
    """``[D, V]`` int32 word counts; tokens outside the vocabulary are ignored."""
    index = vocabulary.index
    rows, columns = [], []
    for row, tokens in enumerate(token_lists):
        ids = [index[token] for token in tokens if token in index]
        rows.extend([row] * len(ids))
        columns.extend(ids)
    data = np.ones(len(rows), np.int32)
    shape = (len(token_lists), len(vocabulary))
    counts = scipy.sparse.csr_matrix((data, (rows, columns)), shape=shape, dtype=np.int32)
    counts.sum_duplicates()
    return counts


@dataclasses.dataclass(frozen=True)
class BagOfWords:
    """A corpus as counts.

    Attributes:
        counts: ``[D, V]`` int32 ``scipy.sparse.csr_matrix``.
        vocabulary: the :class:`Vocabulary` naming the columns.
        documents: the ``D`` source texts.
    """

    counts: scipy.sparse.csr_matrix
    vocabulary: Vocabulary
    documents: tuple[str, ...]


def bag_of_words(
    documents: Sequence[str],
    *,
    vocabulary: Vocabulary | None = None,
    min_df: int | float = 1,
    max_df: int | float = 1.0,
    max_features: int | None = None,
    stop_words: Iterable[str] | str | None = "english",
    lowercase: bool = True,
    drop_empty: bool = False,
) -> BagOfWords:
    """Tokenise ``documents`` and count words over a vocabulary built from them (or given).

    Args:
        documents: the texts.
        vocabulary: count over this vocabulary (e.g. the training corpus's, for held-out
            documents) instead of building one; then ``min_df``, ``max_df`` and
            ``max_features`` are not used.
        min_df, max_df, max_features: see :func:`build_vocabulary`.
        stop_words: see :func:`tokenize`; scikit-learn's English list by default.
        lowercase: fold case.
        drop_empty: drop documents left without any vocabulary word (LDA rejects empty
            documents when fitting).

    Returns:
        A :class:`BagOfWords`.
    """
    if isinstance(documents, str):
        raise TypeError("documents is a single str; pass a list of documents")
    documents = tuple(documents)
    token_lists = [tokenize(text, lowercase=lowercase, stop_words=stop_words) for text in documents]
    if vocabulary is None:
        vocabulary = build_vocabulary(
            token_lists, min_df=min_df, max_df=max_df, max_features=max_features
        )
    counts = count_matrix(token_lists, vocabulary)
    if drop_empty:
        kept = np.flatnonzero(np.asarray(counts.sum(axis=1)).ravel() > 0)
        counts = counts[kept]
        documents = tuple(documents[row] for row in kept)
    return BagOfWords(counts=counts, vocabulary=vocabulary, documents=documents)


def _chunks(text: str, words_per_document: int) -> list[str]:
    """Consecutive paragraphs of ``text`` joined until each chunk has enough words."""
    chunks, current, size = [], [], 0
    for paragraph in _PARAGRAPH.split(text):
        current.append(paragraph)
        size += len(paragraph.split())
        if size >= words_per_document:
            chunks.append("\n\n".join(current))
            current, size = [], 0
    if current:
        if chunks and size < words_per_document // 2:
            chunks[-1] = chunks[-1] + "\n\n" + "\n\n".join(current)
        else:
            chunks.append("\n\n".join(current))
    return chunks


def pydoc_documents(words_per_document: int | None = 150) -> list[str]:
    """Python's help topics as documents, split into chunks of whole paragraphs.

    Args:
        words_per_document: each topic is cut at paragraph boundaries into chunks of at
            least this many words (a short last piece joins the chunk before it); ``None``
            keeps one document per topic (about 80).

    Returns:
        The documents in topic-name order (379 with the default on Python 3.11), the same for a
        given Python version.
    """
    if words_per_document is not None and (
        not isinstance(words_per_document, int) or words_per_document < 1
    ):
        raise ValueError(f"words_per_document={words_per_document!r}: pass None or an int >= 1")
    documents = []
    for _, text in pydoc_topic_documents():
        documents.extend(
            [text] if words_per_document is None else _chunks(text, words_per_document)
        )
    return documents


def text_folder_documents(
    folder: str | Path, *, pattern: str = "*.txt", encoding: str = "utf-8"
) -> list[str]:
    """The text of every file matching ``pattern`` under ``folder`` (recursively), one document
    per file, in sorted path order.

    Raises:
        DatasetUnavailableError: if the folder is missing or holds no matching file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetUnavailableError(
            "text folder",
            str(folder),
            f"Pass an existing directory holding {pattern} files, one document per file.",
            detail="the directory does not exist",
        )
    paths = sorted(path for path in folder.rglob(pattern) if path.is_file())
    if not paths:
        raise DatasetUnavailableError(
            "text folder",
            str(folder),
            f"Add {pattern} files (one document per file) or pass another pattern=.",
            detail=f"the directory holds no file matching {pattern!r}",
        )
    return [path.read_text(encoding=encoding, errors="replace") for path in paths]
