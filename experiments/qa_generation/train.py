"""Train the question generator; tagged spans, generated questions, span F1, exact match."""

from __future__ import annotations

import textwrap
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.question_generation import make_question_generation_step
from gen_jax.core.loop import Hook, fit
from gen_jax.data import ArraySource, BatchIterator
from gen_jax.data.question_answering import (
    load_glove_vectors,
    newsqa_question_answers,
    pydoc_question_answers,
    question_answer_arrays,
    question_vocabulary,
    squad_question_answers,
)
from gen_jax.models.sequence import QuestionGenerator, greedy_questions
from gen_jax.viz import write_report
from gen_jax.viz.text import save_text_panel

ENCODER_INPUTS = ("document", "document_length", "answer_mask", "answer_length")


def load_examples(data: ConfigDict):
    """``(training examples, held-out examples)``."""
    if data.source == "pydoc":
        examples = pydoc_question_answers(max_answer_length=data.max_answer_length)
        order = np.random.default_rng(0).permutation(len(examples))
        cut = int(len(examples) * (1.0 - data.held_out_fraction))
        return [examples[i] for i in order[:cut]], [examples[i] for i in order[cut:]]
    if data.source == "newsqa":
        return newsqa_question_answers(data.train_path), newsqa_question_answers(data.test_path)
    if data.source == "squad":
        options = dict(data_dir=data.data_dir or None, max_document_length=data.max_document_length)
        return (
            squad_question_answers("train", **options),
            squad_question_answers("validation", **options),
        )
    raise ValueError(f"data.source={data.source!r}; choose 'pydoc', 'newsqa' or 'squad'")


def evaluate(model, params, arrays, vocabulary, max_question_length, batch_size):
    """Tag predictions ``[N, D]``, generated question ids ``[N, Q]``, span token F1 and
    question exact match on ``arrays``."""
    tag_fn = jax.jit(lambda p, d, n: model.apply({"params": p}, d, n, method="tag_logits"))
    tags, questions = [], []
    for start in range(0, len(arrays["document"]), batch_size):
        part = {k: jnp.asarray(v[start : start + batch_size]) for k, v in arrays.items()}
        tags.append(
            np.asarray(jnp.argmax(tag_fn(params, part["document"], part["document_length"]), -1))
        )
        ids, _ = greedy_questions(
            model,
            params,
            *(part[k] for k in ENCODER_INPUTS),
            max_length=max_question_length,
            start_id=vocabulary.id("<START>"),
            end_id=vocabulary.id("<END>"),
        )
        questions.append(np.asarray(ids))
    tags, questions = np.concatenate(tags), np.concatenate(questions)
    valid = np.arange(tags.shape[1]) < arrays["document_length"][:, None]
    labels = arrays["answer_labels"] == 1
    true_positive = np.sum(valid & labels & (tags == 1))
    f1 = 2 * true_positive / max(np.sum(valid & (tags == 1)) + np.sum(valid & labels), 1)
    truth = np.where(
        arrays["question_output"] == vocabulary.id("<END>"), 0, arrays["question_output"]
    )
    exact = np.mean(np.all(questions == truth, axis=1))
    return tags, questions, float(f1), float(exact)


def example_lines(examples, arrays, tags, questions, vocabulary, num_shown) -> list[str]:
    """Documents with the tagged tokens in [brackets], the true answer, and the questions."""
    lines = []
    for row, example in enumerate(examples[:num_shown]):
        length = arrays["document_length"][row]
        words = [
            f"[{word}]" if tags[row, j] else word
            for j, word in enumerate(example.document[:length])
        ]
        generated = " ".join(
            token for token in vocabulary.decode(questions[row]) if token != "<PAD>"
        )
        start, end = example.answer
        lines += textwrap.wrap("document: " + " ".join(words), 120)
        lines += [
            f"  answer {start}:{end}: {' '.join(example.document[start:end])}",
            f"  true question:      {' '.join(example.question)}",
            f"  generated question: {generated}",
            "",
        ]
    return lines


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, tag and ask; returns the final metrics."""
    workdir = Path(workdir)
    data, evaluation, seed = config.data, config.eval, config.run.seed
    train_examples, held_out_examples = load_examples(data)
    vocabulary = question_vocabulary(
        train_examples, max_size=data.max_vocabulary, question_words=data.question_words
    )
    vocabulary.save(workdir / "vocabulary.json")
    limits = dict(
        max_document_length=data.max_document_length,
        max_answer_length=data.max_answer_length,
        max_question_length=data.max_question_length,
    )
    train_arrays = question_answer_arrays(train_examples, vocabulary, **limits)
    held_out_arrays = question_answer_arrays(held_out_examples, vocabulary, **limits)
    glove = None
    if data.glove_path:
        glove, _ = load_glove_vectors(data.glove_path, vocabulary, seed=seed)
    model = QuestionGenerator(vocab_size=len(vocabulary), **config.model)
    step = make_question_generation_step(
        model, optax.adam(**config.optim), **config.loss, initial_embedding=glove
    )
    batches = BatchIterator(ArraySource(train_arrays), data.batch_size, seed=seed)

    def scores(done: int, state) -> dict[str, float]:
        *_, f1, exact = evaluate(
            model,
            state.params,
            held_out_arrays,
            vocabulary,
            data.max_question_length,
            evaluation.eval_batch_size,
        )
        return {"held_out_span_f1": f1, "held_out_question_exact_match": exact}

    result = fit(
        step,
        batches,
        workdir=workdir,
        hooks=[Hook(scores)],
        description="qa_generation",
        **config.run,
    )
    tags, questions, f1, exact = evaluate(
        model,
        result.state.params,
        held_out_arrays,
        vocabulary,
        data.max_question_length,
        evaluation.eval_batch_size,
    )
    lines = example_lines(
        held_out_examples, held_out_arrays, tags, questions, vocabulary, evaluation.num_shown
    )
    (workdir / "questions.txt").write_text("\n".join(lines) + "\n")
    save_text_panel(
        workdir / "samples" / "questions.png",
        lines,
        title="Held-out documents: [tagged tokens] and questions",
        width_inches=11,
        font_size=8,
    )
    final = {
        "train_loss": float(result.metrics["loss"]),
        "held_out_span_f1": f1,
        "held_out_question_exact_match": exact,
        "vocabulary_size": len(vocabulary),
        "num_parameters": sum(leaf.size for leaf in jax.tree.leaves(result.state.params)),
        "num_training_questions": len(train_examples),
    }
    write_report(
        workdir,
        title=f"Question generation on {data.source} ({len(vocabulary)} words)",
        config=config.to_dict(),
        final_metrics=final,
        images={"Tagged spans and generated questions": str(workdir / "samples" / "questions.png")},
    )
    return final
