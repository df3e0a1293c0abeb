"""Layers shared by families: a sub-pixel transposed convolution, instance normalisation
without parameters, and reflection padding.

Transposed convolution computed as one stride-1 convolution plus a pixel shuffle.

A stride-``s`` transposed convolution with "SAME" padding produces an output ``s`` times
larger whose ``s x s`` phases are each a plain stride-1 correlation of the input with a
subset of the kernel taps. :class:`SubPixelConvTranspose` gathers those subsets from the
ordinary ``[k, k, C_in, C_out]`` kernel into one ``[k', k', C_in, s*s*C_out]`` kernel,
runs a single stride-1 convolution and interleaves the phases (depth-to-space).

It is the same function, with the same parameters and initialisation, as
``flax.linen.ConvTranspose(features, (k, k), strides=(s, s), padding="SAME")`` (tested
to float32 rounding), but it never convolves a zero-dilated input: it does a quarter of
the multiply-adds at stride 2, and its kernel gradient is an ordinary convolution, which
XLA:CPU runs about six times faster than the dilated one ``ConvTranspose`` differentiates
into (``benchmarks/README.md``).

References:
    Shi et al. (2016), Real-Time Single Image and Video Super-Resolution Using an Efficient
    Sub-Pixel Convolutional Neural Network, arXiv:1609.05158.
    Dumoulin & Visin (2016), A guide to convolution arithmetic, arXiv:1603.07285.
    Ulyanov, Vedaldi & Lempitsky (2016), Instance Normalization: The Missing Ingredient for
    Fast Stylization, arXiv:1607.08022.
"""

from __future__ import annotations

import math

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np


def _same_transpose_pad_before(kernel_size: int, stride: int) -> int:
    """Zeros ``lax.conv_transpose`` puts before the dilated input under "SAME" padding."""
    if stride > kernel_size - 1:
        return kernel_size - 1
    return math.ceil((kernel_size + stride - 2) / 2)


def _phase_taps(kernel_size: int, stride: int) -> tuple[np.ndarray, int]:
    """Which kernel tap feeds each (input offset, output phase) pair along one axis.

    Returns:
        ``(taps, first_offset)``: ``taps[d, r]`` is the tap index multiplying input
        ``m + first_offset + d`` in output ``stride * m + r``, or ``-1`` for none.
    """
    pad = _same_transpose_pad_before(kernel_size, stride)
    # Output o = s*m + r reads dilated position o + t - pad = s*i, i.e. input
    # i = m + (r + t - pad) / s, whenever that division is exact.
    offsets = {
        (r + t - pad) // stride: None
        for r in range(stride)
        for t in range(kernel_size)
        if (r + t - pad) % stride == 0
    }
    first, last = min(offsets), max(offsets)
    taps = np.full((last - first + 1, stride), -1)
    for r in range(stride):
        for t in range(kernel_size):
            if (r + t - pad) % stride == 0:
                taps[(r + t - pad) // stride - first, r] = t
    return taps, first


class SubPixelConvTranspose(nn.Module):
    """``[B, H, W, C_in] -> [B, s*H, s*W, features]``, equal to a "SAME" ConvTranspose.

    Attributes:
        features: output channels.
        kernel_size: square kernel size ``k``.
        stride: the upsampling factor ``s``.
        use_bias: add a per-channel bias.
        kernel_init: initialiser of the ``[k, k, C_in, features]`` kernel.
    """

    features: int
    kernel_size: int
    stride: int
    use_bias: bool = True
    kernel_init: nn.initializers.Initializer = nn.initializers.lecun_normal()

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        k, s = self.kernel_size, self.stride
        kernel = self.param("kernel", self.kernel_init, (k, k, x.shape[-1], self.features))
        taps, first = _phase_taps(k, s)
        span = taps.shape[0]
        # Gather the taps for every (offset_h, offset_w, phase_h, phase_w); missing taps
        # read a zero row appended at index k.
        padded = jnp.pad(kernel, ((0, 1), (0, 1), (0, 0), (0, 0)))
        index = np.where(taps < 0, k, taps)
        gathered = padded[index[:, None, :, None], index[None, :, None, :]]
        # gathered: [span_h, span_w, s_h, s_w, C_in, C_out] -> [span, span, C_in, s*s*C_out]
        phase_kernel = gathered.transpose(0, 1, 4, 2, 3, 5).reshape(
            span, span, x.shape[-1], s * s * self.features
        )
        low, high = max(-first, 0), max(first + span - 1, 0)
        x = jnp.pad(x, ((0, 0), (low, high), (low, high), (0, 0)))
        start = first + low
        x = x[:, start:, start:, :]
        y = jax.lax.conv_general_dilated(
            x, phase_kernel, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )
        batch, height, width, _ = y.shape
        y = y.reshape(batch, height, width, s, s, self.features)
        y = y.transpose(0, 1, 3, 2, 4, 5).reshape(batch, height * s, width * s, self.features)
        if self.use_bias:
            y = y + self.param("bias", nn.initializers.zeros_init(), (self.features,))
        return y


KERAS_CONTRIB_INSTANCE_NORM_EPSILON = 1e-3


def instance_norm(
    x: jax.Array, *, epsilon: float = KERAS_CONTRIB_INSTANCE_NORM_EPSILON, epsilon_in_sqrt=False
) -> jax.Array:
    r"""Instance normalisation without parameters: ``[B, H, W, C] -> [B, H, W, C]``.

    Every example and channel is standardised over its own ``H x W`` positions,

    .. math::
        y = \frac{x - \mu}{\sigma + \epsilon} \quad\text{(keras-contrib, the book's layer)}
        \qquad\text{or}\qquad
        y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \quad(\texttt{epsilon\_in\_sqrt}),

    with the biased (population) variance :math:`\sigma^2`, as keras-contrib's
    ``InstanceNormalization(center=False, scale=False)`` (epsilon 1e-3 added to the standard
    deviation) or PyTorch's ``InstanceNorm2d`` (epsilon 1e-5 inside the square root). No
    running statistics: training and inference compute the same thing. A constant map (a
    1x1 feature map, say) gives zeros with a finite gradient.

    Args:
        x: ``[B, H, W, C]`` (any ``[B, *spatial, C]``).
        epsilon: added to the standard deviation, or to the variance with
            ``epsilon_in_sqrt``.
        epsilon_in_sqrt: PyTorch's placement of epsilon instead of keras-contrib's.
    """
    axes = tuple(range(1, x.ndim - 1))
    mean = jnp.mean(x, axis=axes, keepdims=True)
    centred = x - mean
    variance = jnp.mean(jnp.square(centred), axis=axes, keepdims=True)
    if epsilon_in_sqrt:
        return centred * jax.lax.rsqrt(variance + epsilon)
    positive = variance > 0
    # The double where keeps sqrt's infinite slope at 0 out of the gradient.
    std = jnp.where(positive, jnp.sqrt(jnp.where(positive, variance, 1.0)), 0.0)
    return centred / (std + epsilon)


def reflection_pad(x: jax.Array, padding: int) -> jax.Array:
    """Mirror-pads the spatial axes without repeating the edge (Keras' ``ReflectionPadding2D``,
    ``numpy.pad(mode="reflect")``): ``[B, H, W, C] -> [B, H + 2p, W + 2p, C]``.

    Args:
        x: ``[B, H, W, C]``.
        padding: ``p``, the rows and columns added on each side; at most ``H - 1`` and
            ``W - 1``.
    """
    if not 0 <= padding < min(x.shape[1], x.shape[2]):
        raise ValueError(
            f"padding={padding} for a {x.shape[1]}x{x.shape[2]} map; reflection needs "
            "0 <= padding < the height and the width"
        )
    return jnp.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)), mode="reflect")
