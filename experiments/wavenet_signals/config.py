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
    # num_per_kind signals of each family, length samples each, mu-law with mu + 1 levels.
    config.data = dict(num_per_kind=256, length=128, mu=255, batch_size=16)
    config.model = dict(
        residual_channels=32, skip_channels=64, dilations=(1, 2, 4, 8, 16, 32), kernel_size=2
    )
    config.optim = dict(learning_rate=1e-3)
    config.run = dict(
        seed=0,
        num_steps=800,
        log_every=50,
        sample_every=400,
        checkpoint_every=400,
        keep_checkpoints=2,
    )
    config.eval = dict(samples_per_kind=3)
    if variant == "tiny":
        config.data.update(num_per_kind=16, length=32, mu=15, batch_size=8)
        config.model.update(residual_channels=4, skip_channels=8, dilations=(1, 2, 4))
        config.run.update(num_steps=10, log_every=5, sample_every=10, checkpoint_every=5)
        config.eval.samples_per_kind = 1
    elif variant == "full":
        config.data.update(num_per_kind=2048, length=4096, batch_size=8)
        config.model.update(
            residual_channels=64, skip_channels=256, dilations=tuple(2**i for i in range(10)) * 3
        )
        config.run.update(
            num_steps=100_000, log_every=500, sample_every=10_000, checkpoint_every=10_000
        )
    return config
