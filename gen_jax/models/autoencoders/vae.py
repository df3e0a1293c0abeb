r"""Variational autoencoder networks: convolutional and MLP encoders/decoders.

Encoders map an example to the mean and log-variance of a diagonal Gaussian
:math:`q(z \mid x)`; decoders map a code to the *logits* (or means) of the observation
model, leaving the choice of likelihood to the objective
(``gen_jax.algorithms.vae``). The convolutional pair follows the Generative Deep
Learning book (Foster, 2019, ch. 3): Conv2D stacks with LeakyReLU(0.3) and "same" padding,
a Dense layer to the code, and a Conv2DTranspose mirror that need not be symmetric (its
transposed convolutions are :class:`SubPixelConvTranspose`: the same function and
parameters as Keras' "same" Conv2DTranspose, without the zero-dilated convolution whose
gradient XLA:CPU computes slowly).

References:
    Kingma & Welling (2014), Auto-Encoding Variational Bayes, arXiv:1312.6114.
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 3.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from gen_jax.models.layers import SubPixelConvTranspose

KERAS_LEAKY_RELU_SLOPE = 0.3


class ConvEncoder(nn.Module):
    """``[B, H, W, C] -> (mean [B, latent_dim], log_var [B, latent_dim])``.

    Attributes:
        latent_dim: size of the code.
        filters: output channels of each Conv2D layer.
        kernel_sizes: square kernel size of each layer.
        strides: stride of each layer.
        negative_slope: LeakyReLU slope (Keras' default 0.3, as in the book).
    """

    latent_dim: int
    filters: Sequence[int] = (32, 64, 64, 64)
    kernel_sizes: Sequence[int] = (3, 3, 3, 3)
    strides: Sequence[int] = (1, 2, 2, 1)
    negative_slope: float = KERAS_LEAKY_RELU_SLOPE

    @nn.compact
    def __call__(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        layers = zip(self.filters, self.kernel_sizes, self.strides, strict=True)
        for features, kernel, stride in layers:
            x = nn.Conv(features, (kernel, kernel), strides=(stride, stride), padding="SAME")(x)
            x = nn.leaky_relu(x, self.negative_slope)
        x = x.reshape(x.shape[0], -1)
        mean = nn.Dense(self.latent_dim, name="mean")(x)
        log_var = nn.Dense(self.latent_dim, name="log_var")(x)
        return mean, log_var


class ConvDecoder(nn.Module):
    """``[B, latent_dim] -> logits [B, H, W, C]`` through Dense, reshape, Conv2DTranspose.

    Attributes:
        initial_shape: ``(h, w, c)`` of the feature map after the Dense layer.
        filters: output channels of each transposed convolution; the last one is the
            number of image channels and has no activation.
        kernel_sizes: square kernel size of each layer.
        strides: stride of each layer (stride 2 doubles height and width).
        negative_slope: LeakyReLU slope between layers.
    """

    initial_shape: tuple[int, int, int]
    filters: Sequence[int] = (64, 64, 32, 1)
    kernel_sizes: Sequence[int] = (3, 3, 3, 3)
    strides: Sequence[int] = (1, 2, 2, 1)
    negative_slope: float = KERAS_LEAKY_RELU_SLOPE

    @nn.compact
    def __call__(self, z: jax.Array) -> jax.Array:
        x = nn.Dense(math.prod(self.initial_shape))(z)
        x = x.reshape(z.shape[0], *self.initial_shape)
        layers = list(zip(self.filters, self.kernel_sizes, self.strides, strict=True))
        for index, (features, kernel, stride) in enumerate(layers):
            x = SubPixelConvTranspose(features, kernel, stride)(x)
            if index < len(layers) - 1:
                x = nn.leaky_relu(x, self.negative_slope)
        return x


class MLPEncoder(nn.Module):
    """``[B, ...] -> (mean, log_var)``, each ``[B, latent_dim]``, via ReLU Dense layers."""

    latent_dim: int
    hidden_sizes: Sequence[int] = (512, 256)

    @nn.compact
    def __call__(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        x = x.reshape(x.shape[0], -1)
        for size in self.hidden_sizes:
            x = nn.relu(nn.Dense(size)(x))
        mean = nn.Dense(self.latent_dim, name="mean")(x)
        log_var = nn.Dense(self.latent_dim, name="log_var")(x)
        return mean, log_var


class MLPDecoder(nn.Module):
    """``[B, latent_dim] -> logits [B, *output_shape]`` via ReLU Dense layers."""

    output_shape: tuple[int, ...]
    hidden_sizes: Sequence[int] = (256, 512)

    @nn.compact
    def __call__(self, z: jax.Array) -> jax.Array:
        x = z
        for size in self.hidden_sizes:
            x = nn.relu(nn.Dense(size)(x))
        x = nn.Dense(math.prod(self.output_shape))(x)
        return x.reshape(z.shape[0], *self.output_shape)


class VAE(nn.Module):
    """An encoder, the reparameterised sampler and a decoder.

    ``__call__(x, key=key)`` returns ``(decoder_output, mean, log_var)`` where the code is
    :math:`z = \\mu + \\exp(\\tfrac12 \\log\\sigma^2)\\,\\epsilon`, :math:`\\epsilon \\sim
    \\mathcal N(0, I)`.
    """

    encoder: nn.Module
    decoder: nn.Module

    def __call__(self, x: jax.Array, *, key: jax.Array):
        mean, log_var = self.encoder(x)
        z = reparameterize(mean, log_var, key=key)
        return self.decoder(z), mean, log_var

    def encode(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        """``x [B, ...] -> (mean, log_var)``."""
        return self.encoder(x)

    def decode(self, z: jax.Array) -> jax.Array:
        """``z [B, latent_dim] -> decoder output`` (logits or means)."""
        return self.decoder(z)


def reparameterize(mean: jax.Array, log_var: jax.Array, *, key: jax.Array) -> jax.Array:
    """Draw :math:`z = \\mu + \\sigma\\epsilon` differentiably in ``mean`` and ``log_var``."""
    noise = jax.random.normal(key, mean.shape, mean.dtype)
    return mean + jnp.exp(0.5 * log_var) * noise


def conv_vae(
    image_shape: tuple[int, int, int],
    latent_dim: int,
    *,
    encoder_filters: Sequence[int] = (32, 64, 64, 64),
    encoder_strides: Sequence[int] = (1, 2, 2, 1),
    decoder_filters: Sequence[int] = (64, 64, 32),
    decoder_strides: Sequence[int] = (1, 2, 2, 1),
    kernel_size: int = 3,
) -> VAE:
    """The book's convolutional VAE for images of ``image_shape = (H, W, C)``.

    The decoder's last layer gets ``C`` filters, appended to ``decoder_filters``, so
    ``decoder_strides`` has one more entry than ``decoder_filters``. The product of the
    decoder strides must divide ``H`` and ``W``.
    """
    decoder = book_conv_decoder(image_shape, decoder_filters, decoder_strides, kernel_size)
    encoder = ConvEncoder(
        latent_dim=latent_dim,
        filters=tuple(encoder_filters),
        kernel_sizes=(kernel_size,) * len(encoder_filters),
        strides=tuple(encoder_strides),
    )
    return VAE(encoder=encoder, decoder=decoder)


def book_conv_decoder(
    image_shape: tuple[int, int, int],
    decoder_filters: Sequence[int],
    decoder_strides: Sequence[int],
    kernel_size: int,
) -> ConvDecoder:
    """The book's decoder for ``image_shape = (H, W, C)``, shared by the VAE and autoencoder.

    Dense to ``[H / s, W / s, decoder_filters[0]]`` (``s`` the product of the strides), then
    one transposed convolution per stride, the last with ``C`` filters.
    """
    height, width, channels = image_shape
    if len(decoder_strides) != len(decoder_filters) + 1:
        raise ValueError(
            f"decoder_strides has {len(decoder_strides)} entries but decoder_filters has "
            f"{len(decoder_filters)}: give one stride per filter plus one for the output layer"
        )
    upsampling = math.prod(decoder_strides)
    if height % upsampling or width % upsampling:
        raise ValueError(
            f"image_shape={image_shape} is not divisible by the decoder's total stride "
            f"{upsampling}; resize the images or change decoder_strides"
        )
    return ConvDecoder(
        initial_shape=(height // upsampling, width // upsampling, decoder_filters[0]),
        filters=(*decoder_filters, channels),
        kernel_sizes=(kernel_size,) * len(decoder_strides),
        strides=tuple(decoder_strides),
    )
