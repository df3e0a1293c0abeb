r"""LDA's Steps: online variational Bayes (one minibatch per update) and collapsed Gibbs
(one sweep over the corpus per update).

The math is in :mod:`gen_jax.models.lda`: :mod:`~gen_jax.models.lda.online` for Hoffman,
Blei & Bach's (2010) update, :mod:`~gen_jax.models.lda.gibbs` for Griffiths & Steyvers's
(2004) sampler.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from gen_jax.core.state import EMState, zero_step
from gen_jax.core.step import Step
from gen_jax.models.lda.gibbs import gibbs_init, gibbs_sweep, log_likelihood_words
from gen_jax.models.lda.online import check_learning_schedule, online_update
from gen_jax.models.lda.vb import Documents, LDAParams, LDAVariationalEM


def make_online_lda_step(
    model: LDAVariationalEM,
    init_params: Callable[[jax.Array, Documents], LDAParams],
    *,
    num_documents: int,
    learning_decay: float = 0.7,
    learning_offset: float = 10.0,
) -> Step:
    """Online VB as a Step: each ``update`` consumes one minibatch.

    The batch is ``{"counts": [B, L], "word_ids": [B, L]}`` with an optional
    ``"weights": [B]``; ``state.step + 1`` is the minibatch number :math:`t`.

    Args:
        model: an :class:`~gen_jax.models.lda.vb.LDAVariationalEM`.
        init_params: ``(key, docs) -> LDAParams``, e.g. a closure over
            :func:`~gen_jax.models.lda.vb.initial_topic_word`.
        num_documents: :math:`N`, the size of the corpus (or of the stream's population).
        learning_decay: :math:`\\kappa \\in (0.5, 1]`.
        learning_offset: :math:`\\tau_0 \\ge 0`; larger values damp the early updates.

    Metrics: ``bound_per_document`` and ``step_size`` (see :func:`online_update`).
    """
    check_learning_schedule(learning_decay, learning_offset)
    if num_documents < 1:
        raise ValueError(f"num_documents={num_documents!r}: give the size of the corpus (>= 1)")

    def documents(batch):
        docs = Documents(counts=batch["counts"], word_ids=batch["word_ids"])
        weights = batch.get("weights", jnp.ones(docs.counts.shape[0], docs.counts.dtype))
        return docs, weights

    def init(key, batch):
        return EMState(step=zero_step(), params=init_params(key, documents(batch)[0]))

    def update(state, batch, key):
        docs, weights = documents(batch)
        params, metrics = online_update(
            model,
            state.params,
            docs,
            weights,
            state.step + 1,
            num_documents=num_documents,
            learning_decay=learning_decay,
            learning_offset=learning_offset,
        )
        return state.replace(step=state.step + 1, params=params), metrics

    return Step(init=init, update=update)


def make_gibbs_step(
    *, num_topics: int, num_words: int, doc_topic_prior: float, topic_word_prior: float
) -> Step:
    """Collapsed Gibbs as a Step: each ``update`` is one sweep over the whole corpus.

    The batch is ``{"tokens": [D, T] int32, "mask": [D, T] bool}`` and must be the same
    corpus on every call (the state holds its token assignments).

    Metrics: ``log_likelihood_per_token``, :func:`log_likelihood_words` over the number of
    tokens after the sweep.
    """
    for name, value in (
        ("doc_topic_prior", doc_topic_prior),
        ("topic_word_prior", topic_word_prior),
    ):
        if not value > 0:
            raise ValueError(f"{name}={value!r}: must be > 0")

    def init(key, batch):
        return gibbs_init(key, batch["tokens"], batch["mask"], num_topics, num_words)

    def update(state, batch, key):
        state = gibbs_sweep(
            state,
            batch["tokens"],
            batch["mask"],
            jax.random.fold_in(key, state.step),
            doc_topic_prior=doc_topic_prior,
            topic_word_prior=topic_word_prior,
        )
        num_tokens = jnp.sum(batch["mask"], dtype=jnp.result_type(float))
        log_likelihood = log_likelihood_words(state.topic_word, topic_word_prior)
        return state, {"log_likelihood_per_token": log_likelihood / num_tokens}

    return Step(init=init, update=update)
