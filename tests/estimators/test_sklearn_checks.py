"""scikit-learn's estimator checks on every estimator built on its ``BaseEstimator``.

Every fit compiles a JAX program, so the full check list takes minutes per estimator;
the suite runs the checks of the scikit-learn API itself (``CHEAP_CHECKS``: cloning,
parameters, tags, the unfitted errors), and ``GEN_JAX_SKLEARN_CHECKS=all`` runs them all.
Each check an estimator cannot pass is listed, with the reason, in ``EXPECTED_FAILURES``.
``BayesianNetwork`` and ``PCFG`` are scikit-learn estimators too (``clone`` and
``set_params`` are tested in ``test_clone_bayesnet_pcfg.py``), but they take tables of named
nodes and sentences, not the numeric arrays the checks generate, so they are not listed here.
"""

import os

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from gen_jax.estimators import (
    GMMHMM,
    BernoulliRBM,
    CategoricalHMM,
    CategoricalMixture,
    DeepBeliefNetwork,
    FullyVisibleSigmoidBeliefNet,
    GaussianHMM,
    GaussianMixture,
    LatentDirichletAllocation,
    MarkovChain,
    NaiveBayes,
    PCFGAuthorshipClassifier,
    PoissonHMM,
)

ESTIMATORS = [
    BernoulliRBM(3, n_iter=2),
    CategoricalHMM(2, n_iter=2),
    CategoricalMixture(2, max_iter=5),
    DeepBeliefNetwork([3], n_iter=2),
    FullyVisibleSigmoidBeliefNet(max_iter=5),
    GaussianHMM(2, n_iter=2),
    GaussianMixture(2, max_iter=20),
    GMMHMM(2, 2, n_iter=2),
    LatentDirichletAllocation(2, max_iter=2),
    MarkovChain(2),
    NaiveBayes("gaussian"),
    PCFGAuthorshipClassifier(),
    PoissonHMM(2, n_iter=2),
]

CHEAP_CHECKS = {
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_estimators_unfitted",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_mixin_order",
}

_CONSTRUCTOR = (
    "hyperparameters are checked in the constructor, so that a bad value is named where it "
    "is written (DESIGN.md, 'Errors and bad input')"
)
# The checks that fit on scikit-learn's generic data (real-valued tables, NaN, complex,
# object arrays, sparse matrices, y passed positionally): an estimator of another data
# domain refuses that data by name, so it fails them all.
_DATA_CHECKS = (
    "check_all_zero_sample_weights_error",
    "check_complex_data",
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimator_sparse_array",
    "check_estimator_sparse_matrix",
    "check_estimator_sparse_tag",
    "check_estimators_dtypes",
    "check_estimators_empty_data_messages",
    "check_estimators_fit_returns_self",
    "check_estimators_nan_inf",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit1d",
    "check_fit2d_1feature",
    "check_fit2d_1sample",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weights_list",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_n_iter",
    "check_transformer_preserve_dtypes",
)
_BINARY = "models binary data: the checks' real values are refused by name"
_DOMAINS = {
    "BernoulliRBM": _BINARY,
    "DeepBeliefNetwork": _BINARY,
    "FullyVisibleSigmoidBeliefNet": _BINARY,
    "LatentDirichletAllocation": "models word counts: negative or fractional X is refused",
    "CategoricalMixture": "models integer tokens or counts: real-valued X is refused",
    "CategoricalHMM": "takes integer symbols [n_samples, 1]: real-valued tables are refused",
    "MarkovChain": "takes integer state sequences: real-valued tables are refused",
    "GaussianHMM": "hmmlearn's fit(X, lengths): the checks' y is taken as sequence lengths",
    "GMMHMM": "hmmlearn's fit(X, lengths): the checks' y is taken as sequence lengths",
    "PoissonHMM": "models counts with hmmlearn's fit(X, lengths): real values and y are refused",
    "PCFGAuthorshipClassifier": "fits token sequences by author, fit(documents), not a table",
}

# Class name -> {check name -> reason}; ``None`` holds what every estimator fails.
EXPECTED_FAILURES = {
    None: {"check_do_not_raise_errors_in_init_or_set_params": _CONSTRUCTOR},
    "GaussianMixture": {
        "check_sample_weight_equivalence_on_dense_data": (
            "k-means++ seeding draws by weight, so weights are not repetitions draw for draw"
        ),
        "check_sample_weight_equivalence_on_sparse_data": "the same, on sparse data",
        "check_estimator_sparse_array": (
            "the check's sparse data (mostly zeros) collapse full covariances, which fit "
            "refuses by name (raise reg_covar)"
        ),
        "check_estimator_sparse_matrix": "the same, for sparse matrices",
    },
    **{name: dict.fromkeys(_DATA_CHECKS, reason) for name, reason in _DOMAINS.items()},
}


def _expected_failures(estimator) -> dict[str, str]:
    return {**EXPECTED_FAILURES[None], **EXPECTED_FAILURES.get(type(estimator).__name__, {})}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_estimator_checks(estimator, check):
    name = getattr(check, "func", check).__name__
    if os.environ.get("GEN_JAX_SKLEARN_CHECKS") != "all" and name not in CHEAP_CHECKS:
        pytest.skip("fits compile JAX programs: run with GEN_JAX_SKLEARN_CHECKS=all")
    check(estimator)
