"""GAN players as Flax modules: the book's camel DCGAN and MLP players (``dcgan``), its WGAN
(``wgan``) and CelebA WGAN-GP (``wgan_gp``) networks, and the closed-form 1-D game
(``gan_1d``: the optimal discriminator and the Jensen-Shannon divergence). The adversarial
Step is in :mod:`gen_jax.algorithms.adversarial`.
"""

from gen_jax.models.gans.dcgan import (
    CamelDiscriminator,
    CamelGenerator,
    MLPDiscriminator,
    MLPGenerator,
)
from gen_jax.models.gans.gan_1d import gan_value, jensen_shannon_divergence, optimal_discriminator
from gen_jax.models.gans.wgan import wgan_critic, wgan_generator
from gen_jax.models.gans.wgan_gp import FacesCritic, FacesGenerator

__all__ = [
    "CamelDiscriminator",
    "CamelGenerator",
    "FacesCritic",
    "FacesGenerator",
    "MLPDiscriminator",
    "MLPGenerator",
    "gan_value",
    "jensen_shannon_divergence",
    "optimal_discriminator",
    "wgan_critic",
    "wgan_generator",
]
