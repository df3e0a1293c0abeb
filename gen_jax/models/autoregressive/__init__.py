"""Autoregressive density models: MADE (``made``), PixelCNN and Gated PixelCNN
(``pixelcnn``), WaveNet with cached generation (``wavenet``) and the fully visible sigmoid
belief network (``fvsbn``).
"""

from gen_jax.models.autoregressive.fvsbn import fvsbn_log_prob, fvsbn_sample
from gen_jax.models.autoregressive.made import (
    MADE,
    made_ensemble_log_prob,
    made_log_prob,
    made_sample,
)
from gen_jax.models.autoregressive.pixelcnn import (
    GatedPixelCNN,
    PixelCNN,
    pixelcnn_log_prob,
    pixelcnn_sample,
)
from gen_jax.models.autoregressive.wavenet import (
    WaveNet,
    wavenet_log_prob,
    wavenet_sample_fast,
    wavenet_sample_naive,
)

__all__ = [
    "GatedPixelCNN",
    "MADE",
    "PixelCNN",
    "WaveNet",
    "fvsbn_log_prob",
    "fvsbn_sample",
    "made_ensemble_log_prob",
    "made_log_prob",
    "made_sample",
    "pixelcnn_log_prob",
    "pixelcnn_sample",
    "wavenet_log_prob",
    "wavenet_sample_fast",
    "wavenet_sample_naive",
]
