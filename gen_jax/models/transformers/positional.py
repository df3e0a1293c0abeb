r"""Positional encodings: the fixed sinusoids of the original Transformer, or learned vectors.

Attention is blind to order, so a vector that depends on the position is added to each
token's embedding. The sinusoidal encoding of position :math:`p` in width :math:`d` is

.. math::
    \mathrm{PE}(p, 2i) = \sin(p\,\omega_i), \quad \mathrm{PE}(p, 2i + 1) = \cos(p\,\omega_i),
    \quad \omega_i = 10000^{-2i/d}.

Each (sin, cos) pair is a point on the unit circle turning at frequency :math:`\omega_i`,
so :math:`\mathrm{PE}(p + k)` is :math:`\mathrm{PE}(p)` rotated pair by pair through the
angles :math:`k\,\omega_i`, the same rotation for every :math:`p`
(:func:`sinusoidal_shift_rotation`): relative offsets are linear maps of the encoding.
GPT and BERT learn one vector per position instead (:class:`LearnedPositionalEmbedding`).

References:
    Vaswani et al. (2017), Attention Is All You Need, arXiv:1706.03762, section 3.5.
    Foster (2019), Generative Deep Learning, ch. 9 (positional-encoding notebook).
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

__all__ = [
    "LearnedPositionalEmbedding",
    "sinusoidal_encoding",
    "sinusoidal_frequencies",
    "sinusoidal_shift_rotation",
]


def sinusoidal_frequencies(width: int, *, base: float = 10000.0) -> jax.Array:
    r"""``[width // 2]`` angular frequencies :math:`\omega_i = \text{base}^{-2i/d}`."""
    if width < 2 or width % 2:
        raise ValueError(f"width={width}: the sinusoidal encoding needs an even width >= 2")
    return base ** (-jnp.arange(0, width, 2, dtype=jnp.float32) / width)


def sinusoidal_encoding(
    num_positions: int, width: int, *, base: float = 10000.0, offset: int | jax.Array = 0
) -> jax.Array:
    """``[num_positions, width]`` encodings of positions ``offset .. offset + num_positions - 1``.

    Even columns hold the sines and odd columns the cosines of the same frequency.
    """
    positions = offset + jnp.arange(num_positions, dtype=jnp.float32)
    angles = positions[:, None] * sinusoidal_frequencies(width, base=base)[None, :]
    return jnp.stack([jnp.sin(angles), jnp.cos(angles)], axis=-1).reshape(num_positions, width)


def sinusoidal_shift_rotation(shift: int, width: int, *, base: float = 10000.0) -> jax.Array:
    r"""``[width, width]`` block-diagonal :math:`R_k` with ``PE(p + k) = R_k PE(p)`` for all p.

    Block :math:`i` is the 2x2 rotation through :math:`k\,\omega_i` acting on the
    (sin, cos) pair: :math:`\sin(a + b) = \sin a \cos b + \cos a \sin b`, :math:`\cos(a + b)
    = \cos a \cos b - \sin a \sin b`.
    """
    angles = shift * sinusoidal_frequencies(width, base=base)
    cos, sin = jnp.cos(angles), jnp.sin(angles)
    blocks = jnp.stack([jnp.stack([cos, sin], -1), jnp.stack([-sin, cos], -1)], -2)
    return jax.scipy.linalg.block_diag(*blocks)


class LearnedPositionalEmbedding(nn.Module):
    """One trained vector per position: ``positions [..., T] -> [..., T, width]``.

    Attributes:
        max_length: how many positions have a vector (GPT-2: 1024, the block size).
        width: the embedding width.
    """

    max_length: int
    width: int

    @nn.compact
    def __call__(self, positions: jax.Array) -> jax.Array:
        table = self.param("embedding", nn.initializers.normal(0.02), (self.max_length, self.width))
        return jnp.take(table, positions, axis=0)
