"""gen_jax: generative models in JAX, Flax and Optax.

Public names only; submodules may move. See README.md and DESIGN.md.
"""

from gen_jax import attacks
from gen_jax.algorithms.aae import (
    AAEState,
    code_discriminator_loss,
    code_generator_loss,
    make_aae_step,
)
from gen_jax.algorithms.aae_semi_supervised import make_semi_supervised_aae_step
from gen_jax.algorithms.adversarial import (
    condition_examples,
    conditional_latent,
    make_gan_step,
    sample_latent,
)
from gen_jax.algorithms.autoencoding import (
    autoencoder_objective,
    contractive_penalty,
    corrupt,
    kl_sparsity_penalty,
    make_autoencoder_step,
    sigmoid_contractive_penalty,
)
from gen_jax.algorithms.contrastive import (
    ContrastiveState,
    GibbsNoise,
    contrastive_gradients,
    contrastive_state_shardings,
    make_boltzmann_step,
    make_contrastive_step,
)
from gen_jax.algorithms.em import (
    EMResult,
    em_iteration,
    fit_em,
    make_em_step,
    make_stochastic_em_step,
)
from gen_jax.algorithms.likelihood import make_likelihood_step
from gen_jax.algorithms.normalised_vae import make_normalised_vae_step, normalised_vae_objective
from gen_jax.algorithms.pixel_vae import (
    make_pixel_vae_step,
    pixel_vae_log_weights,
    pixel_vae_objective,
)
from gen_jax.algorithms.stacked import (
    fine_tune_stack,
    greedy_layerwise_pretrain,
    make_layerwise_step,
    make_stack_fine_tune_step,
    stacked_encode,
    stacked_reconstruct,
)
from gen_jax.algorithms.supervised import (
    SupervisedState,
    classifier_objective,
    make_classifier_step,
)
from gen_jax.algorithms.vae_family import (
    cvae_objective,
    elbo_objective,
    iwae_bound,
    make_cvae_step,
    make_elbo_step,
)
from gen_jax.algorithms.variational import make_vae_step, vae_objective
from gen_jax.attacks import latent_attack, output_attack, pgd_latent_attack, unrestricted_search
from gen_jax.core.checkpoint import Checkpointer
from gen_jax.core.loop import FitResult, Hook, NonFiniteError, fit
from gen_jax.core.rng import root_key, split_named, step_key
from gen_jax.core.sharding import batch_sharding, make_mesh, replicated, shard_batch
from gen_jax.core.state import AdversarialState, EMState, Player, TrainState
from gen_jax.core.step import Step, compile_init, compile_step
from gen_jax.data.ring_transform import ring_transform, transformed_ring
from gen_jax.eval import (
    ReferenceImages,
    bits_per_dimension,
    classifier_score,
    density_coverage,
    digits_feature_network,
    frechet_distance,
    inception_feature_network,
    inception_score,
    kernel_inception_distance,
    perplexity,
    precision_recall,
    record_sample_quality,
    rescore_run,
    score_samples,
    vae_log_likelihood,
)
from gen_jax.inference.ais import AISResult, rbm_ais_log_partition
from gen_jax.inference.hmm import (
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
from gen_jax.inference.hmm_parallel import parallel_hmm_filter, parallel_hmm_smoother
from gen_jax.inference.pcfg import PCFGParams
from gen_jax.models.aae import (
    AdversarialAutoencoder,
    SemiSupervisedAAE,
    conv_aae,
    mlp_aae,
    mlp_semi_supervised_aae,
)
from gen_jax.models.aae_priors import (
    CategoricalPrior,
    GaussianMixturePrior,
    StandardGaussianPrior,
    circle_mixture,
    make_prior,
)
from gen_jax.models.autoencoder import Autoencoder, conv_autoencoder, mlp_autoencoder
from gen_jax.models.bayesnet import BayesianNetwork
from gen_jax.models.bayesnet_em import BayesNetEM
from gen_jax.models.bayesnet_search import hill_climb_search, markov_equivalent, structure_score
from gen_jax.models.bernoulli_rbm import BernoulliRBM
from gen_jax.models.boltzmann import BoltzmannParams, simulated_annealing
from gen_jax.models.categorical_mixture import CategoricalMixture
from gen_jax.models.categorical_mixture_em import CategoricalMixtureEM, CategoricalMixtureParams
from gen_jax.models.classifiers import ConvClassifier, MLPClassifier
from gen_jax.models.cvae import CVAE
from gen_jax.models.dbn import DeepBeliefNetwork
from gen_jax.models.dcgan import CamelDiscriminator, CamelGenerator, MLPDiscriminator, MLPGenerator
from gen_jax.models.face_vae import NormalisedVAE, face_vae
from gen_jax.models.gan_1d import gan_value, jensen_shannon_divergence, optimal_discriminator
from gen_jax.models.gaussian_mixture import GaussianMixture
from gen_jax.models.gmm import GaussianMixtureEM, GaussianMixtureParams
from gen_jax.models.hmm import CategoricalHMM, GaussianHMM
from gen_jax.models.hmm_em import HiddenMarkovEM, HMMParams
from gen_jax.models.lda import LatentDirichletAllocation
from gen_jax.models.lda_coherence import umass_coherence
from gen_jax.models.lda_gibbs import make_gibbs_step
from gen_jax.models.lda_online import make_online_lda_step
from gen_jax.models.lda_vb import LDAParams, LDAVariationalEM
from gen_jax.models.made import MADE, made_ensemble_log_prob, made_log_prob, made_sample
from gen_jax.models.markov_chain import MarkovChain
from gen_jax.models.naive_bayes import NaiveBayes
from gen_jax.models.pcfg import PCFG
from gen_jax.models.pcfg_classifier import PCFGAuthorshipClassifier
from gen_jax.models.pcfg_em import PCFGInsideOutsideEM
from gen_jax.models.pixel_vae import PixelVAE, pixel_vae_reconstruct, pixel_vae_sample
from gen_jax.models.pixelcnn import GatedPixelCNN, PixelCNN, pixelcnn_log_prob, pixelcnn_sample
from gen_jax.models.rbm import RBMParams
from gen_jax.models.sigmoid_belief import FullyVisibleSigmoidBeliefNet, make_fvsbn_step
from gen_jax.models.vae import VAE, ConvDecoder, ConvEncoder, MLPDecoder, MLPEncoder, conv_vae
from gen_jax.models.wavenet import (
    WaveNet,
    wavenet_log_prob,
    wavenet_sample_fast,
    wavenet_sample_naive,
)
from gen_jax.models.wgan import wgan_critic, wgan_generator
from gen_jax.models.wgan_gp import FacesCritic, FacesGenerator

__version__ = "0.1.0"

__all__ = [
    "CVAE",
    "MADE",
    "PCFG",
    "VAE",
    "AAEState",
    "AISResult",
    "AdversarialAutoencoder",
    "AdversarialState",
    "Autoencoder",
    "BayesNetEM",
    "BayesianNetwork",
    "BernoulliRBM",
    "BoltzmannParams",
    "CamelDiscriminator",
    "CamelGenerator",
    "CategoricalHMM",
    "CategoricalMixture",
    "CategoricalMixtureEM",
    "CategoricalMixtureParams",
    "CategoricalPrior",
    "Checkpointer",
    "ContrastiveState",
    "ConvClassifier",
    "ConvDecoder",
    "ConvEncoder",
    "DeepBeliefNetwork",
    "EMResult",
    "EMState",
    "FacesCritic",
    "FacesGenerator",
    "FitResult",
    "FullyVisibleSigmoidBeliefNet",
    "GatedPixelCNN",
    "GaussianHMM",
    "GaussianMixture",
    "GaussianMixtureEM",
    "GaussianMixtureParams",
    "GaussianMixturePrior",
    "GibbsNoise",
    "HMMFilterResult",
    "HMMParams",
    "HMMPosterior",
    "HiddenMarkovEM",
    "Hook",
    "LDAParams",
    "LDAVariationalEM",
    "LatentDirichletAllocation",
    "MLPClassifier",
    "MLPDecoder",
    "MLPDiscriminator",
    "MLPEncoder",
    "MLPGenerator",
    "MarkovChain",
    "NaiveBayes",
    "NonFiniteError",
    "NormalisedVAE",
    "PCFGAuthorshipClassifier",
    "PCFGInsideOutsideEM",
    "PCFGParams",
    "PixelCNN",
    "PixelVAE",
    "Player",
    "RBMParams",
    "ReferenceImages",
    "SemiSupervisedAAE",
    "StandardGaussianPrior",
    "Step",
    "SupervisedState",
    "TrainState",
    "WaveNet",
    "attacks",
    "autoencoder_objective",
    "batch_sharding",
    "bits_per_dimension",
    "circle_mixture",
    "classifier_objective",
    "classifier_score",
    "code_discriminator_loss",
    "code_generator_loss",
    "compile_init",
    "compile_step",
    "condition_examples",
    "conditional_latent",
    "contractive_penalty",
    "contrastive_gradients",
    "contrastive_state_shardings",
    "conv_aae",
    "conv_autoencoder",
    "conv_vae",
    "corrupt",
    "cvae_objective",
    "density_coverage",
    "digits_feature_network",
    "elbo_objective",
    "em_iteration",
    "face_vae",
    "fine_tune_stack",
    "fit",
    "fit_em",
    "frechet_distance",
    "gan_value",
    "greedy_layerwise_pretrain",
    "hill_climb_search",
    "hmm_backward",
    "hmm_filter",
    "hmm_log_likelihood",
    "hmm_posterior_sample",
    "hmm_smoother",
    "hmm_two_slice_marginals",
    "hmm_viterbi",
    "inception_feature_network",
    "inception_score",
    "iwae_bound",
    "jensen_shannon_divergence",
    "kernel_inception_distance",
    "kl_sparsity_penalty",
    "latent_attack",
    "made_ensemble_log_prob",
    "made_log_prob",
    "made_sample",
    "make_aae_step",
    "make_autoencoder_step",
    "make_boltzmann_step",
    "make_classifier_step",
    "make_contrastive_step",
    "make_cvae_step",
    "make_elbo_step",
    "make_em_step",
    "make_fvsbn_step",
    "make_gan_step",
    "make_gibbs_step",
    "make_layerwise_step",
    "make_likelihood_step",
    "make_mesh",
    "make_normalised_vae_step",
    "make_online_lda_step",
    "make_pixel_vae_step",
    "make_prior",
    "make_semi_supervised_aae_step",
    "make_stack_fine_tune_step",
    "make_stochastic_em_step",
    "make_vae_step",
    "markov_equivalent",
    "mlp_aae",
    "mlp_autoencoder",
    "mlp_semi_supervised_aae",
    "normalised_vae_objective",
    "optimal_discriminator",
    "output_attack",
    "parallel_hmm_filter",
    "parallel_hmm_smoother",
    "perplexity",
    "pgd_latent_attack",
    "pixel_vae_log_weights",
    "pixel_vae_objective",
    "pixel_vae_reconstruct",
    "pixel_vae_sample",
    "pixelcnn_log_prob",
    "pixelcnn_sample",
    "precision_recall",
    "rbm_ais_log_partition",
    "record_sample_quality",
    "replicated",
    "rescore_run",
    "ring_transform",
    "root_key",
    "sample_latent",
    "sample_markov_chain",
    "score_samples",
    "shard_batch",
    "sigmoid_contractive_penalty",
    "simulated_annealing",
    "split_named",
    "stacked_encode",
    "stacked_reconstruct",
    "step_key",
    "structure_score",
    "transformed_ring",
    "umass_coherence",
    "unrestricted_search",
    "vae_log_likelihood",
    "vae_objective",
    "wavenet_log_prob",
    "wavenet_sample_fast",
    "wavenet_sample_naive",
    "wgan_critic",
    "wgan_generator",
]
