"""Small GAN Steps for the Step contract: vanilla with dropout, batch norm, WGAN, WGAN-GP,
conditional GAN."""

import optax

from gen_jax.algorithms.adversarial import make_gan_step
from gen_jax.models.gans.dcgan import (
    CamelDiscriminator,
    CamelGenerator,
    MLPDiscriminator,
    MLPGenerator,
)


def camel_gan_step():
    """The chapter-4 camel GAN shrunk to 8x8: BatchNorm in G, Dropout in D, k = 2."""
    generator = CamelGenerator(initial_shape=(2, 2, 4), filters=(4, 1), upsample=(2, 2))
    discriminator = CamelDiscriminator(filters=(4, 4), strides=(2, 1), kernel_size=3)
    return make_gan_step(
        generator,
        discriminator,
        optax.rmsprop(4e-4),
        optax.rmsprop(8e-4),
        latent_dim=4,
        num_critic_steps=2,
    )


def mlp_gan_step(kind):
    """MLP players on points: ``"bn"`` (both batch-normalised, minimax), ``"wgan_clip"``,
    ``"wgan_gp"``."""
    settings = {
        "bn": dict(loss="minimax"),
        "wgan_clip": dict(loss="wasserstein", num_critic_steps=3, clip=0.01),
        "wgan_gp": dict(loss="wasserstein", num_critic_steps=2, gp_weight=10.0),
    }[kind]
    batch_norm = kind == "bn"
    return make_gan_step(
        MLPGenerator(output_shape=(2,), hidden_sizes=(8,), batch_norm=batch_norm),
        MLPDiscriminator(hidden_sizes=(8,), batch_norm=batch_norm),
        optax.adam(1e-3),
        optax.adam(1e-3),
        latent_dim=3,
        data_key="x",
        **settings,
    )


def conditional_gan_step():
    """A conditional GAN (Mirza & Osindero 2014) on 8x8 images with 10 classes: MLP players,
    the one-hot label appended to z and tiled as extra image channels for the discriminator."""
    return make_gan_step(
        MLPGenerator(output_shape=(8, 8, 1), hidden_sizes=(8,)),
        MLPDiscriminator(hidden_sizes=(8,)),
        optax.adam(1e-3),
        optax.adam(1e-3),
        latent_dim=3,
        label_key="label",
        num_classes=10,
    )
