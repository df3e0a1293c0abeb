"""Scikit-learn-style estimators over the model families' on-device fits.

Hyperparameters go to the constructor; ``fit(X, *, key=None)`` returns the estimator;
fitted attributes end in ``_``; ``score``, ``score_samples``, ``sample(n, *, key)``,
``predict`` and ``predict_proba`` exist where they make sense. Each fit runs as one jitted
call (EM in a ``lax.while_loop``, contrastive divergence in a ``lax.scan``). The plumbing
they share (the fitted check, keys from ``random_state``, EM results, ``bic``/``aic``,
scikit-learn's ``get_params``/``clone``) is in :mod:`gen_jax.estimators.base`.
"""

from gen_jax.estimators.bayesnet import BayesianNetwork
from gen_jax.estimators.bernoulli_rbm import BernoulliRBM
from gen_jax.estimators.categorical_mixture import CategoricalMixture
from gen_jax.estimators.dbn import DeepBeliefNetwork
from gen_jax.estimators.fvsbn import FullyVisibleSigmoidBeliefNet
from gen_jax.estimators.gaussian_mixture import GaussianMixture
from gen_jax.estimators.gmm_hmm import GMMHMM
from gen_jax.estimators.hmm import CategoricalHMM, GaussianHMM
from gen_jax.estimators.lda import LatentDirichletAllocation
from gen_jax.estimators.markov_chain import MarkovChain
from gen_jax.estimators.naive_bayes import NaiveBayes
from gen_jax.estimators.pcfg import PCFG
from gen_jax.estimators.pcfg_classifier import PCFGAuthorshipClassifier
from gen_jax.estimators.poisson_hmm import PoissonHMM

__all__ = [
    "BayesianNetwork",
    "BernoulliRBM",
    "CategoricalHMM",
    "CategoricalMixture",
    "DeepBeliefNetwork",
    "FullyVisibleSigmoidBeliefNet",
    "GMMHMM",
    "GaussianHMM",
    "GaussianMixture",
    "LatentDirichletAllocation",
    "MarkovChain",
    "NaiveBayes",
    "PCFG",
    "PCFGAuthorshipClassifier",
    "PoissonHMM",
]
