r"""The book's question-answer generator: an answer tagger and a question encoder-decoder.

Three parts share one word embedding (GloVe vectors when given, Foster 2019, Listings
6.6-6.9, after Wang, Yuan & Trischler 2017):

- the **answer tagger**, a bidirectional GRU over the document ``[D]`` whose states
  ``[D, 2u]`` feed ``Dense(2)``: is each token part of an answer?
- the **encoder**, a GRU over the tagger states of the chosen answer's tokens in order
  (``answer_mask [A, D] @ states [D, 2u]``), whose final state ``[2u]`` starts
- the **decoder**, a GRU over the question's tokens with teacher forcing (``<START>`` and
  the question as inputs, the question and ``<END>`` as targets), followed by a bias-free
  ``Dense(V)``.

With the book's sizes (``V = 9984``, 100-d embedding, ``u = 100``) and its reset-before
GRU the model has 3,537,402 parameters (Flax's ``GRUCell``: 3,538,002). Padding is masked
with lengths: padded document tokens never reach the tagger's states, and padded answer
rows are not read by the encoder (Keras feeds them as zero vectors, which still move the
encoder's state; the lengths are the fix).

References:
    Du, Shao & Cardie (2017), Learning to Ask: Neural Question Generation for Reading
    Comprehension, arXiv:1705.00106.
    Wang, Yuan & Trischler (2017), A Joint Model for Question Answering and Question
    Generation, arXiv:1706.01450.
    Cho et al. (2014), arXiv:1406.1078 (GRU encoder-decoder).
    Foster (2019), Generative Deep Learning, ch. 6 (Experiment 6.2).
"""

from __future__ import annotations

import functools

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.models.sequence.cells import make_cell

__all__ = ["QuestionGenerator", "greedy_questions", "with_pretrained_embedding"]


class QuestionGenerator(nn.Module):
    """Answer tagger, answer encoder and question decoder on a shared embedding.

    Attributes:
        vocab_size: ``V`` (9,984 in the book), specials included.
        embedding_size: width of the shared embedding (100: GloVe 6B 100d).
        tagger_size: units per direction of the tagger's GRU (100); the encoder and
            decoder GRUs have twice as many.
        cell: ``"gru"`` (the book's reset-before GRU) or ``"flax_gru"``.
    """

    vocab_size: int = 9984
    embedding_size: int = 100
    tagger_size: int = 100
    cell: str = "gru"

    def setup(self) -> None:
        if self.cell not in ("gru", "flax_gru"):
            raise ValueError(
                f"cell={self.cell!r}; the question generator takes 'gru' or 'flax_gru'"
            )
        width = 2 * self.tagger_size
        self.embedding = nn.Embed(self.vocab_size, self.embedding_size)
        self.tagger = nn.Bidirectional(
            nn.RNN(make_cell(self.cell, self.tagger_size)),
            nn.RNN(make_cell(self.cell, self.tagger_size)),
        )
        self.tag_layer = nn.Dense(2)
        self.encoder = nn.RNN(make_cell(self.cell, width))
        self.decoder = nn.RNN(make_cell(self.cell, width))
        self.output_layer = nn.Dense(self.vocab_size, use_bias=False)

    def tagger_states(self, document: jax.Array, document_length: jax.Array) -> jax.Array:
        """``[B, D, 2u]`` bidirectional states of int ``document [B, D]`` (right-padded to
        ``document_length [B]``)."""
        return self.tagger(self.embedding(document), seq_lengths=document_length)

    def tag_logits(self, document: jax.Array, document_length: jax.Array) -> jax.Array:
        """``[B, D, 2]`` logits of "not answer" and "answer" for every token."""
        return self.tag_layer(self.tagger_states(document, document_length))

    def encode(
        self,
        document: jax.Array,
        document_length: jax.Array,
        answer_mask: jax.Array,
        answer_length: jax.Array,
    ) -> jax.Array:
        """``[B, 2u]`` encoder state of each answer: ``answer_mask [B, A, D]`` has a one at
        ``[i, j]`` when the answer's ``i``-th word is document word ``j``; its first
        ``answer_length [B]`` rows are read."""
        states = self.tagger_states(document, document_length)
        answer_states = jnp.einsum("bad,bdh->bah", answer_mask.astype(states.dtype), states)
        carry, _ = self.encoder(answer_states, seq_lengths=answer_length, return_carry=True)
        return carry

    def decode(self, state: jax.Array, question_input: jax.Array) -> jax.Array:
        """``[B, Q, V]`` next-word logits of the decoder started at ``state [B, 2u]`` and fed
        int ``question_input [B, Q]`` (teacher forcing)."""
        outputs = self.decoder(self.embedding(question_input), initial_carry=state)
        return self.output_layer(outputs)

    def decode_step(self, state: jax.Array, token: jax.Array) -> tuple[jax.Array, jax.Array]:
        """One decoder step: ``(new state [B, 2u], logits [B, V])`` after int ``token [B]``."""
        state, outputs = self.decoder(
            self.embedding(token)[:, None], initial_carry=state, return_carry=True
        )
        return state, self.output_layer(outputs[:, 0])

    def __call__(
        self,
        document: jax.Array,
        document_length: jax.Array,
        answer_mask: jax.Array,
        answer_length: jax.Array,
        question_input: jax.Array,
    ) -> tuple[jax.Array, jax.Array]:
        """``(tag logits [B, D, 2], question logits [B, Q, V])`` with teacher forcing."""
        tags = self.tag_logits(document, document_length)
        state = self.encode(document, document_length, answer_mask, answer_length)
        return tags, self.decode(state, question_input)


def with_pretrained_embedding(params, vectors: np.ndarray):
    """``params`` with the shared embedding replaced by ``vectors [V, E]`` (GloVe rows in
    vocabulary order; it still trains, as in the book, where ``trainable=False`` on a
    tensor had no effect)."""
    table = params["embedding"]["embedding"]
    vectors = jnp.asarray(vectors, table.dtype)
    if vectors.shape != table.shape:
        raise ValueError(f"vectors have shape {vectors.shape}; the embedding is {table.shape}")
    return {**params, "embedding": {"embedding": vectors}}


@functools.partial(jax.jit, static_argnames=("model", "max_length"))
def greedy_questions(
    model: QuestionGenerator,
    params,
    document: jax.Array,
    document_length: jax.Array,
    answer_mask: jax.Array,
    answer_length: jax.Array,
    *,
    max_length: int,
    start_id: int,
    end_id: int,
) -> tuple[jax.Array, jax.Array]:
    """Greedy (argmax) questions for each answer, decoded in one ``lax.scan``.

    Args:
        model, params: the question generator and its parameters.
        document, document_length, answer_mask, answer_length: as in
            :meth:`QuestionGenerator.encode`.
        max_length: decoder steps.
        start_id: the ``<START>`` id fed first.
        end_id: the ``<END>`` id; a row stops when it is produced (it is not emitted).

    Returns:
        ``(tokens [B, max_length], lengths [B])``: the question ids, 0 from the end on.
    """
    variables = {"params": params}
    state = model.apply(
        variables, document, document_length, answer_mask, answer_length, method="encode"
    )
    batch_size = document.shape[0]

    def body(carry, _):
        state, token, stopped, length = carry
        state, logits = model.apply(variables, state, token, method="decode_step")
        token = jnp.argmax(logits, axis=-1).astype(jnp.int32)
        stopped = stopped | (token == end_id)
        emitted = jnp.where(stopped, 0, token)
        return (state, token, stopped, length + (~stopped).astype(jnp.int32)), emitted

    start = (
        state,
        jnp.full(batch_size, start_id, jnp.int32),
        jnp.zeros(batch_size, bool),
        jnp.zeros(batch_size, jnp.int32),
    )
    (_, _, _, lengths), tokens = jax.lax.scan(body, start, None, length=max_length)
    return tokens.T, lengths
