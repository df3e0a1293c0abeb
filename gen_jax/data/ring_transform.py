r"""Doersch's ring: 2-D normal samples pushed through :math:`g(z) = z/10 + z/\lVert z\rVert`.

The deterministic map :math:`g` sends each direction of :math:`z` to the unit circle and
adds a tenth of :math:`z` itself, so :math:`\lVert g(z)\rVert = 1 + \lVert z\rVert / 10`:
with :math:`\lVert z\rVert` Rayleigh-distributed (scale 1) the radius of a sample has mean
:math:`1 + \sqrt{\pi/2}/10 \approx 1.1253` and standard deviation
:math:`\sqrt{(4 - \pi)/2}/10 \approx 0.0655`. It shows that a simple latent distribution
and a learned function :math:`g` can produce a complicated data distribution, and it is a
learnable target for a decoder or VAE (``experiments/vae_ablation``).

References:
    Doersch (2016), Tutorial on Variational Autoencoders, arXiv:1606.05908, figure 2.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

RING_RADIUS_MEAN = 1.0 + math.sqrt(math.pi / 2.0) / 10.0
RING_RADIUS_STD = math.sqrt((4.0 - math.pi) / 2.0) / 10.0


def ring_transform(z: jax.Array) -> jax.Array:
    """:math:`g(z) = z/10 + z/\\lVert z\\rVert` for codes ``z [..., 2]`` (non-zero)."""
    if z.shape[-1:] != (2,):
        raise ValueError(f"z has shape {z.shape}; the ring transform takes 2-D codes [..., 2]")
    return z / 10.0 + z / jnp.linalg.norm(z, axis=-1, keepdims=True)


def transformed_ring(num_samples: int, *, seed: int = 0) -> dict[str, np.ndarray]:
    """``{"x": float32 [num_samples, 2]}``: :func:`ring_transform` of N(0, I) samples."""
    if num_samples < 1:
        raise ValueError(f"num_samples={num_samples}; draw at least one point")
    z = np.random.default_rng(seed).standard_normal((num_samples, 2))
    return {"x": np.asarray(ring_transform(jnp.asarray(z)), np.float32)}
