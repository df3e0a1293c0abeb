"""A small PixelVAE Step (gated PixelCNN decoder, free bits) for the Step contract test."""

from __future__ import annotations

import numpy as np
import optax

from gen_jax.algorithms.pixel_vae import make_pixel_vae_step
from gen_jax.models.autoencoders.pixel_vae import PixelVAE


def pixel_vae_step_and_batch():
    """A 1-layer gated PixelCNN decoder on a spatial map of a 3-d code, 16 binary 5x5 images."""
    rng = np.random.default_rng(3)
    batch = {"image": (rng.random((16, 5, 5, 1)) < 0.4).astype(np.float32)}
    model = PixelVAE((5, 5, 1), latent_dim=3, encoder_hidden_sizes=(8,), features=4, num_layers=1)
    return make_pixel_vae_step(model, optax.adam(1e-3), free_bits=0.1), batch
