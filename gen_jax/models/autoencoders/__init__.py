"""Autoencoders as Flax modules: deterministic (``autoencoder``), VAEs (``vae``, the book's
face VAE ``face_vae``, the conditional ``cvae``), adversarial autoencoders and their priors
(``aae``, ``aae_priors``) and PixelVAE (``pixel_vae``).
"""

from gen_jax.models.autoencoders.aae import (
    AdversarialAutoencoder,
    SemiSupervisedAAE,
    conv_aae,
    mlp_aae,
    mlp_semi_supervised_aae,
)
from gen_jax.models.autoencoders.aae_priors import (
    CategoricalPrior,
    GaussianMixturePrior,
    StandardGaussianPrior,
    circle_mixture,
    make_prior,
)
from gen_jax.models.autoencoders.autoencoder import Autoencoder, conv_autoencoder, mlp_autoencoder
from gen_jax.models.autoencoders.cvae import CVAE
from gen_jax.models.autoencoders.face_vae import NormalisedVAE, face_vae
from gen_jax.models.autoencoders.pixel_vae import PixelVAE, pixel_vae_reconstruct, pixel_vae_sample
from gen_jax.models.autoencoders.vae import (
    VAE,
    ConvDecoder,
    ConvEncoder,
    MLPDecoder,
    MLPEncoder,
    conv_vae,
)

__all__ = [
    "AdversarialAutoencoder",
    "Autoencoder",
    "CVAE",
    "CategoricalPrior",
    "ConvDecoder",
    "ConvEncoder",
    "GaussianMixturePrior",
    "MLPDecoder",
    "MLPEncoder",
    "NormalisedVAE",
    "PixelVAE",
    "SemiSupervisedAAE",
    "StandardGaussianPrior",
    "VAE",
    "circle_mixture",
    "conv_aae",
    "conv_autoencoder",
    "conv_vae",
    "face_vae",
    "make_prior",
    "mlp_aae",
    "mlp_autoencoder",
    "mlp_semi_supervised_aae",
    "pixel_vae_reconstruct",
    "pixel_vae_sample",
]
