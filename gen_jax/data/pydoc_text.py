"""Python's own help topics as an offline text corpus (the embedded default for text models).

Every CPython installation ships ``pydoc_data.topics.topics``: a dict from a help topic
(``"if"``, ``"assignment"``, ...) to its reference-manual text, about 80 topics and half a
million characters of English prose with code. It needs no download, so the character-level
and bag-of-words experiments use it when no user text is given.

The text varies between Python versions; the functions here sort topics by name so that a
given interpreter always yields the same corpus.
"""

from __future__ import annotations

import functools

__all__ = ["pydoc_topic_documents", "pydoc_topics_text"]


@functools.lru_cache(maxsize=1)
def _topics() -> tuple[tuple[str, str], ...]:
    from pydoc_data.topics import topics

    return tuple(sorted(topics.items()))


def pydoc_topic_documents() -> list[tuple[str, str]]:
    """``[(topic name, text), ...]`` for every help topic, sorted by name."""
    return list(_topics())


def pydoc_topics_text(separator: str = "\n\n") -> str:
    """All topic texts joined by ``separator``, in topic-name order."""
    return separator.join(text for _, text in _topics())
