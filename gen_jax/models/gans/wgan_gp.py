r"""The book's WGAN-GP networks for CelebA faces (Foster 2019, experiment 4.3).

:class:`FacesCritic` is the critic of ``models/WGANGP.py``: four "same" Conv2D layers of
64, 128, 256 and 512 filters, kernel 5, stride 2, each followed by LeakyReLU(0.2), no batch
normalisation (it would couple the examples that the gradient penalty treats one by one),
then Flatten and a linear Dense(1): 64x64x3 -> 32x32x64 -> 16x16x128 -> 8x8x256 -> 4x4x512
-> 8192 -> 1 score, 4,314,753 parameters.

:class:`FacesGenerator` maps ``z [B, 100]`` through Dense 8192, BatchNorm(0.9), LeakyReLU(0.2)
and a 4x4x512 reshape to four kernel-5, stride-2 Conv2DTranspose layers of 256, 128, 64 and
3 filters, with BatchNorm(0.9) and LeakyReLU(0.2) after all but the last and tanh at the
end: a 64x64x3 image in [-1, 1]. 5,150,723 trainable parameters plus 17,280 BatchNorm moving
statistics: Keras' 5,168,003 in all.

Keras details kept: kernels initialised N(0, 0.02), biases zero, BatchNorm epsilon 1e-3,
LeakyReLU slope 0.2. Both modules take every width as an attribute, so the same networks
shrink for small images (e.g. ``initial_shape=(2, 2, 64)`` and four stride-2 layers make
32x32 images).

References:
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 4 (WGAN-GP on CelebA).
    Gulrajani et al. (2017), Improved Training of Wasserstein GANs, arXiv:1704.00028.
"""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from gen_jax.models.gans.dcgan import KERAS_BATCH_NORM_EPSILON

LEAKY_RELU_SLOPE = 0.2
_normal_002 = nn.initializers.normal(stddev=0.02)


def _check_lengths(filters: Sequence[int], strides: Sequence[int]) -> None:
    if len(filters) != len(strides) or not filters:
        raise ValueError(
            f"filters {tuple(filters)} and strides {tuple(strides)} need equal, non-zero "
            "lengths: one stride per convolution"
        )


class FacesCritic(nn.Module):
    """``images [B, H, W, C] -> scores [B, 1]``: the WGAN-GP critic, no batch norm.

    Attributes:
        filters: convolution widths, (64, 128, 256, 512) in the book.
        strides: convolution strides, all 2 in the book.
        kernel_size: square kernel side, 5.
    """

    filters: Sequence[int] = (64, 128, 256, 512)
    strides: Sequence[int] = (2, 2, 2, 2)
    kernel_size: int = 5

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        del train  # no dropout or batch norm: the critic is the same in both modes
        _check_lengths(self.filters, self.strides)
        k = (self.kernel_size, self.kernel_size)
        for width, stride in zip(self.filters, self.strides, strict=True):
            x = nn.Conv(width, k, strides=stride, padding="SAME", kernel_init=_normal_002)(x)
            x = nn.leaky_relu(x, LEAKY_RELU_SLOPE)
        return nn.Dense(1, kernel_init=_normal_002)(x.reshape(x.shape[0], -1))


class FacesGenerator(nn.Module):
    """``z [B, latent_dim] -> images [B, H, W, C]`` in [-1, 1]: the WGAN-GP generator.

    The output side is ``initial_shape[0]`` times the product of ``strides``; its channel
    count is ``filters[-1]``.

    Attributes:
        initial_shape: the reshaped Dense output, (4, 4, 512) in the book.
        filters: widths of the transposed convolutions; the last is the channel count.
        strides: their strides, all 2 in the book.
        kernel_size: square kernel side, 5.
        batch_norm_momentum: Keras ``momentum`` (the weight on the old moving average), 0.9.
    """

    initial_shape: tuple[int, int, int] = (4, 4, 512)
    filters: Sequence[int] = (256, 128, 64, 3)
    strides: Sequence[int] = (2, 2, 2, 2)
    kernel_size: int = 5
    batch_norm_momentum: float = 0.9

    def _norm_act(self, x: jax.Array, train: bool) -> jax.Array:
        x = nn.BatchNorm(
            use_running_average=not train,
            momentum=self.batch_norm_momentum,
            epsilon=KERAS_BATCH_NORM_EPSILON,
        )(x)
        return nn.leaky_relu(x, LEAKY_RELU_SLOPE)

    @nn.compact
    def __call__(self, z: jax.Array, *, train: bool = False) -> jax.Array:
        _check_lengths(self.filters, self.strides)
        height, width, channels = self.initial_shape
        x = nn.Dense(height * width * channels, kernel_init=_normal_002)(z)
        x = self._norm_act(x, train).reshape(z.shape[0], height, width, channels)
        k = (self.kernel_size, self.kernel_size)
        last = len(self.filters) - 1
        for index, (features, stride) in enumerate(zip(self.filters, self.strides, strict=True)):
            x = nn.ConvTranspose(
                features, k, strides=(stride, stride), padding="SAME", kernel_init=_normal_002
            )(x)
            if index < last:
                x = self._norm_act(x, train)
        return jnp.tanh(x)
