r"""Adversarial autoencoder networks: encoders, decoders and a discriminator on codes.

An adversarial autoencoder (Makhzani et al. 2015) is an autoencoder whose *aggregated
posterior* :math:`q(z) = \mathbb E_{x}\, q(z \mid x)` is matched to a prior :math:`p(z)` by
a discriminator on codes. The networks here reuse the library's autoencoder and VAE
builders:

- deterministic encoder :math:`z = f(x)`:
  :class:`~gen_jax.models.autoencoders.autoencoder.MLPCodeEncoder`
  or :class:`~gen_jax.models.autoencoders.autoencoder.ConvCodeEncoder`;
- Gaussian (probabilistic) encoder :math:`z = \mu(x) + \sigma(x)\epsilon`:
  :class:`~gen_jax.models.autoencoders.vae.MLPEncoder` or
  :class:`~gen_jax.models.autoencoders.vae.ConvEncoder`, with
  the reparameterised draw of :func:`~gen_jax.models.autoencoders.vae.reparameterize`;
- decoder to logits: :class:`~gen_jax.models.autoencoders.vae.MLPDecoder` or the book's
  convolutional
  decoder;
- discriminator on codes (optionally with a one-hot label appended):
  :class:`~gen_jax.models.gans.dcgan.MLPDiscriminator`, LeakyReLU(0.2) hidden layers.

The semi-supervised AAE (§5) splits the code into a categorical head :math:`y =
\operatorname{softmax}(\ell(x))` and a style :math:`z`; its decoder reads
:math:`[y, z]`.

The paper's MNIST networks (§2, appendix) have two hidden layers of 1000 ReLU units in the
encoder, the decoder and the discriminator: ``mlp_aae((28, 28, 1), 2, hidden_sizes=(1000,
1000))`` and ``code_discriminator((1000, 1000))``.

References:
    Makhzani, Shlens, Jaitly, Goodfellow & Frey (2015), Adversarial Autoencoders,
    arXiv:1511.05644.
"""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from gen_jax.models.autoencoders.autoencoder import ConvCodeEncoder, MLPCodeEncoder
from gen_jax.models.autoencoders.vae import (
    ConvEncoder,
    MLPDecoder,
    MLPEncoder,
    book_conv_decoder,
    reparameterize,
)
from gen_jax.models.gans.dcgan import MLPDiscriminator


class AdversarialAutoencoder(nn.Module):
    """Encoder and decoder of an AAE: ``__call__(x, *, key) -> (logits, code)``.

    Attributes:
        encoder: ``x [B, ...] -> code [B, D]`` (deterministic) or ``-> (mean, log_var)``
            (probabilistic).
        decoder: ``code [B, D] -> logits`` shaped like ``x``.
        probabilistic: whether the encoder is Gaussian; the code is then a reparameterised
            draw, which needs ``key``.
    """

    encoder: nn.Module
    decoder: nn.Module
    probabilistic: bool = False

    def __call__(self, x: jax.Array, *, key: jax.Array | None = None):
        code = self.encode(x, key=key)
        return self.decoder(code), code

    def encode(self, x: jax.Array, *, key: jax.Array | None = None) -> jax.Array:
        """``x [B, ...] -> code [B, D]``; a draw from :math:`q(z \\mid x)` if probabilistic."""
        if not self.probabilistic:
            return self.encoder(x)
        if key is None:
            raise ValueError("a probabilistic AAE encoder draws its code: pass key=")
        mean, log_var = self.encoder(x)
        return reparameterize(mean, log_var, key=key)

    def encode_mean(self, x: jax.Array) -> jax.Array:
        """The code's mean ``[B, D]`` (the code itself for a deterministic encoder)."""
        if not self.probabilistic:
            return self.encoder(x)
        return self.encoder(x)[0]

    def decode(self, code: jax.Array) -> jax.Array:
        """``code [B, D] -> logits`` with the data's shape."""
        return self.decoder(code)


class StyleClassEncoder(nn.Module):
    """``x [B, ...] -> (style [B, style_dim], class_logits [B, num_classes])`` (AAE §5).

    ReLU Dense trunk shared by a linear style head and a linear class-logit head.
    """

    style_dim: int
    num_classes: int
    hidden_sizes: Sequence[int] = (1000, 1000)

    @nn.compact
    def __call__(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        x = x.reshape(x.shape[0], -1)
        for size in self.hidden_sizes:
            x = nn.relu(nn.Dense(size)(x))
        return nn.Dense(self.style_dim, name="style")(x), nn.Dense(self.num_classes, name="y")(x)


class SemiSupervisedAAE(nn.Module):
    """The semi-supervised AAE: ``__call__(x) -> (logits, style, class_logits)``.

    The decoder reads the concatenation ``[softmax(class_logits), style]``.
    """

    encoder: nn.Module
    decoder: nn.Module

    def __call__(self, x: jax.Array):
        style, class_logits = self.encoder(x)
        return self.decode(style, jax.nn.softmax(class_logits)), style, class_logits

    def encode(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        """``x -> (style [B, D], class_logits [B, K])``."""
        return self.encoder(x)

    def decode(self, style: jax.Array, class_probs: jax.Array) -> jax.Array:
        """``(style [B, D], class_probs [B, K]) -> logits`` shaped like ``x``."""
        return self.decoder(jnp.concatenate([class_probs, style], axis=-1))


def mlp_aae(
    input_shape: tuple[int, ...],
    code_dim: int,
    *,
    hidden_sizes: Sequence[int] = (1000, 1000),
    probabilistic: bool = False,
) -> AdversarialAutoencoder:
    """An MLP AAE with ReLU hidden layers; the decoder mirrors the encoder's widths."""
    if not isinstance(code_dim, int) or code_dim < 1:
        raise ValueError(f"code_dim={code_dim!r}; pass a positive int")
    hidden_sizes = tuple(hidden_sizes)
    if probabilistic:
        encoder = MLPEncoder(latent_dim=code_dim, hidden_sizes=hidden_sizes)
    else:
        encoder = MLPCodeEncoder(code_dim=code_dim, hidden_sizes=hidden_sizes)
    decoder = MLPDecoder(output_shape=tuple(input_shape), hidden_sizes=hidden_sizes[::-1])
    return AdversarialAutoencoder(encoder=encoder, decoder=decoder, probabilistic=probabilistic)


def conv_aae(
    image_shape: tuple[int, int, int],
    code_dim: int,
    *,
    encoder_filters: Sequence[int] = (32, 64, 64, 64),
    encoder_strides: Sequence[int] = (1, 2, 2, 1),
    decoder_filters: Sequence[int] = (64, 64, 32),
    decoder_strides: Sequence[int] = (1, 2, 2, 1),
    kernel_size: int = 3,
    probabilistic: bool = False,
) -> AdversarialAutoencoder:
    """A convolutional AAE from the book's encoder and decoder (Foster 2019, ch. 3).

    The decoder's strides need one more entry than its filters (the last layer has the
    image's channel count); their product must divide the image's height and width.
    """
    if len(encoder_strides) != len(encoder_filters):
        raise ValueError(
            f"encoder_strides has {len(encoder_strides)} entries but encoder_filters has "
            f"{len(encoder_filters)}: give one stride per encoder layer"
        )
    layers = dict(
        filters=tuple(encoder_filters),
        kernel_sizes=(kernel_size,) * len(encoder_filters),
        strides=tuple(encoder_strides),
    )
    if probabilistic:
        encoder = ConvEncoder(latent_dim=code_dim, **layers)
    else:
        encoder = ConvCodeEncoder(code_dim=code_dim, **layers)
    decoder = book_conv_decoder(image_shape, decoder_filters, decoder_strides, kernel_size)
    return AdversarialAutoencoder(encoder=encoder, decoder=decoder, probabilistic=probabilistic)


def mlp_semi_supervised_aae(
    input_shape: tuple[int, ...],
    style_dim: int,
    num_classes: int,
    *,
    hidden_sizes: Sequence[int] = (1000, 1000),
) -> SemiSupervisedAAE:
    """The semi-supervised MLP AAE of §5 (the paper's MNIST nets: 1000-1000 ReLU)."""
    hidden_sizes = tuple(hidden_sizes)
    encoder = StyleClassEncoder(
        style_dim=style_dim, num_classes=num_classes, hidden_sizes=hidden_sizes
    )
    decoder = MLPDecoder(output_shape=tuple(input_shape), hidden_sizes=hidden_sizes[::-1])
    return SemiSupervisedAAE(encoder=encoder, decoder=decoder)


def code_discriminator(hidden_sizes: Sequence[int] = (1000, 1000)) -> MLPDiscriminator:
    """A discriminator on codes ``[B, D] -> logits [B, 1]`` (no batch norm)."""
    return MLPDiscriminator(hidden_sizes=tuple(hidden_sizes))
