"""The jitted programs of the HMM estimators, each compiled once per model structure.

A :class:`~gen_jax.models.hmm.em.HiddenMarkovEM` is a pytree whose static fields (the
emission family, its covariance type, the learnt letters) select the program, so every
estimator shares these functions: Baum-Welch (``fit_baum_welch``), supervised counts
(``fit_labelled``), smoothing (``smooth``), Viterbi (``viterbi``), sampling
(``sample_sequence``) and the k-means initialisation of Gaussian means (``kmeans_means``).
"""

from __future__ import annotations

import functools

import jax

from gen_jax.algorithms.em import fit_em
from gen_jax.models.hmm.inference import hmm_viterbi, sample_markov_chain
from gen_jax.models.mixture.kmeans import kmeans_plusplus, lloyd


@functools.partial(jax.jit, static_argnames=("max_iter",))
def fit_baum_welch(model, data, weights, tol, *, max_iter):
    """:func:`~gen_jax.algorithms.em.fit_em` from ``model.initial`` on padded ``data``."""
    return fit_em(model, model.initial, data, weights=weights, tol=tol, max_iter=max_iter)


@jax.jit
def fit_labelled(model, data, states, weights):
    """One M-step on the statistics of labelled sequences ``states [N, T]``."""
    return model.m_step(model.labelled_statistics(data, states, weights))


@jax.jit
def smooth(model, params, data):
    """Every sequence's :class:`~gen_jax.models.hmm.inference.HMMPosterior`."""
    return model.posteriors(params, data)


@jax.jit
def viterbi(model, params, data):
    """``(states [N, T], log p(y, z*) [N])`` of every padded sequence."""
    log_likelihoods = model.log_likelihoods(params, data["x"])
    return jax.vmap(hmm_viterbi, in_axes=(None, None, 0, 0))(
        params.start_probs, params.transition_matrix, log_likelihoods, data["mask"]
    )


@functools.partial(jax.jit, static_argnames=("num_clusters",))
def kmeans_means(x, key, *, num_clusters, weights=None):
    """``[K, D]`` k-means centres of ``x [N, D]`` (k-means++ seeding, then Lloyd), the
    samples weighted by ``weights [N]`` (zero leaves a sample out)."""
    centers = kmeans_plusplus(x, num_clusters, key=key, weights=weights)
    return lloyd(x, centers, weights=weights)[0]


@functools.partial(jax.jit, static_argnames=("num_steps",))
def sample_sequence(model, params, key, *, num_steps):
    """``(states [T], x [T, ...])``: a Markov chain, then ``model.emissions.sample``."""
    state_key, emission_key = jax.random.split(key)
    states = sample_markov_chain(
        params.start_probs, params.transition_matrix, num_steps, key=state_key
    )
    return states, model.emissions.sample(params.emission, states, key=emission_key)
