"""Word and character tokenisation for recurrent text generators (Foster 2019, ch. 6).

The book's word pipeline turns a collection of stories into one stream of tokens:

1. every story starts with a block of 20 ``|`` tokens (the story separator; a model that
   samples ``|`` is asking for a new story);
2. the text is lower-cased, line breaks become spaces and runs of two or more spaces
   (paragraph gaps) become full stops;
3. every punctuation character is split off as its own token.

A :class:`TokenVocabulary` then numbers the tokens by decreasing frequency from 1 (Keras'
``Tokenizer``; 0 is reserved for padding and decodes to ``""``), or with named special
tokens first (``<PAD>``, ``<UNK>``, ``<START>``, ``<END>`` for question generation). It
saves to and loads from a JSON file so that a run's vocabulary travels with its
checkpoints. The training windows (``window`` tokens and the one after) come from
:class:`~gen_jax.data.characters.TextWindows` over the encoded stream, and the book's
character-level variant from :class:`~gen_jax.data.characters.CharacterVocabulary`.

Sources: :func:`pydoc_stories` (Python's help topics, one story per topic; offline) and
:func:`aesop_stories` (Project Gutenberg e-book #11339, a file the user gives).

References:
    Foster (2019), Generative Deep Learning, ch. 6, Listings 6.1-6.2.
"""

from __future__ import annotations

import json
import os
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from gen_jax.data.errors import DatasetUnavailableError
from gen_jax.data.pydoc_text import pydoc_topic_documents

__all__ = [
    "AESOP_FIRST_STORY",
    "STORY_SEPARATOR",
    "TokenVocabulary",
    "aesop_stories",
    "pydoc_stories",
    "seed_window",
    "story_word_tokens",
]

STORY_SEPARATOR = "|"
AESOP_FIRST_STORY = "THE FOX AND THE GRAPES\n\n\n"
AESOP_END = "ILLUSTRATIONS\n\n\n["
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_PARAGRAPH_GAP = re.compile("  +")


def story_word_tokens(stories: Iterable[str], *, separator_length: int = 20) -> list[str]:
    """The book's word tokens of ``stories``, each preceded by ``separator_length`` ``|``.

    Args:
        stories: the texts, one per story (line breaks inside a story are kept as in the
            source: a blank line becomes a full stop).
        separator_length: how many ``|`` tokens open each story (the window length, so
            that a window at a story's start sees no earlier story).

    Returns:
        Lower-case word and punctuation tokens in order.
    """
    if isinstance(stories, str):
        raise TypeError("stories is a single str; pass a list of stories")
    opening = f"{STORY_SEPARATOR} " * separator_length
    text = "".join(opening + story.lower() for story in stories)
    text = text.replace("\n", " ")
    text = _PARAGRAPH_GAP.sub(". ", text).replace("..", ".")
    return _PUNCTUATION.sub(r" \1 ", text).split()


class TokenVocabulary:
    """Tokens numbered by decreasing frequency after a few reserved special tokens.

    Attributes:
        tokens: ``V`` tokens; id ``v`` stands for ``tokens[v]``. The specials come first
            (by default one, ``""`` at id 0: padding, as in Keras' ``Tokenizer``).
        unknown: the special token that out-of-vocabulary tokens map to, or ``None``
            (then encoding an unseen token is an error).
    """

    def __init__(self, tokens: Sequence[str], *, unknown: str | None = None) -> None:
        tokens = tuple(tokens)
        if len(set(tokens)) != len(tokens):
            raise ValueError("tokens holds duplicates; each token needs one id")
        if unknown is not None and unknown not in tokens:
            raise ValueError(f"unknown={unknown!r} is not one of the tokens")
        self.tokens = tokens
        self.unknown = unknown
        self._ids = {token: index for index, token in enumerate(tokens)}

    @classmethod
    def from_tokens(
        cls,
        tokens: Iterable[str],
        *,
        specials: Sequence[str] = ("",),
        unknown: str | None = None,
        max_size: int | None = None,
    ) -> TokenVocabulary:
        """Count ``tokens`` and number them by frequency (ties by first appearance).

        Args:
            tokens: the training token stream.
            specials: tokens given the first ids, in order.
            unknown: one of ``specials`` to stand for unseen tokens.
            max_size: keep at most this many ids in all (specials included).
        """
        counts = Counter(token for token in tokens if token not in specials)
        ordered = [token for token, _ in counts.most_common()]
        if max_size is not None:
            if max_size <= len(specials):
                raise ValueError(
                    f"max_size={max_size} leaves no room after {len(specials)} specials"
                )
            ordered = ordered[: max_size - len(specials)]
        return cls((*specials, *ordered), unknown=unknown)

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self._ids

    def id(self, token: str) -> int:
        """The id of ``token`` (the unknown id for an unseen one, when there is one)."""
        if token in self._ids:
            return self._ids[token]
        if self.unknown is None:
            raise KeyError(f"token {token!r} is not in the vocabulary and it has no unknown token")
        return self._ids[self.unknown]

    def encode(self, tokens: Iterable[str]) -> np.ndarray:
        """int32 ``[N]`` ids of ``tokens``."""
        return np.asarray([self.id(token) for token in tokens], np.int32)

    def decode(self, ids: Iterable[int]) -> list[str]:
        """The tokens of ``ids``."""
        return [self.tokens[int(index)] for index in ids]

    def save(self, path: str | os.PathLike) -> Path:
        """Write the vocabulary as JSON to ``path``; returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"tokens": list(self.tokens), "unknown": self.unknown}))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> TokenVocabulary:
        """The vocabulary :meth:`save` wrote to ``path``."""
        stored = json.loads(Path(path).read_text())
        return cls(stored["tokens"], unknown=stored["unknown"])


def seed_window(ids: Sequence[int], window: int, fill_id: int) -> np.ndarray:
    """The last ``window`` of ``ids`` as int32 ``[window]``, filled on the left with
    ``fill_id`` when shorter (the book prefixes a seed text with the story separator)."""
    ids = list(ids)[-window:] if window > 0 else []
    return np.asarray([fill_id] * (window - len(ids)) + ids, np.int32)


def pydoc_stories() -> list[str]:
    """Python's help topics, one story per topic in topic-name order (offline)."""
    return [text for _, text in pydoc_topic_documents()]


def aesop_stories(path: str | os.PathLike) -> list[str]:
    """The fables of Project Gutenberg e-book #11339 in the file at ``path``.

    The text between ``"THE FOX AND THE GRAPES"`` and the list of illustrations is kept and
    split at the five-line gaps between fables, as in the book's notebook.

    Raises:
        DatasetUnavailableError: the file is missing or does not hold the e-book.
    """
    path = Path(path)
    how = "Download https://www.gutenberg.org/ebooks/11339 (Plain Text UTF-8) and pass its path."
    if not path.is_file():
        raise DatasetUnavailableError("Aesop's fables", str(path), how, detail="no such file")
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    start, end = text.find(AESOP_FIRST_STORY), text.find(AESOP_END)
    if start < 0 or end < start:
        raise DatasetUnavailableError(
            "Aesop's fables", str(path), how, detail="the fables' start or end marker is missing"
        )
    return text[start:end].split("\n\n\n\n\n")
