"""Extractive question-answer data for question generation (Foster 2019, Experiment 6.2).

An example is a tokenised document, the token span ``[start, end)`` of an answer, the
spans of every answer in that document (the tagger's labels) and the question asked
about the answer. Sources:

- :func:`pydoc_question_answers` (offline): one example per sentence of Python's help
  topics that reads "<subject> is|are <answer> ...": the answer is up to four words after
  the verb and the question "what is|are <subject> ?";
- :func:`newsqa_question_answers`: Maluuba NewsQA CSV files the user gives (columns
  ``story_id, story_text, question, answer_token_ranges``; pre-tokenised text split on
  spaces, documents cut at 200 tokens and spans reaching past the cut dropped);
- :func:`squad_question_answers`: tfds ``squad`` (SQuAD 1.1; its character offsets turned
  into token ranges of the same tokeniser as the pydoc set, documents cut the same way).

:func:`question_vocabulary` builds the book's vocabulary (``<PAD>, <UNK>, <START>,
<END>``, then question words, then document words), :func:`load_glove_vectors` its
embedding rows from a GloVe text file, and :func:`question_answer_arrays` the padded
arrays the Step reads.

References:
    Rajpurkar et al. (2016), SQuAD: 100,000+ Questions for Machine Comprehension of Text.
    Trischler et al. (2017), NewsQA: A Machine Comprehension Dataset, arXiv:1611.09830.
    Pennington, Socher & Manning (2014), GloVe: Global Vectors for Word Representation.
    Foster (2019), Generative Deep Learning, ch. 6.
"""

from __future__ import annotations

import csv
import dataclasses
import os
import re
import string
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gen_jax.data.errors import DatasetUnavailableError, tfds_how_to
from gen_jax.data.pydoc_text import pydoc_topics_text
from gen_jax.data.text import TokenVocabulary
from gen_jax.data.tfds_source import default_tfds_data_dir

__all__ = [
    "QUESTION_SPECIALS",
    "QuestionAnswer",
    "load_glove_vectors",
    "newsqa_question_answers",
    "pydoc_question_answers",
    "question_answer_arrays",
    "question_vocabulary",
    "squad_question_answers",
]

QUESTION_SPECIALS = ("<PAD>", "<UNK>", "<START>", "<END>")
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclasses.dataclass(frozen=True)
class QuestionAnswer:
    """One question about one answer span of a document.

    Attributes:
        document: the document's tokens.
        answer: ``(start, end)``, the answer's half-open token range.
        all_answers: every answer range in the document (the tagger's positives).
        question: the question's tokens.
    """

    document: tuple[str, ...]
    answer: tuple[int, int]
    all_answers: tuple[tuple[int, int], ...]
    question: tuple[str, ...]


def _words(text: str) -> list[str]:
    return _PUNCTUATION.sub(r" \1 ", text.lower()).split()


def pydoc_question_answers(
    *, min_length: int = 6, max_length: int = 40, max_answer_length: int = 4
) -> list[QuestionAnswer]:
    """The offline question set: one "what is <subject> ?" per matching pydoc sentence.

    Args:
        min_length, max_length: sentences of this many tokens are used.
        max_answer_length: the answer is at most this many words after the verb (it stops
            at punctuation).
    """
    examples = []
    for sentence in _SENTENCE_END.split(pydoc_topics_text().replace("\n", " ")):
        tokens = _words(sentence)
        if not min_length <= len(tokens) <= max_length:
            continue
        verbs = [i for i, token in enumerate(tokens) if token in ("is", "are")]
        if not verbs or verbs[0] == 0:
            continue
        verb = verbs[0]
        subject_start = verb
        while subject_start > max(0, verb - 3) and tokens[subject_start - 1].isalpha():
            subject_start -= 1
        end = verb + 1
        while end < min(len(tokens), verb + 1 + max_answer_length) and tokens[end].isalnum():
            end += 1
        if subject_start == verb or end == verb + 1:
            continue
        question = ("what", tokens[verb], *tokens[subject_start:verb], "?")
        answer = (verb + 1, end)
        examples.append(QuestionAnswer(tuple(tokens), answer, (answer,), question))
    return examples


def newsqa_question_answers(path: str | os.PathLike, *, max_document_length: int = 200):
    """The examples of a NewsQA CSV file (``train.csv``, ``dev.csv`` or ``test.csv``).

    Raises:
        DatasetUnavailableError: the file is missing.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetUnavailableError(
            "NewsQA",
            str(path),
            "Get Maluuba NewsQA (https://github.com/Maluuba/newsqa), build its CSV files and "
            "pass the path of train.csv / dev.csv / test.csv.",
            detail="no such file",
        )
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            document = tuple(row["story_text"].lower().split(" ")[:max_document_length])
            spans = []
            for item in row["answer_token_ranges"].split(","):
                start, end = (int(value) for value in item.split(":"))
                if end < max_document_length:
                    spans.append((start, end))
            if spans:
                rows.append((row["story_id"], document, spans, row["question"].lower().split(" ")))
    answers_by_story = defaultdict(set)
    for story, _, spans, _ in rows:
        answers_by_story[story].update(spans)
    return [
        QuestionAnswer(document, spans[0], tuple(sorted(answers_by_story[story])), tuple(question))
        for story, document, spans, question in rows
    ]


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def squad_question_answers(
    split: str, *, data_dir: str | os.PathLike | None = None, max_document_length: int = 200
) -> list[QuestionAnswer]:
    """The examples of a split of tfds ``squad`` (``"train"``: 87,599; ``"validation"``).

    Each question's first answer is its span: the tokens of the context before the answer's
    character offset give its start, the answer's own tokens its length. Every answer of
    every question about the same context is a tagger positive. Documents are cut at
    ``max_document_length`` tokens and answers reaching past the cut are dropped.

    Raises:
        DatasetUnavailableError: the data set is not prepared in ``data_dir``.
    """
    import tensorflow_datasets as tfds

    data_dir = os.fspath(data_dir) if data_dir else default_tfds_data_dir()
    try:
        source = tfds.data_source("squad", split=split, data_dir=data_dir, download=False)
    except (FileNotFoundError, NotImplementedError, tfds.core.DatasetNotFoundError) as error:
        raise DatasetUnavailableError("squad", data_dir, tfds_how_to("squad", data_dir)) from error
    rows = []
    for index in range(len(source)):
        example = source[index]
        context = _text(example["context"])
        document = tuple(_words(context)[:max_document_length])
        spans = []
        for text, offset in zip(
            example["answers"]["text"], example["answers"]["answer_start"], strict=False
        ):
            start = len(_words(context[: int(offset)]))
            end = start + len(_words(_text(text)))
            if start < end <= len(document):
                spans.append((start, end))
        question = tuple(_words(_text(example["question"])))
        if spans and question:
            rows.append((context, document, spans[0], spans, question))
    answers_by_context = defaultdict(set)
    for context, _, _, spans, _ in rows:
        answers_by_context[context].update(spans)
    return [
        QuestionAnswer(document, span, tuple(sorted(answers_by_context[context])), question)
        for context, document, span, _, question in rows
    ]


def question_vocabulary(
    examples: Sequence[QuestionAnswer], *, max_size: int = 10_000, question_words: int = 5_000
) -> TokenVocabulary:
    """``<PAD>=0, <UNK>=1, <START>=2, <END>=3``, the ``question_words`` most frequent
    question words, then the most frequent document words up to ``max_size`` ids."""
    questions = Counter(token for example in examples for token in example.question)
    documents = Counter(token for example in examples for token in example.document)
    tokens = list(QUESTION_SPECIALS)
    chosen = set(tokens)
    for counts, limit in ((questions, len(tokens) + question_words), (documents, max_size)):
        for token, _ in counts.most_common():
            if len(tokens) >= limit:
                break
            if token not in chosen:
                tokens.append(token)
                chosen.add(token)
    return TokenVocabulary(tokens, unknown="<UNK>")


def load_glove_vectors(
    path: str | os.PathLike, vocabulary: TokenVocabulary, *, seed: int = 0
) -> tuple[np.ndarray, int]:
    """Embedding rows ``[V, E]`` from a GloVe text file (``glove.6B.100d.txt``): a word's
    vector where GloVe has it, N(0, 0.02) otherwise (the specials, as in the book).

    Returns:
        ``(vectors, number of words found)``.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetUnavailableError(
            "GloVe",
            str(path),
            "Download glove.6B.zip from https://nlp.stanford.edu/projects/glove/ and pass the "
            "path of glove.6B.100d.txt.",
            detail="no such file",
        )
    found = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            word, _, values = line.rstrip().partition(" ")
            if word in vocabulary and word not in QUESTION_SPECIALS:
                found[vocabulary.id(word)] = np.asarray(values.split(" "), np.float32)
    if not found:
        raise ValueError(f"{path} holds no word of the vocabulary; is it a GloVe text file?")
    size = len(next(iter(found.values())))
    vectors = np.random.default_rng(seed).normal(0.0, 0.02, (len(vocabulary), size))
    vectors = vectors.astype(np.float32)
    for index, vector in found.items():
        vectors[index] = vector
    return vectors, len(found)


def question_answer_arrays(
    examples: Sequence[QuestionAnswer],
    vocabulary: TokenVocabulary,
    *,
    max_document_length: int,
    max_answer_length: int,
    max_question_length: int,
) -> dict[str, np.ndarray]:
    """The padded arrays of the question Step (``QUESTION_BATCH_KEYS``); documents,
    answers and questions longer than the limits are cut."""
    num = len(examples)
    start_id, end_id = vocabulary.id("<START>"), vocabulary.id("<END>")
    arrays = {
        "document": np.zeros((num, max_document_length), np.int32),
        "document_length": np.zeros(num, np.int32),
        "answer_labels": np.zeros((num, max_document_length), np.int32),
        "answer_mask": np.zeros((num, max_answer_length, max_document_length), np.float32),
        "answer_length": np.zeros(num, np.int32),
        "question_input": np.zeros((num, max_question_length), np.int32),
        "question_output": np.zeros((num, max_question_length), np.int32),
    }
    for row, example in enumerate(examples):
        document = vocabulary.encode(example.document[:max_document_length])
        arrays["document"][row, : document.size] = document
        arrays["document_length"][row] = document.size
        for start, end in example.all_answers:
            arrays["answer_labels"][row, start : min(end, max_document_length)] = 1
        positions = [p for p in range(*example.answer) if p < max_document_length]
        positions = positions[:max_answer_length]
        arrays["answer_mask"][row, np.arange(len(positions)), positions] = 1.0
        arrays["answer_length"][row] = len(positions)
        question = vocabulary.encode(example.question[: max_question_length - 1])
        arrays["question_input"][row, : question.size + 1] = np.concatenate([[start_id], question])
        arrays["question_output"][row, : question.size + 1] = np.concatenate([question, [end_id]])
    return arrays
