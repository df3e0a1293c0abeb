"""Loss-term ablation of a 2-D VAE: reconstruction only, KL only, and both.

The lecture's three panels (spec/lecture-autoencoders.md §7.1): the same MLP VAE
(784-256-2 Gaussian encoder, 2-256-784 Bernoulli decoder) trained three times, on the
reconstruction term only (``beta = 0``: an autoencoder with noisy codes), on the KL term
only (``reconstruction_weight = 0``), and on the full negative ELBO, each followed by a
scatter of the test means coloured by digit. The full model trains in the run directory,
the two ablations in its subdirectories ``reconstruction_only/`` and ``kl_only/``.

A fourth panel is the lecture's learnable-target toy (spec/lecture-vae-gan-aae.md, from
Doersch 2016): data ``g(z) = z/10 + z/||z||`` of 2-D normal codes, a ring whose radius is
``1 + ||z|| / 10`` (mean ``1 + sqrt(pi/2)/10 = 1.125``); an MLP VAE (2-D code, hidden
64, 64, Gaussian decoder with sigma 0.05) is fitted to it in ``ring/`` and its samples are
drawn over the data (``experiments/vae_ablation/ring.py``).

Command:
    gen-jax run vae_ablation            # the demo variant
    gen-jax run vae_ablation:full --workdir runs/vae_ablation_mnist   # needs MNIST

Variants:
    tiny: a few steps each on 8x8 digits; seconds (tests).
    demo: the bundled digits at 28x28, 2,000 steps per model; about 2 minutes on a 2-core
        CPU.
    full: MNIST 28x28, 20 epochs at batch 64 per model.

Expected result (demo, measured: 112 s wall on a shared 2-core CPU): reconstruction only
gives separated but spread-out clusters with gaps (code spread 2.0, KL 17 nats, test
ELBO -322); KL only collapses every code onto the origin (KL 3e-5 nats, spread 0.002,
nothing encoded, ELBO -578); both packs the clusters around the origin (spread 1.1,
KL 5.2, the best test ELBO, -314 nats). Ring panel (3,000 steps at batch 128, measured
alone: 46 s wall at load average about 20): the data radii average 1.126 (closed form
1.125); the VAE's samples concentrate on the ring but also fill its hole, with mean
radius 1.06 and spread 0.36 against the data's 0.066: a 2-D Gaussian code cannot be
mapped onto an annulus without leaving mass in between.
"""

from __future__ import annotations

import math

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"vae_ablation has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(latent_dim=2, hidden_sizes=(256,))
    config.optim = dict(learning_rate=1e-3)  # the ring's too
    config.data = dict(dataset="digits", data_dir="", image_size=28, batch_size=64)
    config.run = dict(
        seed=0,
        num_steps=2000,
        log_every=100,
        sample_every=1000,
        checkpoint_every=1000,
        keep_checkpoints=1,
    )
    config.eval = dict(eval_examples=2000)
    # The ring toy's data, network, fixed decoder variance (sigma 0.05) and run length.
    config.ring = dict(
        num_samples=10_000,
        hidden_sizes=(64, 64),
        observation_log_var=2.0 * math.log(0.05),
        batch_size=128,
        num_steps=3000,
    )
    if variant == "tiny":
        config.ring.update(num_samples=256, hidden_sizes=(8,), batch_size=32, num_steps=4)
        config.data.update(image_size=8, batch_size=16)
        config.model.hidden_sizes = (16,)
        config.run.update(num_steps=4, log_every=2, sample_every=2, checkpoint_every=2)
    elif variant == "full":
        config.data.dataset = "mnist"
        config.run.update(
            num_steps=20 * 60_000 // 64, log_every=500, sample_every=5000, checkpoint_every=5000
        )
        config.eval.eval_examples = 10_000
    return config
