r"""The book's U-Net generator for CycleGAN (Foster 2019, ch. 5, Listing 5.2).

``[B, H, W, C] -> [B, H, W, C]`` in [-1, 1], with ``H`` and ``W`` multiples of 16. With
``filters = f``:

- down: four ``Conv 4x4 stride 2 "same" -> InstanceNorm -> ReLU`` with ``f, 2f, 4f, 8f``
  filters (``H/2 ... H/16``);
- up: three ``UpSampling2D(2, nearest) -> Conv 4x4 stride 1 "same" -> InstanceNorm -> ReLU``
  with ``4f, 2f, f`` filters, each concatenated (channels) with the down block of the same
  size (the ReLU comes before the concatenation; the book's dropout rate is 0);
- out: ``UpSampling2D(2) -> Conv 4x4 "same"`` to ``C`` channels, ``tanh``.

Keras details kept: Glorot-uniform kernels and zero biases (the U-Net's convolutions take
Keras' default initialiser, unlike the ResNet and the discriminator), biases before instance
normalisation, TensorFlow's "same" padding (for kernel 4: one row before and two after at
stride 1, one and one at stride 2; ``flax.linen.Conv(padding="SAME")`` pads the same way),
and parameter-free instance normalisation with epsilon 1e-3. With ``f = 32`` and 3 channels
it has 1,545,411 parameters, the book's count.

References:
    Ronneberger, Fischer & Brox (2015), U-Net, arXiv:1505.04597.
    Zhu et al. (2017), Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
    Networks (CycleGAN), arXiv:1703.10593.
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 5.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from gen_jax.models.layers import instance_norm

NUM_DOWN_BLOCKS = 4


def upsample_nearest(x: jax.Array, factor: int = 2) -> jax.Array:
    """Keras' ``UpSampling2D`` (nearest neighbour): ``[B, H, W, C] -> [B, fH, fW, C]``."""
    return jnp.repeat(jnp.repeat(x, factor, axis=1), factor, axis=2)


class UNetGenerator(nn.Module):
    """``[B, H, W, channels] -> [B, H, W, channels]``, the book's CycleGAN U-Net.

    Attributes:
        filters: ``f``, the width of the first down block (32 in the book).
        channels: image channels (3 for colour, 1 for grey digits).
        kernel_size: square kernel side of every convolution (4).
    """

    filters: int = 32
    channels: int = 3
    kernel_size: int = 4

    def _conv(self, features: int, stride: int) -> nn.Conv:
        k = self.kernel_size
        return nn.Conv(
            features,
            (k, k),
            strides=stride,
            padding="SAME",
            kernel_init=nn.initializers.glorot_uniform(),
        )

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        height, width = x.shape[1], x.shape[2]
        multiple = 2**NUM_DOWN_BLOCKS
        if height % multiple or width % multiple or x.shape[-1] != self.channels:
            raise ValueError(
                f"UNetGenerator takes [B, H, W, {self.channels}] with H and W multiples of "
                f"{multiple}, got shape {x.shape}"
            )
        skips = []
        for depth in range(NUM_DOWN_BLOCKS):
            x = nn.relu(instance_norm(self._conv(self.filters * 2**depth, 2)(x)))
            skips.append(x)
        for skip in reversed(skips[:-1]):
            x = upsample_nearest(x)
            x = nn.relu(instance_norm(self._conv(skip.shape[-1], 1)(x)))
            x = jnp.concatenate([x, skip], axis=-1)
        return jnp.tanh(self._conv(self.channels, 1)(upsample_nearest(x)))
