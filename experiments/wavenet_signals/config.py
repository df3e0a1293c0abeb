"""WaveNet on generated 1-D signals (van den Oord et al., 2016), with fast generation.

Sums of sinusoids and AR(2) paths (``gen_jax.data.signals``), mu-law quantised to 256
levels, modelled by a WaveNet with causal dilated convolutions, gated residual layers and
skip connections, globally conditioned on the signal family (a one-hot vector in every
gate). Samples of each family are generated twice, naively (the whole network per step)
and with per-layer queues (Paine et al., 2016); the run checks that both give the same
samples for the same key and reports both sampling times.

Command:
    gen-jax run wavenet_signals               # the demo variant
    gen-jax run wavenet_signals:full --workdir runs/wavenet_signals

Variants:
    tiny: 3 layers, 16 levels, sequences of 32; seconds (tests).
    demo: dilations 1..32 (6 layers), 32 residual / 64 skip channels, 256 levels, 512
        sequences of 128 samples, Adam 1e-3, batch 16, 800 steps; about two minutes on a
        2-core CPU.
    full: the paper's layout, dilations 1..512 three times (30 layers), 64 residual / 256
        skip channels, 4,096 sequences of 4,096 samples, 100,000 steps; meant for a GPU.

Expected result (demo, measured: 72 s wall on a loaded 2-core CPU): the training NLL falls
from 7.6 to 4.1 bits per sample (``bits_per_dim``; uniform over 256 levels is 8); generated
waveforms are smooth oscillations for the sines and rougher ones for AR(2); cached and
naive generation give identical samples (``cached_equals_naive`` = 1), 6 samples of 128
steps in 0.06 s cached against 0.63 s naive.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"wavenet_signals has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.seed = 0
    config.num_per_kind = 256
    config.length = 128
    config.mu = 255
    config.residual_channels = 32
    config.skip_channels = 64
    config.dilations = (1, 2, 4, 8, 16, 32)
    config.kernel_size = 2
    config.learning_rate = 1e-3
    config.batch_size = 16
    config.num_steps = 800
    config.log_every = 50
    config.sample_every = 400
    config.checkpoint_every = 400
    config.keep_checkpoints = 2
    config.samples_per_kind = 3
    if variant == "tiny":
        config.num_per_kind = 16
        config.length = 32
        config.mu = 15
        config.residual_channels = 4
        config.skip_channels = 8
        config.dilations = (1, 2, 4)
        config.batch_size = 8
        config.num_steps = 10
        config.log_every = 5
        config.sample_every = 10
        config.checkpoint_every = 5
        config.samples_per_kind = 1
    elif variant == "full":
        config.num_per_kind = 2048
        config.length = 4096
        config.residual_channels = 64
        config.skip_channels = 256
        config.dilations = tuple(2**i for i in range(10)) * 3
        config.batch_size = 8
        config.num_steps = 100_000
        config.log_every = 500
        config.sample_every = 10_000
        config.checkpoint_every = 10_000
    return config
