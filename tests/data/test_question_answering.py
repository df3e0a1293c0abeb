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
