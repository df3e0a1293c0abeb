"""Exact and approximate inference as pure functions, gathered from the model families.

Each function lives with its family in :mod:`gen_jax.models` (HMM messages in
``models/hmm``, PCFG charts in ``models/pcfg``, variable elimination in ``models/bayesnet``,
AIS in ``models/boltzmann``); this namespace collects them for users who want inference
alone: ``gen_jax.inference.hmm_filter(...)``, ``gen_jax.inference.inside(...)``.
"""

from gen_jax.models.bayesnet.sampling import likelihood_weighted_samples, likelihood_weighting_query
from gen_jax.models.bayesnet.variable_elimination import (
    Factor,
    bayesnet_factors,
    elimination_order,
    log_evidence,
    map_query,
    query_log_table,
)
from gen_jax.models.boltzmann.ais import AISResult, rbm_ais_log_partition
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
from gen_jax.models.hmm.parallel import (
    parallel_hmm_backward,
    parallel_hmm_filter,
    parallel_hmm_smoother,
)
from gen_jax.models.pcfg.chart import (
    PCFGParams,
    ViterbiChart,
    batch_inside,
    expected_rule_counts,
    inside,
    inside_chart,
    sample_tree,
    viterbi_chart,
)

__all__ = [
    "AISResult",
    "Factor",
    "HMMFilterResult",
    "HMMPosterior",
    "PCFGParams",
    "ViterbiChart",
    "batch_inside",
    "bayesnet_factors",
    "elimination_order",
    "expected_rule_counts",
    "hmm_backward",
    "hmm_filter",
    "hmm_log_likelihood",
    "hmm_posterior_sample",
    "hmm_smoother",
    "hmm_two_slice_marginals",
    "hmm_viterbi",
    "inside",
    "inside_chart",
    "likelihood_weighted_samples",
    "likelihood_weighting_query",
    "log_evidence",
    "map_query",
    "parallel_hmm_backward",
    "parallel_hmm_filter",
    "parallel_hmm_smoother",
    "query_log_table",
    "rbm_ais_log_partition",
    "sample_markov_chain",
    "sample_tree",
    "viterbi_chart",
]
