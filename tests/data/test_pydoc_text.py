"""The embedded pydoc help-topic corpus."""

from gen_jax.data import pydoc_topic_documents, pydoc_topics_text


def test_documents_sorted_nonempty_and_joined_by_text():
    documents = pydoc_topic_documents()
    names = [name for name, _ in documents]
    assert names == sorted(names) and len(names) > 50
    assert all(text.strip() for _, text in documents)
    assert pydoc_topics_text("|") == "|".join(text for _, text in documents)
