"""Question-answer data: the offline pydoc set, NewsQA rows, GloVe rows and padded arrays."""

import numpy as np
import pytest

from gen_jax.data.errors import DatasetUnavailableError
from gen_jax.data.question_answering import (
    QuestionAnswer,
    load_glove_vectors,
    newsqa_question_answers,
    pydoc_question_answers,
    question_answer_arrays,
    question_vocabulary,
    squad_question_answers,
)


def test_pydoc_questions_ask_about_the_subject_before_the_answer():
    examples = pydoc_question_answers()
    assert len(examples) > 500
    for example in examples[:50]:
        start, end = example.answer
        assert example.document[start - 1] in ("is", "are") and 1 <= end - start <= 4
        assert example.question[:2] == ("what", example.document[start - 1])
        assert example.question[-1] == "?"


def test_newsqa_rows_drop_spans_past_the_cut_and_label_every_answer_of_a_story(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text(
        "story_id,story_text,question,answer_token_ranges\n"
        's1,A b c d e,Who is b ?,"1:2,3:9"\n'
        "s1,A b c d e,What c ?,2:3\n"
        "s2,X y,Why ?,1:9\n"
    )
    examples = newsqa_question_answers(path, max_document_length=5)
    assert [example.answer for example in examples] == [(1, 2), (2, 3)]
    assert examples[0].all_answers == ((1, 2), (2, 3)) and examples[0].document[0] == "a"
    with pytest.raises(DatasetUnavailableError, match="newsqa"):
        newsqa_question_answers(tmp_path / "missing.csv")


def test_vocabulary_arrays_and_glove_rows(tmp_path):
    example = QuestionAnswer(
        ("the", "cat", "is", "black"), (3, 4), ((3, 4),), ("what", "is", "cat", "?")
    )
    vocabulary = question_vocabulary([example])
    assert vocabulary.tokens[:4] == ("<PAD>", "<UNK>", "<START>", "<END>")
    arrays = question_answer_arrays(
        [example], vocabulary, max_document_length=6, max_answer_length=2, max_question_length=4
    )
    np.testing.assert_array_equal(arrays["answer_labels"][0], [0, 0, 0, 1, 0, 0])
    np.testing.assert_array_equal(arrays["answer_mask"][0, 0], [0, 0, 0, 1, 0, 0])
    assert arrays["answer_length"][0] == 1 and arrays["document_length"][0] == 4
    question = vocabulary.encode(["what", "is", "cat"])
    np.testing.assert_array_equal(arrays["question_input"][0], [2, *question])
    np.testing.assert_array_equal(arrays["question_output"][0], [*question, 3])
    glove = tmp_path / "glove.txt"
    glove.write_text("cat 1 2 3\ndog 4 5 6\n")
    vectors, found = load_glove_vectors(glove, vocabulary)
    assert found == 1 and vectors.shape == (len(vocabulary), 3)
    np.testing.assert_array_equal(vectors[vocabulary.id("cat")], [1, 2, 3])
    assert np.abs(vectors[0]).max() < 0.2


def test_squad_character_offsets_become_token_spans(monkeypatch, tmp_path):
    tfds = pytest.importorskip("tensorflow_datasets")
    context = "The Normans were a people who, in the 10th century, gave their name to Normandy."
    examples = [
        {
            "context": context.encode(),
            "question": b"Who gave their name to Normandy?",
            "answers": {"text": [b"The Normans"], "answer_start": [0]},
        },
        {
            "context": context.encode(),
            "question": b"In what century?",
            "answers": {"text": [b"10th century", b"the 10th"], "answer_start": [38, 34]},
        },
        {  # the answer lies past a cut at five tokens
            "context": b"a b c d e f",
            "question": b"which?",
            "answers": {"text": [b"f"], "answer_start": [10]},
        },
    ]
    monkeypatch.setattr(tfds, "data_source", lambda name, **options: examples)
    first, second, last = squad_question_answers("train", data_dir=tmp_path)
    assert last.answer == (5, 6)
    assert first.document[slice(*first.answer)] == ("the", "normans")
    assert first.question == ("who", "gave", "their", "name", "to", "normandy", "?")
    assert second.document[slice(*second.answer)] == ("10th", "century")
    assert set(second.all_answers) == set(first.all_answers) == {(0, 2), (9, 11), (8, 10)}
    cut = squad_question_answers("train", data_dir=tmp_path, max_document_length=5)
    assert [example.answer for example in cut] == [(0, 2)]


def test_squad_on_mocked_tfds_gives_spans_inside_their_documents(mock_tfds, tmp_path):
    with mock_tfds(num_examples=6):
        examples = squad_question_answers("validation", data_dir=tmp_path)
    for example in examples:
        start, end = example.answer
        assert 0 <= start < end <= len(example.document) and example.question
        assert example.answer in example.all_answers


def test_missing_squad_says_how_to_get_it(tmp_path):
    pytest.importorskip("tensorflow_datasets")
    with pytest.raises(DatasetUnavailableError, match="squad"):
        squad_question_answers("train", data_dir=tmp_path)
