"""Level-1 losses: arrays in, per-example arrays out; no models, no reductions over batch."""

from gen_jax.losses.divergences import gaussian_kl, gaussian_kl_between
from gen_jax.losses.likelihoods import bernoulli_log_prob, gaussian_log_prob, mean_squared_error

__all__ = [
    "bernoulli_log_prob",
    "gaussian_kl",
    "gaussian_kl_between",
    "gaussian_log_prob",
    "mean_squared_error",
]
