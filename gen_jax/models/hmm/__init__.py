"""Hidden Markov models: parameters and Baum-Welch statistics (``em``), log-space inference one
sequence at a time (``inference``) and parallel in time (``parallel``); Gaussian-mixture
(``mixture_emissions``) and Poisson (``poisson_emissions``) emission families beside the
categorical and Gaussian ones of ``em``. The estimators ``CategoricalHMM``, ``GaussianHMM``,
``GMMHMM`` and ``PoissonHMM`` are in :mod:`gen_jax.estimators`.
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
from gen_jax.models.hmm.mixture_emissions import (
    GaussianMixtureEmissionParams,
    GaussianMixtureEmissions,
)
from gen_jax.models.hmm.parallel import parallel_hmm_filter, parallel_hmm_smoother
from gen_jax.models.hmm.poisson_emissions import PoissonEmissionParams, PoissonEmissions

__all__ = [
    "GaussianMixtureEmissionParams",
    "GaussianMixtureEmissions",
    "HMMFilterResult",
    "HMMParams",
    "HMMPosterior",
    "HiddenMarkovEM",
    "PoissonEmissionParams",
    "PoissonEmissions",
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
