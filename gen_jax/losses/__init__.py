"""Level-1 losses: arrays in, per-example arrays out; no models, no reductions over batch."""

from gen_jax.losses.adversarial import (
    discriminator_loss,
    gradient_penalty,
    hinge_discriminator_loss,
    hinge_generator_loss,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
    minimax_generator_loss,
    nonsaturating_generator_loss,
    r1_penalty,
    sigmoid_cross_entropy,
    wasserstein_critic_loss,
    wasserstein_generator_loss,
)
from gen_jax.losses.divergences import gaussian_kl, gaussian_kl_between
from gen_jax.losses.likelihoods import bernoulli_log_prob, gaussian_log_prob, mean_squared_error
from gen_jax.losses.style import content_loss, gram_matrix, style_loss, total_variation_loss

__all__ = [
    "bernoulli_log_prob",
    "content_loss",
    "gram_matrix",
    "style_loss",
    "total_variation_loss",
    "discriminator_loss",
    "gaussian_kl",
    "gaussian_kl_between",
    "gaussian_log_prob",
    "gradient_penalty",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "mean_squared_error",
    "minimax_generator_loss",
    "nonsaturating_generator_loss",
    "r1_penalty",
    "sigmoid_cross_entropy",
    "wasserstein_critic_loss",
    "wasserstein_generator_loss",
]
