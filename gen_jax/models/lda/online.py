r"""Online variational Bayes for LDA (Hoffman, Blei & Bach, 2010): minibatches as a Step.

After the E-step of minibatch :math:`t` (``B`` documents out of a corpus of ``N``), the
topic-word parameters move towards the batch estimate as if the minibatch were the whole
corpus:

.. math::
    \tilde\lambda = \eta + \tfrac{N}{B} \sum_{d \in \text{batch}} n_{dw}\phi_{dwk}, \qquad
    \lambda \leftarrow (1 - \rho_t)\lambda + \rho_t \tilde\lambda, \qquad
    \rho_t = (\tau_0 + t)^{-\kappa},

with learning offset :math:`\tau_0 \ge 0` and learning decay :math:`\kappa \in (0.5, 1]`,
:math:`t = 1, 2, \ldots` counting minibatches (scikit-learn's ``n_batch_iter_``). This is
stochastic EM on the statistics :math:`\lambda - \eta`, but with Hoffman's offset in the
step size and a random (not empty) starting point, which is why it is not
:func:`~gen_jax.algorithms.em.make_stochastic_em_step`.

With :math:`\tau_0 = 0` the first step is :math:`\rho_1 = 1`: the first minibatch
replaces the starting point, and a word absent from it is left at :math:`\lambda = \eta`
in every topic. For a small :math:`\eta` (say 0.01, :math:`E[\log\beta] \approx -100`)
the E-step, which adds machine epsilon to the normaliser of :math:`\phi` as scikit-learn
does, then gives that word almost no mass ever again. Keep :math:`\tau_0` well above 0
(the default 10, scikit-learn's); gensim's default ``offset = 1`` has this problem
(``benchmarks/lda.py``).

References:
    Hoffman, Blei & Bach (2010), Online learning for latent Dirichlet allocation, NIPS,
    Algorithm 2.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from gen_jax.models.lda.vb import Documents, LDAParams, LDAVariationalEM, topic_word_bound


def check_learning_schedule(learning_decay: float, learning_offset: float) -> None:
    """Raise ``ValueError`` unless :math:`\\kappa \\in (0.5, 1]` and :math:`\\tau_0 \\ge 0`."""
    if not 0.5 < learning_decay <= 1.0:
        raise ValueError(
            f"learning_decay={learning_decay!r}: must lie in (0.5, 1] for online VB to converge"
        )
    if not learning_offset >= 0:
        raise ValueError(f"learning_offset={learning_offset!r}: must be >= 0")


def online_update(
    model: LDAVariationalEM,
    params: LDAParams,
    docs: Documents,
    weights: jax.Array,
    batch_number: jax.Array,
    *,
    num_documents: float,
    learning_decay: float,
    learning_offset: float,
) -> tuple[LDAParams, dict[str, jax.Array]]:
    """One online-VB update on a minibatch.

    Args:
        model: the variational model (priors, E-step tolerances).
        params: :math:`\\lambda` before the update.
        docs: the minibatch ``[B, L]``.
        weights: ``[B]`` document weights (0 for padding documents).
        batch_number: :math:`t \\ge 1`, the number of this minibatch.
        num_documents: :math:`N`, the corpus size the minibatch stands for.
        learning_decay, learning_offset: :math:`\\kappa`, :math:`\\tau_0`.

    Returns:
        ``(params, metrics)``; ``bound_per_document`` estimates the corpus bound divided by
        :math:`N` under the incoming ``params`` (minibatch mean of the document terms plus
        the corpus-level term over :math:`N`); ``step_size`` is :math:`\\rho_t`.
    """
    stats, bound = model.e_step(params, docs, weights)
    dtype = stats.dtype
    batch_weight = jnp.sum(weights)
    corpus_term = topic_word_bound(params.topic_word, model.topic_word_prior)
    document_mean = jnp.sum(weights * bound) / batch_weight - corpus_term / batch_weight
    step_size = (jnp.asarray(learning_offset, dtype) + batch_number.astype(dtype)) ** jnp.asarray(
        -learning_decay, dtype
    )
    target = model.m_step(stats * (jnp.asarray(num_documents, dtype) / batch_weight))
    topic_word = (1 - step_size) * params.topic_word + step_size * target.topic_word
    metrics = {
        "bound_per_document": document_mean + corpus_term / jnp.asarray(num_documents, dtype),
        "step_size": step_size,
    }
    return LDAParams(topic_word=topic_word), metrics
