r"""The book's face VAE: convolutional encoder and decoder with BatchNorm and Dropout.

Foster (2019, ch. 3, experiment 3.3; notebook ``03_05_vae_faces_train``) trains a VAE
with a 200-dimensional code on CelebA resized to 128x128x3. Every hidden layer is

    Conv2D (kernel 3, stride 2, "same") -> BatchNorm -> LeakyReLU(0.3) -> Dropout(0.25),

with filters 32, 64, 64, 64 in the encoder (then Flatten and Dense heads ``mu`` and
``log_var``) and Dense 4096, reshape 8x8x64, then Conv2DTranspose 64, 64, 32 in the
decoder, whose last Conv2DTranspose (3 filters, stride 2) has no BatchNorm, activation or
Dropout (the sigmoid is applied by the objective). BatchNorm uses Keras' defaults
(momentum 0.99, epsilon 1e-3). On 128x128x3 images the encoder has 1,732,944 variables
(Keras' count, which includes the BatchNorm moving statistics) and the decoder 917,123.

Modules take ``train``: in training BatchNorm normalises with the batch statistics and
updates its moving averages (collection ``"batch_stats"``) and Dropout draws from the
``"dropout"`` key; otherwise the moving averages are used and Dropout is off.

Kernels use Flax's default LeCun-normal initialiser, as the other networks of
:mod:`gen_jax.models.autoencoders.vae` do, rather than Keras' Glorot-uniform.

References:
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 3.
    Ioffe & Szegedy (2015), Batch Normalization, arXiv:1502.03167.
    Hou et al. (2016), Deep Feature Consistent Variational Autoencoder, arXiv:1610.00291.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import flax.linen as nn
import jax

from gen_jax.models.autoencoders.vae import KERAS_LEAKY_RELU_SLOPE, reparameterize
from gen_jax.models.layers import SubPixelConvTranspose

KERAS_BATCH_NORM_MOMENTUM = 0.99
KERAS_BATCH_NORM_EPSILON = 1e-3


class _NormalisedActivation(nn.Module):
    """BatchNorm (optional) -> LeakyReLU -> Dropout (optional), the book's layer tail."""

    batch_norm: bool
    dropout_rate: float
    negative_slope: float

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool) -> jax.Array:
        if self.batch_norm:
            x = nn.BatchNorm(
                use_running_average=not train,
                momentum=KERAS_BATCH_NORM_MOMENTUM,
                epsilon=KERAS_BATCH_NORM_EPSILON,
            )(x)
        x = nn.leaky_relu(x, self.negative_slope)
        if self.dropout_rate > 0:
            x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
        return x


class NormalisedConvEncoder(nn.Module):
    """``x [B, H, W, C] -> (mean [B, latent_dim], log_var [B, latent_dim])``.

    Attributes:
        latent_dim: size of the code (200 for the faces).
        filters: output channels of each Conv2D layer.
        strides: stride of each layer.
        kernel_size: square kernel size.
        batch_norm: BatchNorm after each convolution.
        dropout_rate: Dropout after each activation (0 turns it off).
        negative_slope: LeakyReLU slope.
    """

    latent_dim: int
    filters: Sequence[int] = (32, 64, 64, 64)
    strides: Sequence[int] = (2, 2, 2, 2)
    kernel_size: int = 3
    batch_norm: bool = True
    dropout_rate: float = 0.25
    negative_slope: float = KERAS_LEAKY_RELU_SLOPE

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool) -> tuple[jax.Array, jax.Array]:
        k = self.kernel_size
        for features, stride in zip(self.filters, self.strides, strict=True):
            x = nn.Conv(features, (k, k), strides=(stride, stride), padding="SAME")(x)
            x = _NormalisedActivation(self.batch_norm, self.dropout_rate, self.negative_slope)(
                x, train=train
            )
        x = x.reshape(x.shape[0], -1)
        return nn.Dense(self.latent_dim, name="mean")(x), nn.Dense(self.latent_dim, name="log_var")(
            x
        )


class NormalisedConvDecoder(nn.Module):
    """``z [B, latent_dim] -> logits [B, H, W, C]``: Dense, reshape, Conv2DTranspose stack.

    Attributes:
        initial_shape: ``(h, w, c)`` after the Dense layer.
        filters: channels of each transposed convolution; the last is the image's and
            has no BatchNorm, activation or Dropout.
        strides: stride of each layer (2 doubles height and width).
        kernel_size: square kernel size.
        batch_norm, dropout_rate, negative_slope: as in :class:`NormalisedConvEncoder`.
    """

    initial_shape: tuple[int, int, int]
    filters: Sequence[int] = (64, 64, 32, 3)
    strides: Sequence[int] = (2, 2, 2, 2)
    kernel_size: int = 3
    batch_norm: bool = True
    dropout_rate: float = 0.25
    negative_slope: float = KERAS_LEAKY_RELU_SLOPE

    @nn.compact
    def __call__(self, z: jax.Array, *, train: bool) -> jax.Array:
        x = nn.Dense(math.prod(self.initial_shape))(z).reshape(z.shape[0], *self.initial_shape)
        layers = list(zip(self.filters, self.strides, strict=True))
        for index, (features, stride) in enumerate(layers):
            x = SubPixelConvTranspose(features, self.kernel_size, stride)(x)
            if index < len(layers) - 1:
                x = _NormalisedActivation(self.batch_norm, self.dropout_rate, self.negative_slope)(
                    x, train=train
                )
        return x


class NormalisedVAE(nn.Module):
    """A VAE whose networks take ``train``: ``__call__(x, key=..., train=...)`` returns
    ``(decoder_output, mean, log_var)`` with ``z = mean + exp(log_var / 2) * eps``."""

    encoder: nn.Module
    decoder: nn.Module

    def __call__(self, x: jax.Array, *, key: jax.Array, train: bool):
        mean, log_var = self.encoder(x, train=train)
        z = reparameterize(mean, log_var, key=key)
        return self.decoder(z, train=train), mean, log_var

    def encode(self, x: jax.Array, *, train: bool = False) -> tuple[jax.Array, jax.Array]:
        """``x [B, H, W, C] -> (mean, log_var)``, each ``[B, latent_dim]``."""
        return self.encoder(x, train=train)

    def decode(self, z: jax.Array, *, train: bool = False) -> jax.Array:
        """``z [B, latent_dim] -> logits [B, H, W, C]``."""
        return self.decoder(z, train=train)


def face_vae(
    image_shape: tuple[int, int, int] = (128, 128, 3),
    latent_dim: int = 200,
    *,
    encoder_filters: Sequence[int] = (32, 64, 64, 64),
    decoder_filters: Sequence[int] = (64, 64, 32),
    strides: Sequence[int] = (2, 2, 2, 2),
    kernel_size: int = 3,
    batch_norm: bool = True,
    dropout_rate: float = 0.25,
) -> NormalisedVAE:
    """The book's face VAE (defaults) or a narrower one for other ``image_shape = (H, W, C)``.

    Encoder and decoder use the same ``strides``; the decoder's last layer gets ``C``
    filters, so ``len(strides) == len(encoder_filters) == len(decoder_filters) + 1``, and
    the product of the strides must divide ``H`` and ``W``.
    """
    height, width, channels = image_shape
    if not len(strides) == len(encoder_filters) == len(decoder_filters) + 1:
        raise ValueError(
            f"strides has {len(strides)} entries, encoder_filters {len(encoder_filters)} and "
            f"decoder_filters {len(decoder_filters)}: give one stride per encoder layer and "
            "one decoder filter fewer (its output layer has the image's channels)"
        )
    scale = math.prod(strides)
    if height % scale or width % scale:
        raise ValueError(
            f"image_shape={image_shape} is not divisible by the total stride {scale}; resize "
            "the images or change strides"
        )
    if not 0.0 <= dropout_rate < 1.0:
        raise ValueError(f"dropout_rate={dropout_rate}; need 0 <= dropout_rate < 1")
    layer_options = dict(kernel_size=kernel_size, batch_norm=batch_norm, dropout_rate=dropout_rate)
    encoder = NormalisedConvEncoder(
        latent_dim=latent_dim,
        filters=tuple(encoder_filters),
        strides=tuple(strides),
        **layer_options,
    )
    decoder = NormalisedConvDecoder(
        initial_shape=(height // scale, width // scale, decoder_filters[0]),
        filters=(*decoder_filters, channels),
        strides=tuple(strides),
        **layer_options,
    )
    return NormalisedVAE(encoder=encoder, decoder=decoder)
