"""gen_jax: generative models in JAX, Flax and Optax.

Public names only; submodules may move. See README.md and DESIGN.md.
"""

from gen_jax.algorithms.em import (
    EMResult,
    em_iteration,
    fit_em,
    make_em_step,
    make_stochastic_em_step,
)
from gen_jax.algorithms.variational import make_vae_step, vae_objective
from gen_jax.core.checkpoint import Checkpointer
from gen_jax.core.loop import FitResult, Hook, NonFiniteError, fit
from gen_jax.core.rng import root_key, split_named, step_key
from gen_jax.core.sharding import batch_sharding, make_mesh, replicated, shard_batch
from gen_jax.core.state import AdversarialState, EMState, Player, TrainState
from gen_jax.core.step import Step, compile_init, compile_step
from gen_jax.inference.pcfg import PCFGParams
from gen_jax.models.bayesnet import BayesianNetwork
from gen_jax.models.bayesnet_em import BayesNetEM
from gen_jax.models.categorical_mixture import CategoricalMixture
from gen_jax.models.categorical_mixture_em import CategoricalMixtureEM, CategoricalMixtureParams
from gen_jax.models.gaussian_mixture import GaussianMixture
from gen_jax.models.gmm import GaussianMixtureEM, GaussianMixtureParams
from gen_jax.models.lda import LatentDirichletAllocation
from gen_jax.models.lda_coherence import umass_coherence
from gen_jax.models.lda_gibbs import make_gibbs_step
from gen_jax.models.lda_online import make_online_lda_step
from gen_jax.models.lda_vb import LDAParams, LDAVariationalEM
from gen_jax.models.naive_bayes import NaiveBayes
from gen_jax.models.pcfg import PCFG
from gen_jax.models.pcfg_classifier import PCFGAuthorshipClassifier
from gen_jax.models.pcfg_em import PCFGInsideOutsideEM
from gen_jax.models.vae import VAE, ConvDecoder, ConvEncoder, MLPDecoder, MLPEncoder, conv_vae

__version__ = "0.1.0"

__all__ = [
    "VAE",
    "AdversarialState",
    "BayesNetEM",
    "BayesianNetwork",
    "CategoricalMixture",
    "CategoricalMixtureEM",
    "CategoricalMixtureParams",
    "Checkpointer",
    "ConvDecoder",
    "ConvEncoder",
    "EMResult",
    "EMState",
    "GaussianMixture",
    "GaussianMixtureEM",
    "GaussianMixtureParams",
    "FitResult",
    "Hook",
    "LDAParams",
    "LDAVariationalEM",
    "LatentDirichletAllocation",
    "MLPDecoder",
    "MLPEncoder",
    "NaiveBayes",
    "NonFiniteError",
    "PCFG",
    "PCFGAuthorshipClassifier",
    "PCFGInsideOutsideEM",
    "PCFGParams",
    "Player",
    "Step",
    "TrainState",
    "batch_sharding",
    "compile_init",
    "compile_step",
    "conv_vae",
    "em_iteration",
    "fit_em",
    "fit",
    "make_em_step",
    "make_gibbs_step",
    "make_mesh",
    "make_online_lda_step",
    "make_stochastic_em_step",
    "make_vae_step",
    "replicated",
    "root_key",
    "shard_batch",
    "split_named",
    "step_key",
    "umass_coherence",
    "vae_objective",
]
