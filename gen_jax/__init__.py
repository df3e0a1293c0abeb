"""gen_jax: generative models in JAX, Flax and Optax.

The headline names are here, in sections by layer; everything else lives in curated
namespaces: :mod:`gen_jax.losses` (level-1 math), :mod:`gen_jax.models` (one package per
family), :mod:`gen_jax.inference` (the families' pure inference functions),
:mod:`gen_jax.algorithms` (Step factories and objectives), :mod:`gen_jax.estimators`
(scikit-learn-style classes), :mod:`gen_jax.eval`, :mod:`gen_jax.data`, :mod:`gen_jax.viz`
and :mod:`gen_jax.attacks`. ``docs/ARCHITECTURE.md`` describes the layers.
"""

from gen_jax import (
    algorithms,
    attacks,
    data,
    estimators,
    eval,
    inference,
    losses,
    models,
    viz,
)

# --- core: the Step contract, states, sharding, the training loop --------------------------
from gen_jax.core.checkpoint import Checkpointer
from gen_jax.core.loop import FitResult, Hook, NonFiniteError, fit
from gen_jax.core.rng import root_key, step_key
from gen_jax.core.sharding import batch_sharding, make_mesh, replicated, shard_batch
from gen_jax.core.state import AdversarialState, EMState, Player, SupervisedState, TrainState
from gen_jax.core.step import Step, compile_init, compile_step

# --- algorithms: Step factories and the objectives they differentiate -----------------------
from gen_jax.algorithms.aae import make_aae_step
from gen_jax.algorithms.adversarial import make_gan_step
from gen_jax.algorithms.autoencoding import autoencoder_objective, make_autoencoder_step
from gen_jax.algorithms.contrastive import make_contrastive_step
from gen_jax.algorithms.em import fit_em, make_em_step, make_stochastic_em_step
from gen_jax.algorithms.gradient import make_gradient_step
from gen_jax.algorithms.likelihood import make_likelihood_step
from gen_jax.algorithms.pixel_vae import make_pixel_vae_step
from gen_jax.algorithms.supervised import make_classifier_step
from gen_jax.algorithms.vae import iwae_bound, make_vae_step, vae_objective

# --- estimators: scikit-learn-style classes ----------------------------------------------------
from gen_jax.estimators import (
    PCFG,
    BayesianNetwork,
    BernoulliRBM,
    CategoricalHMM,
    CategoricalMixture,
    DeepBeliefNetwork,
    FullyVisibleSigmoidBeliefNet,
    GaussianHMM,
    GaussianMixture,
    GMMHMM,
    LatentDirichletAllocation,
    MarkovChain,
    NaiveBayes,
    PoissonHMM,
)

# --- eval: sample quality and likelihoods ----------------------------------------------------
from gen_jax.eval import frechet_distance, record_sample_quality, score_samples

__version__ = "0.1.0"

__all__ = [
    "PCFG",
    "AdversarialState",
    "BayesianNetwork",
    "BernoulliRBM",
    "CategoricalHMM",
    "CategoricalMixture",
    "Checkpointer",
    "DeepBeliefNetwork",
    "EMState",
    "FitResult",
    "FullyVisibleSigmoidBeliefNet",
    "GaussianHMM",
    "GaussianMixture",
    "GMMHMM",
    "Hook",
    "LatentDirichletAllocation",
    "MarkovChain",
    "PoissonHMM",
    "NaiveBayes",
    "NonFiniteError",
    "Player",
    "Step",
    "SupervisedState",
    "TrainState",
    "algorithms",
    "attacks",
    "autoencoder_objective",
    "batch_sharding",
    "compile_init",
    "compile_step",
    "data",
    "estimators",
    "eval",
    "fit",
    "fit_em",
    "frechet_distance",
    "inference",
    "iwae_bound",
    "losses",
    "make_aae_step",
    "make_autoencoder_step",
    "make_classifier_step",
    "make_contrastive_step",
    "make_em_step",
    "make_gan_step",
    "make_gradient_step",
    "make_likelihood_step",
    "make_mesh",
    "make_pixel_vae_step",
    "make_stochastic_em_step",
    "make_vae_step",
    "models",
    "record_sample_quality",
    "replicated",
    "root_key",
    "score_samples",
    "shard_batch",
    "step_key",
    "vae_objective",
    "viz",
]
