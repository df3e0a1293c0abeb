"""Small Steps of the VAE family's remaining pieces for the Step contract."""

from __future__ import annotations

import numpy as np
import optax

from gen_jax.algorithms.normalised_vae import make_normalised_vae_step
from gen_jax.algorithms.stacked import make_stack_fine_tune_step
from gen_jax.models.autoencoders.face_vae import face_vae


def face_vae_step():
    """The book's face VAE (BatchNorm, Dropout 0.25, 10,000 x MSE + KL) shrunk to 8x8x1.

    SGD, not the book's Adam: a convolution bias followed by BatchNorm has a zero gradient
    up to rounding, and Adam's first step turns that noise into +-learning_rate, whose
    sign differs between 1 and 8 devices.
    """
    model = face_vae((8, 8, 1), 3, encoder_filters=(4, 4), decoder_filters=(4,), strides=(2, 2))
    return make_normalised_vae_step(model, optax.sgd(1e-3))


def stacked_fine_tune_step(input_size=64, widths=(6, 4), seed=0):
    """End-to-end fine-tuning of a 64-6-4 stack and its decoders (random "pretrained" layers)."""
    rng = np.random.default_rng(seed)
    sizes = (input_size, *widths)

    def dense(d_in, d_out):
        kernel = rng.normal(scale=d_in**-0.5, size=(d_in, d_out)).astype(np.float32)
        return {"kernel": kernel, "bias": np.zeros(d_out, np.float32)}

    encoder = [dense(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    decoders = [dense(b, a) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    return make_stack_fine_tune_step(
        optax.adam(1e-3), encoder=encoder, decoders=decoders, data_key="image"
    )
