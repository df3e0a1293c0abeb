"""Hidden Markov models: parameters and Baum-Welch statistics (``em``), log-space inference one
sequence at a time (``inference``) and parallel in time (``parallel``). The estimators
``CategoricalHMM`` and ``GaussianHMM`` are in :mod:`gen_jax.estimators`.
"""

from gen_jax.models.hmm.em import HiddenMarkovEM, HMMParams
from gen_jax.models.hmm.inference import (
    HMMFilterResult,
    HMMPosterior,
    hmm_backward,
    hmm_filter,
    hmm_log_likelihood,
    hmm_posterior_sample,
    hmm_smoother,
    hmm_two_slice_marginals,
    hmm_viterbi,
    sample_markov_chain,
)
from gen_jax.models.hmm.parallel import parallel_hmm_filter, parallel_hmm_smoother

__all__ = [
    "HMMFilterResult",
    "HMMParams",
    "HMMPosterior",
    "HiddenMarkovEM",
    "hmm_backward",
    "hmm_filter",
    "hmm_log_likelihood",
    "hmm_posterior_sample",
    "hmm_smoother",
    "hmm_two_slice_marginals",
    "hmm_viterbi",
    "parallel_hmm_filter",
    "parallel_hmm_smoother",
    "sample_markov_chain",
]
