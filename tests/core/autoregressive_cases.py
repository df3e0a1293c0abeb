"""Small autoregressive-model Steps (MADE, PixelCNN, WaveNet) for the Step contract test."""

import numpy as np
import optax

from gen_jax.algorithms.likelihood import make_likelihood_step
from gen_jax.models.autoregressive.made import MADE, made_log_prob
from gen_jax.models.autoregressive.pixelcnn import GatedPixelCNN, PixelCNN, pixelcnn_log_prob
from gen_jax.models.autoregressive.wavenet import WaveNet, wavenet_log_prob


def made_step_and_batch():
    """Order-agnostic MADE (3 random orderings) on 16 binary 12-vectors."""
    rng = np.random.default_rng(0)
    batch = {"x": (rng.random((16, 12)) < 0.3).astype(np.float32)}
    model = MADE(num_inputs=12, hidden_sizes=(16, 16), num_masks=3, ordering="random")
    return make_likelihood_step(model, optax.adam(1e-3), made_log_prob, data_key="x"), batch


def pixelcnn_step_and_batch(gated=False):
    """A tiny binary PixelCNN (plain) or class-conditional gated PixelCNN on 8x8 images."""
    rng = np.random.default_rng(1)
    batch = {
        "image": (rng.random((16, 8, 8, 1)) < 0.4).astype(np.float32),
        "label": rng.integers(0, 10, 16).astype(np.int32),
    }
    if gated:
        model = GatedPixelCNN(features=8, num_layers=2, num_classes=10)
        condition_key = "label"
    else:
        model = PixelCNN(features=8, num_layers=1, first_kernel_size=5)
        condition_key = None
    step = make_likelihood_step(
        model, optax.adam(1e-3), pixelcnn_log_prob, condition_key=condition_key
    )
    return step, batch


def wavenet_step_and_batch():
    """A tiny globally conditioned WaveNet on 16 mu-law sequences of 24 levels in 0..15."""
    rng = np.random.default_rng(2)
    batch = {
        "signal": rng.integers(0, 16, (16, 24)).astype(np.int32),
        "condition": rng.normal(size=(16, 2)).astype(np.float32),
    }
    model = WaveNet(num_levels=16, residual_channels=4, skip_channels=8, dilations=(1, 2, 4))
    step = make_likelihood_step(
        model, optax.adam(1e-3), wavenet_log_prob, data_key="signal", condition_key="condition"
    )
    return step, batch
