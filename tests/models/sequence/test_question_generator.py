"""The question generator: the book's parameter counts, length masks in the tagger and the
losses, and greedy decoding that stops at <END>."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.algorithms.question_generation import question_generation_objective
from gen_jax.models.sequence import QuestionGenerator, greedy_questions, with_pretrained_embedding
from tests.core.sequence_model_cases import question_batch

SMALL = QuestionGenerator(vocab_size=23, embedding_size=6, tagger_size=5)


def _shapes(batch_size=2, document=30, answer=4, question=8):
    return (
        jnp.zeros((batch_size, document), jnp.int32),
        jnp.full((batch_size,), document, jnp.int32),
        jnp.zeros((batch_size, answer, document)),
        jnp.full((batch_size,), answer, jnp.int32),
        jnp.zeros((batch_size, question), jnp.int32),
    )


@pytest.mark.parametrize(("cell", "expected"), [("gru", 3_537_402), ("flax_gru", 3_538_002)])
def test_parameter_counts_equal_the_books(cell, expected):
    shapes = jax.eval_shape(QuestionGenerator(cell=cell).init, jax.random.key(0), *_shapes())
    assert sum(math.prod(leaf.shape) for leaf in jax.tree.leaves(shapes)) == expected


@pytest.fixture(scope="module")
def batch_and_params():
    batch = question_batch(vocab_size=23)
    inputs = [batch[k] for k in ("document", "document_length", "answer_mask", "answer_length")]
    params = jax.jit(SMALL.init)(jax.random.key(0), *inputs, batch["question_input"])["params"]
    return batch, params


def test_padding_changes_neither_tags_nor_losses(batch_and_params):
    batch, params = batch_and_params
    changed = dict(batch)
    past_end = np.arange(batch["document"].shape[1]) >= batch["document_length"][:, None]
    changed["document"] = np.where(past_end, 7, batch["document"]).astype(np.int32)
    changed["answer_labels"] = np.where(past_end, 1, batch["answer_labels"]).astype(np.int32)

    @jax.jit
    def tags_and_loss(batch):
        tags = SMALL.apply(
            {"params": params}, batch["document"], batch["document_length"], method="tag_logits"
        )
        return tags, question_generation_objective(SMALL, params, batch)[0]

    tags, loss = tags_and_loss(batch)
    changed_tags, changed_loss = tags_and_loss(changed)
    np.testing.assert_allclose(
        np.where(past_end[..., None], 0.0, changed_tags),
        np.where(past_end[..., None], 0.0, tags),
        atol=1e-6,
    )
    assert float(changed_loss) == pytest.approx(float(loss), abs=1e-6)


def test_greedy_decoding_matches_step_by_step_argmax_and_stops_at_end(batch_and_params):
    batch, params = batch_and_params
    row = {k: v[:1] for k, v in batch.items()}
    inputs = [row[k] for k in ("document", "document_length", "answer_mask", "answer_length")]
    variables = {"params": params}
    decode_step = jax.jit(
        lambda state, token: SMALL.apply(variables, state, token, method="decode_step")
    )
    state = jax.jit(lambda *inputs: SMALL.apply(variables, *inputs, method="encode"))(*inputs)
    token, reference = jnp.asarray([2], jnp.int32), []
    for _ in range(6):
        state, logits = decode_step(state, token)
        token = jnp.argmax(logits, axis=-1).astype(jnp.int32)
        reference.append(int(token[0]))
    stop_at = next(t for t in range(1, 6) if reference[t] not in reference[:t])
    tokens, lengths = greedy_questions(
        SMALL, params, *inputs, max_length=6, start_id=2, end_id=reference[stop_at]
    )
    assert int(lengths[0]) == stop_at
    np.testing.assert_array_equal(tokens[0], reference[:stop_at] + [0] * (6 - stop_at))


def test_pretrained_vectors_replace_the_shared_embedding(batch_and_params):
    _, params = batch_and_params
    vectors = np.arange(23 * 6, dtype=np.float32).reshape(23, 6)
    np.testing.assert_array_equal(
        with_pretrained_embedding(params, vectors)["embedding"]["embedding"], vectors
    )
    with pytest.raises(ValueError, match="shape"):
        with_pretrained_embedding(params, vectors[:5])
