"""The jitted programs behind ``LatentDirichletAllocation``, each one compiled call.

- :func:`fit_batch`: variational Bayes to convergence (:func:`~gen_jax.algorithms.em.fit_em`);
- :func:`fit_online`: epochs of online VB over minibatches in one ``lax.scan``;
- :func:`run_gibbs_sweeps`: collapsed Gibbs sampling (:func:`~gen_jax.models.lda.gibbs.run_gibbs`);
- :func:`infer_and_bound`: document-topic posteriors and per-document bounds;
- :func:`sample_counts`: word counts of documents drawn from topic mixtures.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from gen_jax.algorithms.em import fit_em
from gen_jax.models.lda.gibbs import run_gibbs
from gen_jax.models.lda.online import online_update


@functools.partial(jax.jit, static_argnames=("model", "max_iter"))
def fit_batch(docs, weights, params, tol, *, model, max_iter):
    """EM (variational Bayes) from ``params`` on ``docs``; an :class:`EMResult`."""
    return fit_em(model, params, docs, weights=weights, tol=tol, max_iter=max_iter)


@functools.partial(
    jax.jit,
    static_argnames=("model", "num_epochs", "num_documents", "learning_decay", "learning_offset"),
)
def fit_online(
    params,
    batches,
    weights,
    first_batch,
    *,
    model,
    num_epochs,
    num_documents,
    learning_decay,
    learning_offset,
):
    """``num_epochs`` passes of online VB over ``batches`` (leaves ``[n_batches, B, ...]``);
    returns the parameters and the bound per document after each minibatch."""
    num_batches = weights.shape[0]

    def body(params, index):
        pick = lambda leaf: leaf[index % num_batches]
        return online_update(
            model,
            params,
            jax.tree.map(pick, batches),
            pick(weights),
            first_batch + index,
            num_documents=num_documents,
            learning_decay=learning_decay,
            learning_offset=learning_offset,
        )

    params, metrics = jax.lax.scan(body, params, jnp.arange(num_epochs * num_batches))
    return params, metrics["bound_per_document"]


run_gibbs_sweeps = jax.jit(
    run_gibbs,
    static_argnames=(
        "num_topics",
        "num_words",
        "num_sweeps",
        "doc_topic_prior",
        "topic_word_prior",
    ),
)


@functools.partial(jax.jit, static_argnames="model")
def infer_and_bound(params, docs, *, model):
    """``(gamma [D, K], bound [D])`` of ``docs`` with the topics held fixed."""
    gamma = model.infer(params, docs)
    return gamma, model.document_bound(params, docs, gamma)


@functools.partial(jax.jit, static_argnames="max_words")
def sample_counts(key, topic_mixture, topics, lengths, *, max_words):
    """``[D, V]`` counts of ``lengths [D]`` words drawn from ``topic_mixture [D, K] @ topics``."""
    log_word_probs = jnp.log(topic_mixture @ topics)  # [D, V]
    words = jax.random.categorical(key, log_word_probs[:, None, :], shape=(len(lengths), max_words))
    present = jnp.arange(max_words)[None, :] < lengths[:, None]
    one_hot = jax.nn.one_hot(words, topics.shape[1], dtype=jnp.int32)
    return jnp.sum(one_hot * present[..., None].astype(jnp.int32), axis=1)
