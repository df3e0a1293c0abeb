r"""The ResNet-9 generator of CycleGAN (Foster 2019, ch. 5, Listing 5.8 and the repository).

``[B, H, W, C] -> [B, H, W, C]`` in [-1, 1], ``H`` and ``W`` multiples of 4. With
``filters = f`` (Johnson et al.'s c7s1-f, d2f, d4f, R4f x 9, u2f, uf, c7s1-C):

- ``ReflectionPad(3) -> Conv 7x7 valid -> IN -> ReLU`` (f);
- two ``Conv 3x3 stride 2 "same" -> IN -> ReLU`` (2f, 4f);
- ``num_residual_blocks`` blocks ``x + [ReflectionPad(1), Conv 3x3 valid, IN, ReLU,
  ReflectionPad(1), Conv 3x3 valid, IN](x)`` (4f), no activation after the sum;
- two ``ConvTranspose 3x3 stride 2 "same" -> IN -> ReLU`` (2f, f);
- ``ReflectionPad(3) -> Conv 7x7 valid -> tanh`` (C).

Kernels N(0, 0.02), zero biases, biases kept before instance norm (as Keras and junyanz),
parameter-free instance norm with epsilon 1e-3. Parameter counts (3 channels): ``f = 32``:
2,850,563 (the book's monet2photo generator); ``f = 64``: 11,378,179 (junyanz's
``resnet_9blocks``). The transposed convolutions are :class:`SubPixelConvTranspose`, the
same function and parameters as a "SAME" ``ConvTranspose`` computed without a dilated
input.

References:
    Johnson, Alahi & Fei-Fei (2016), Perceptual Losses for Real-Time Style Transfer and
    Super-Resolution, arXiv:1603.08155.
    He et al. (2016), Deep Residual Learning, arXiv:1512.03385.
    Zhu et al. (2017), CycleGAN, arXiv:1703.10593.
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 5.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from gen_jax.models.layers import SubPixelConvTranspose, instance_norm, reflection_pad

_normal_002 = nn.initializers.normal(stddev=0.02)


class ResidualBlock(nn.Module):
    """``x + [pad, conv3, IN, ReLU, pad, conv3, IN](x)``, width preserved.

    Attributes:
        features: channels of ``x`` and of both convolutions.
    """

    features: int

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        y = x
        for index in range(2):
            y = nn.Conv(self.features, (3, 3), padding="VALID", kernel_init=_normal_002)(
                reflection_pad(y, 1)
            )
            y = instance_norm(y)
            if index == 0:
                y = nn.relu(y)
        return x + y


class ResNetGenerator(nn.Module):
    """``[B, H, W, channels] -> [B, H, W, channels]``, the CycleGAN ResNet generator.

    Attributes:
        filters: ``f``, the first layer's width (32 in the book, 64 in junyanz's code).
        num_residual_blocks: residual blocks at the bottleneck (9 for 256x256 images).
        channels: image channels.
    """

    filters: int = 32
    num_residual_blocks: int = 9
    channels: int = 3

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        if x.shape[1] % 4 or x.shape[2] % 4 or x.shape[-1] != self.channels:
            raise ValueError(
                f"ResNetGenerator takes [B, H, W, {self.channels}] with H and W multiples of 4, "
                f"got shape {x.shape}"
            )
        f = self.filters
        x = nn.Conv(f, (7, 7), padding="VALID", kernel_init=_normal_002)(reflection_pad(x, 3))
        x = nn.relu(instance_norm(x))
        for multiplier in (2, 4):
            x = nn.Conv(f * multiplier, (3, 3), strides=2, padding="SAME", kernel_init=_normal_002)(
                x
            )
            x = nn.relu(instance_norm(x))
        for _ in range(self.num_residual_blocks):
            x = ResidualBlock(4 * f)(x)
        for multiplier in (2, 1):
            x = SubPixelConvTranspose(f * multiplier, 3, 2, kernel_init=_normal_002)(x)
            x = nn.relu(instance_norm(x))
        x = nn.Conv(self.channels, (7, 7), padding="VALID", kernel_init=_normal_002)(
            reflection_pad(x, 3)
        )
        return jnp.tanh(x)
