r"""GAN networks: the book's chapter-4 camel GAN and small MLP players for toy problems.

:class:`CamelDiscriminator` is Listing 4.2: four "same" Conv2D layers (64, 64, 128, 128
filters, kernel 5, strides 2, 2, 2, 1), each followed by ReLU and Dropout(0.4), then Flatten
and Dense(1): 28x28x1 -> 14x14x64 -> 7x7x64 -> 4x4x128 -> 4x4x128 -> 2048 -> 1, 720,833
parameters. It returns the *logit*; the book's final sigmoid lives in the loss.

:class:`CamelGenerator` is Listing 4.3: ``z [B, 100]`` -> Dense 3136 -> BatchNorm(0.9) ->
ReLU -> reshape 7x7x64 -> four kernel-5 layers with 128, 64, 64, 1 filters, BatchNorm(0.9)
and ReLU after all but the last, tanh at the end: 28x28x1 in [-1, 1]; 837,377 trainable
parameters and 6,784 BatchNorm moving statistics, Keras' 844,161 in all.
``upsampling="nearest"`` is the book's repository: the first two layers are UpSampling2D
(nearest neighbour) + Conv2D, the last two Conv2DTranspose with stride 1.
``upsampling="transposed"`` makes the first two Conv2DTranspose with stride 2 instead
(same parameter count), the alternative the book discusses for its checkerboard artefacts
(Odena et al. 2016).

Keras details kept: kernels initialised N(0, 0.02), biases zero, BatchNorm momentum 0.9
and epsilon 1e-3.

``leaky_relu_slope=0.2`` (with ``dropout_rate=0`` in the discriminator) turns both into the
book's WGAN and WGAN-GP players; :mod:`gen_jax.models.gans.wgan` builds the WGAN ones.

References:
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 4 (Listings 4.1-4.3).
    Radford, Metz & Chintala (2016), DCGAN, arXiv:1511.06434.
    Odena, Dumoulin & Olah (2016), Deconvolution and Checkerboard Artifacts, Distill.
"""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

_normal_002 = nn.initializers.normal(stddev=0.02)
KERAS_BATCH_NORM_EPSILON = 1e-3
UPSAMPLINGS = ("nearest", "transposed")


def _activation(x: jax.Array, leaky_relu_slope: float | None) -> jax.Array:
    """ReLU (``None``, the camel GAN) or LeakyReLU with the given slope (0.2 for WGAN)."""
    return nn.relu(x) if leaky_relu_slope is None else nn.leaky_relu(x, leaky_relu_slope)


class CamelDiscriminator(nn.Module):
    """``[B, 28, 28, 1] -> logits [B, 1]`` (Foster 2019, Listing 4.2).

    Attributes:
        filters: convolution widths.
        strides: convolution strides.
        kernel_size: square kernel side.
        dropout_rate: dropout after every convolution (active with ``train=True``); 0 for
            none.
        leaky_relu_slope: None for ReLU (the camel GAN), else LeakyReLU with this slope
            (0.2 in the book's WGAN critics).
    """

    filters: Sequence[int] = (64, 64, 128, 128)
    strides: Sequence[int] = (2, 2, 2, 1)
    kernel_size: int = 5
    dropout_rate: float = 0.4
    leaky_relu_slope: float | None = None

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        if len(self.filters) != len(self.strides):
            raise ValueError(
                f"filters {tuple(self.filters)} and strides {tuple(self.strides)} need equal "
                "lengths, one stride per convolution"
            )
        k = self.kernel_size
        for width, stride in zip(self.filters, self.strides, strict=True):
            x = nn.Conv(width, (k, k), strides=stride, padding="SAME", kernel_init=_normal_002)(x)
            x = _activation(x, self.leaky_relu_slope)
            if self.dropout_rate > 0:
                x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
        return nn.Dense(1, kernel_init=_normal_002)(x.reshape(x.shape[0], -1))


class CamelGenerator(nn.Module):
    """``z [B, latent_dim] -> images [B, 28, 28, 1]`` in [-1, 1] (Foster 2019, Listing 4.3).

    Attributes:
        initial_shape: the reshaped Dense output, (7, 7, 64).
        filters: widths of the four convolutional layers; the last is the channel count.
        upsample: per layer, 2 to double the resolution, 1 to keep it.
        kernel_size: square kernel side.
        batch_norm_momentum: Keras ``momentum`` (the weight on the old moving average).
        upsampling: ``"nearest"`` (UpSampling2D + Conv2D) or ``"transposed"``
            (Conv2DTranspose, stride 2) for the layers with ``upsample == 2``.
        leaky_relu_slope: None for ReLU (the camel GAN), else LeakyReLU with this slope
            (0.2 in the book's WGAN generator).
    """

    initial_shape: tuple[int, int, int] = (7, 7, 64)
    filters: Sequence[int] = (128, 64, 64, 1)
    upsample: Sequence[int] = (2, 2, 1, 1)
    kernel_size: int = 5
    batch_norm_momentum: float = 0.9
    upsampling: str = "nearest"
    leaky_relu_slope: float | None = None

    def _norm(self, x: jax.Array, train: bool) -> jax.Array:
        return nn.BatchNorm(
            use_running_average=not train,
            momentum=self.batch_norm_momentum,
            epsilon=KERAS_BATCH_NORM_EPSILON,
        )(x)

    @nn.compact
    def __call__(self, z: jax.Array, *, train: bool = False) -> jax.Array:
        if self.upsampling not in UPSAMPLINGS:
            raise ValueError(f"upsampling={self.upsampling!r}; choose one of {UPSAMPLINGS}")
        if len(self.filters) != len(self.upsample) or set(self.upsample) - {1, 2}:
            raise ValueError(
                f"upsample {tuple(self.upsample)} needs one factor, 1 or 2, per filter in "
                f"{tuple(self.filters)}"
            )
        height, width, channels = self.initial_shape
        x = nn.Dense(height * width * channels, kernel_init=_normal_002)(z)
        x = _activation(self._norm(x, train), self.leaky_relu_slope)
        x = x.reshape(z.shape[0], height, width, channels)
        k = (self.kernel_size, self.kernel_size)
        for index, (filters, factor) in enumerate(zip(self.filters, self.upsample, strict=True)):
            if factor == 2 and self.upsampling == "nearest":
                x = jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)
                x = nn.Conv(filters, k, padding="SAME", kernel_init=_normal_002)(x)
            else:
                x = nn.ConvTranspose(
                    filters, k, strides=(factor, factor), padding="SAME", kernel_init=_normal_002
                )(x)
            if index < len(self.filters) - 1:
                x = _activation(self._norm(x, train), self.leaky_relu_slope)
        return jnp.tanh(x)


def _maybe_batch_norm(x: jax.Array, enabled: bool, train: bool) -> jax.Array:
    if not enabled:
        return x
    return nn.BatchNorm(use_running_average=not train, momentum=0.9)(x)


class MLPGenerator(nn.Module):
    """``z [B, latent_dim] -> [B, *output_shape]``: ReLU hidden layers, a linear output.

    Attributes:
        output_shape: the shape of one example, e.g. ``(2,)`` for points in the plane.
        hidden_sizes: widths of the hidden layers.
        batch_norm: BatchNorm (momentum 0.9) after every hidden Dense layer, which then has
            no bias (the BatchNorm shift replaces it).
    """

    output_shape: tuple[int, ...]
    hidden_sizes: Sequence[int] = (128, 128)
    batch_norm: bool = False

    @nn.compact
    def __call__(self, z: jax.Array, *, train: bool = False) -> jax.Array:
        x = z
        for size in self.hidden_sizes:
            x = nn.relu(
                _maybe_batch_norm(
                    nn.Dense(size, use_bias=not self.batch_norm)(x), self.batch_norm, train
                )
            )
        size = 1
        for dim in self.output_shape:
            size *= dim
        return nn.Dense(size)(x).reshape(z.shape[0], *self.output_shape)


class MLPDiscriminator(nn.Module):
    """``[B, ...] -> logits (or critic scores) [B, 1]``: LeakyReLU(0.2) hidden layers.

    Attributes:
        hidden_sizes: widths of the hidden layers.
        batch_norm: BatchNorm (momentum 0.9) after every hidden Dense layer, which then has
            no bias (the BatchNorm shift replaces it).
    """

    hidden_sizes: Sequence[int] = (128, 128)
    batch_norm: bool = False

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        x = x.reshape(x.shape[0], -1)
        for size in self.hidden_sizes:
            x = nn.leaky_relu(
                _maybe_batch_norm(
                    nn.Dense(size, use_bias=not self.batch_norm)(x), self.batch_norm, train
                ),
                0.2,
            )
        return nn.Dense(1)(x)
