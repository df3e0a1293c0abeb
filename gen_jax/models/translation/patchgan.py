r"""The PatchGAN discriminator of CycleGAN (Foster 2019, ch. 5, Listing 5.3).

``[B, H, W, C] -> [B, H/8, W/8, 1]``: one linear "realness" score per overlapping patch,
so the discriminator judges local style rather than global content. With ``filters = d``:
``Conv 4x4`` blocks ``(d, stride 2, no norm), (2d, s2), (4d, s2), (8d, s1)``, each followed
by (instance norm, except the first) and LeakyReLU(0.2), then ``Conv(1, 4x4, s1)``, no
activation. Every convolution is "same" padded with kernels N(0, 0.02) and zero biases.

Parameter counts (3 channels): ``d = 32``: 694,241, a 16x16x1 output on 128x128 (the book's
apple2orange); ``d = 64``: 2,764,737, 32x32x1 on 256x256 (monet2photo, equal to junyanz's
``NLayerDiscriminator(ndf=64, n_layers=3)``). The book's text says the 128x128 output is
8x8 and its listing sets ``patch = img_rows / 2**4``; three stride-2 convolutions give
``H/8``, as the repository's ``2**3``.

References:
    Isola et al. (2017), Image-to-Image Translation with Conditional Adversarial Networks
    (pix2pix, PatchGAN), arXiv:1611.07004.
    Zhu et al. (2017), CycleGAN, arXiv:1703.10593.
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 5.
"""

from __future__ import annotations

import flax.linen as nn
import jax

from gen_jax.models.layers import instance_norm

_normal_002 = nn.initializers.normal(stddev=0.02)
DOWNSAMPLING = 8


class PatchDiscriminator(nn.Module):
    """``[B, H, W, C] -> patch scores [B, H/8, W/8, 1]`` (linear, for the least-squares loss).

    Attributes:
        filters: ``d``, the first block's width (32 for apple2orange, 64 for monet2photo).
        kernel_size: square kernel side (4).
        leaky_relu_slope: LeakyReLU's negative slope (0.2, passed explicitly in the book).
    """

    filters: int = 64
    kernel_size: int = 4
    leaky_relu_slope: float = 0.2

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        if x.shape[1] % DOWNSAMPLING or x.shape[2] % DOWNSAMPLING:
            raise ValueError(
                f"PatchDiscriminator takes [B, H, W, C] with H and W multiples of "
                f"{DOWNSAMPLING}, got shape {x.shape}"
            )
        k = (self.kernel_size, self.kernel_size)
        for index, (multiplier, stride) in enumerate(((1, 2), (2, 2), (4, 2), (8, 1))):
            x = nn.Conv(
                self.filters * multiplier,
                k,
                strides=stride,
                padding="SAME",
                kernel_init=_normal_002,
            )(x)
            if index > 0:
                x = instance_norm(x)
            x = nn.leaky_relu(x, self.leaky_relu_slope)
        return nn.Conv(1, k, padding="SAME", kernel_init=_normal_002)(x)
