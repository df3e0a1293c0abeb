"""Step-contract cases of the recurrent text models: the window language model on padded
rows and the question generator."""

import numpy as np
import optax

from gen_jax.algorithms.language_model import make_language_model_step
from gen_jax.algorithms.question_generation import make_question_generation_step
from gen_jax.models.sequence import QuestionGenerator, RecurrentLanguageModel

VOCAB_SIZE = 17


def _windows(shape, seed):
    return np.random.default_rng(seed).integers(1, VOCAB_SIZE, shape).astype(np.int32)


def language_model_step_and_batch():
    """The book's GRU with dropout, scored at every position of 16 right-padded rows of 3
    to 9 tokens."""
    model = RecurrentLanguageModel(
        VOCAB_SIZE, embedding_size=8, hidden_size=12, cell="gru", dropout_rate=0.2
    )
    step = make_language_model_step(
        model, optax.rmsprop(1e-3, decay=0.9, eps=1e-7), predict_every_position=True
    )
    length = np.random.default_rng(1).integers(3, 10, 16).astype(np.int32)
    tokens = np.where(np.arange(9) < length[:, None], _windows((16, 9), 2), 0).astype(np.int32)
    return step, {"tokens": tokens, "length": length}


def question_batch(vocab_size=VOCAB_SIZE, batch_size=16, document=10, answer=3, question=5):
    """A padded question-generation batch: documents of 4 to 10 tokens, an answer span of
    1 to 3 of their tokens, questions of 1 to 4 words and <END> (ids: 0 pad, 2 start, 3 end)."""
    rng = np.random.default_rng(3)
    document_length = rng.integers(4, document + 1, batch_size).astype(np.int32)
    tokens = rng.integers(4, vocab_size, (batch_size, document))
    documents = np.where(np.arange(document) < document_length[:, None], tokens, 0)
    answer_length = rng.integers(1, answer + 1, batch_size).astype(np.int32)
    starts = rng.integers(0, document_length - answer_length + 1)
    answer_mask = np.zeros((batch_size, answer, document), np.float32)
    labels = np.zeros((batch_size, document), np.int32)
    question_input = np.zeros((batch_size, question), np.int32)
    question_output = np.zeros((batch_size, question), np.int32)
    for row in range(batch_size):
        span = np.arange(starts[row], starts[row] + answer_length[row])
        answer_mask[row, np.arange(span.size), span] = 1.0
        labels[row, span] = 1
        words = rng.integers(4, vocab_size, rng.integers(1, question))
        question_input[row, : words.size + 1] = np.concatenate([[2], words])
        question_output[row, : words.size + 1] = np.concatenate([words, [3]])
    return {
        "document": documents.astype(np.int32),
        "document_length": document_length,
        "answer_labels": labels,
        "answer_mask": answer_mask,
        "answer_length": answer_length,
        "question_input": question_input,
        "question_output": question_output,
    }


def question_generation_step_and_batch():
    """The question generator (book's GRU, tagger of 6 units per direction) on one padded
    batch."""
    model = QuestionGenerator(vocab_size=VOCAB_SIZE, embedding_size=8, tagger_size=6)
    step = make_question_generation_step(model, optax.adam(1e-3, eps=1e-7))
    return step, question_batch()
