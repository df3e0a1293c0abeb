"""Training updates as Steps, and the level-2 objectives they differentiate.

Every factory returns a :class:`~gen_jax.core.step.Step` ``(init, update)`` closed over
everything static, so only arrays cross the jit boundary. Gradient-trained families build
on one gradient Step (:func:`~gen_jax.algorithms.gradient.make_gradient_step`); EM
(``em``), contrastive divergence (``contrastive``) and the adversarial game
(``adversarial``, ``aae``) have their own state transitions.
"""

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
    EMModel,
    EMResult,
    em_iteration,
    fit_em,
    make_em_step,
    make_stochastic_em_step,
)
from gen_jax.algorithms.fvsbn import make_fvsbn_step
from gen_jax.algorithms.gradient import make_gradient_step
from gen_jax.algorithms.lda import make_gibbs_step, make_online_lda_step
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
from gen_jax.algorithms.supervised import classifier_objective, make_classifier_step
from gen_jax.algorithms.vae import iwae_bound, make_vae_step, vae_objective

__all__ = [
    "AAEState",
    "ContrastiveState",
    "EMModel",
    "EMResult",
    "GibbsNoise",
    "autoencoder_objective",
    "classifier_objective",
    "code_discriminator_loss",
    "code_generator_loss",
    "condition_examples",
    "conditional_latent",
    "contractive_penalty",
    "contrastive_gradients",
    "contrastive_state_shardings",
    "corrupt",
    "em_iteration",
    "fine_tune_stack",
    "fit_em",
    "greedy_layerwise_pretrain",
    "iwae_bound",
    "kl_sparsity_penalty",
    "make_aae_step",
    "make_autoencoder_step",
    "make_boltzmann_step",
    "make_classifier_step",
    "make_contrastive_step",
    "make_em_step",
    "make_fvsbn_step",
    "make_gan_step",
    "make_gradient_step",
    "make_gibbs_step",
    "make_layerwise_step",
    "make_likelihood_step",
    "make_normalised_vae_step",
    "make_online_lda_step",
    "make_pixel_vae_step",
    "make_semi_supervised_aae_step",
    "make_stack_fine_tune_step",
    "make_stochastic_em_step",
    "make_vae_step",
    "normalised_vae_objective",
    "pixel_vae_log_weights",
    "pixel_vae_objective",
    "sample_latent",
    "sigmoid_contractive_penalty",
    "stacked_encode",
    "stacked_reconstruct",
    "vae_objective",
]
