"""Character-level text for language models: a vocabulary, windows of tokens, and corpora.

A character language model (nanoGPT's ``shakespeare_char``) reads a text as one long
sequence of character ids and trains on random windows of ``block_size + 1`` of them.
:class:`CharacterVocabulary` maps characters to ids (sorted, so the same text always gives
the same ids), :class:`TextWindows` is a random-access source of every window (so
:class:`~gen_jax.data.BatchIterator` shuffles and resumes it), and :func:`load_text_corpus`
returns the training and held-out text of Python's embedded help topics or of tfds's
``tiny_shakespeare`` (nanoGPT's data set).

References:
    Karpathy (2015), The Unreasonable Effectiveness of Recurrent Neural Networks
    (tiny Shakespeare); Karpathy (2023), nanoGPT ``data/shakespeare_char/prepare.py``
    (first 90 % for training, last 10 % held out).
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from gen_jax.data.errors import DatasetUnavailableError, tfds_how_to
from gen_jax.data.pydoc_text import pydoc_topics_text
from gen_jax.data.source import as_index_array
from gen_jax.data.tfds_source import default_tfds_data_dir

__all__ = [
    "TEXT_CORPORA",
    "CharacterVocabulary",
    "TextWindows",
    "load_text_corpus",
    "load_tiny_shakespeare",
]

TEXT_CORPORA = ("pydoc", "tiny_shakespeare")


@dataclasses.dataclass(frozen=True)
class CharacterVocabulary:
    """A bijection between the characters of a text and ids ``0 .. size - 1``.

    Attributes:
        characters: the characters in id order (sorted by code point).
    """

    characters: str

    @classmethod
    def from_text(cls, text: str) -> CharacterVocabulary:
        """Every distinct character of ``text``, sorted."""
        if not text:
            raise ValueError("text is empty; a vocabulary needs at least one character")
        return cls("".join(sorted(set(text))))

    @property
    def size(self) -> int:
        """Number of distinct characters."""
        return len(self.characters)

    def encode(self, text: str) -> np.ndarray:
        """int32 ``[len(text)]`` ids; raises ``ValueError`` on a character outside it."""
        index = {character: i for i, character in enumerate(self.characters)}
        unknown = sorted(set(text) - index.keys())
        if unknown:
            raise ValueError(
                f"the text has characters {unknown[:10]} that are not in the vocabulary; build "
                "the vocabulary from a text that contains them (e.g. train and held-out text)"
            )
        return np.fromiter((index[c] for c in text), np.int32, len(text))

    def decode(self, ids) -> str:
        """The text of a sequence of ids."""
        return "".join(self.characters[int(i)] for i in np.asarray(ids).reshape(-1))


class TextWindows:
    """Every window of ``window_length`` consecutive tokens, as a random-access source.

    ``source[indices]`` returns ``{"tokens": int32 [B, window_length]}``, window ``i``
    starting at token ``i``.

    Args:
        tokens: int ``[N]``, the encoded text.
        window_length: tokens per window (``block_size + 1`` for next-token training).
    """

    def __init__(self, tokens: np.ndarray, window_length: int) -> None:
        tokens = np.asarray(tokens, np.int32)
        if tokens.ndim != 1 or len(tokens) < window_length or window_length < 1:
            raise ValueError(
                f"tokens of shape {tokens.shape} give no window of length {window_length}; "
                "pass a 1-D token array at least that long"
            )
        self.tokens = tokens
        self.window_length = window_length

    def __len__(self) -> int:
        return len(self.tokens) - self.window_length + 1

    def __getitem__(self, indices) -> dict[str, np.ndarray]:
        starts = as_index_array(indices, len(self))
        offsets = np.arange(self.window_length)
        return {"tokens": self.tokens[starts[:, None] + offsets[None, :]]}


def load_tiny_shakespeare(split: str, *, data_dir: str | os.PathLike | None = None) -> str:
    """The text of a split of tfds ``tiny_shakespeare`` (1,003,854 training characters).

    Args:
        split: ``"train"``, ``"validation"`` or ``"test"`` (55,770 characters each), or
            ``"validation+test"``, the last 10 % of the play that nanoGPT holds out.
        data_dir: the TFDS data directory; ``$TFDS_DATA_DIR`` or TFDS's default if omitted.

    Raises:
        DatasetUnavailableError: the data set is not prepared in ``data_dir``.
    """
    import tensorflow_datasets as tfds

    data_dir = os.fspath(data_dir) if data_dir else default_tfds_data_dir()
    parts = []
    for part in split.split("+"):
        try:
            source = tfds.data_source(
                "tiny_shakespeare", split=part, data_dir=data_dir, download=False
            )
        except (FileNotFoundError, NotImplementedError, tfds.core.DatasetNotFoundError) as error:
            how_to = tfds_how_to("tiny_shakespeare", data_dir)
            raise DatasetUnavailableError("tiny_shakespeare", data_dir, how_to) from error
        for index in range(len(source)):
            text = source[index]["text"]
            parts.append(text.decode("utf-8") if isinstance(text, bytes) else str(text))
    return "".join(parts)


def load_text_corpus(
    corpus: str, *, data_dir: str | os.PathLike | None = None, held_out_fraction: float = 0.1
) -> tuple[str, str]:
    """``(training text, held-out text)`` of a named corpus.

    Args:
        corpus: ``"pydoc"`` (Python's help topics, about half a million characters, no
            download; the last ``held_out_fraction`` is held out, as nanoGPT splits) or
            ``"tiny_shakespeare"`` (tfds; train split, and validation + test held out).
        data_dir: the TFDS data directory, for ``tiny_shakespeare``.
        held_out_fraction: the held-out tail of ``pydoc``.
    """
    if corpus == "pydoc":
        if not 0.0 < held_out_fraction < 1.0:
            raise ValueError(f"held_out_fraction={held_out_fraction} must lie in (0, 1)")
        text = pydoc_topics_text()
        cut = int(len(text) * (1.0 - held_out_fraction))
        return text[:cut], text[cut:]
    if corpus == "tiny_shakespeare":
        return (
            load_tiny_shakespeare("train", data_dir=data_dir),
            load_tiny_shakespeare("validation+test", data_dir=data_dir),
        )
    raise ValueError(f"corpus={corpus!r}; choose one of {TEXT_CORPORA}")
