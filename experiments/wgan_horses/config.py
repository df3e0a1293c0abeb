"""The book's WGAN with weight clipping (experiment 4.2) on CIFAR-10 horses.

Foster (2019), ch. 4, Listings 4.6-4.8 and ``models/WGAN.py`` (see
:mod:`gen_jax.models.gans.wgan`): a critic of four kernel-5 convolutions (32, 64, 128, 128
filters, strides 2, 2, 2, 1) with LeakyReLU(0.2) and a linear Dense(1) score (670,401
parameters), and a generator z ~ N(0, I_100) -> Dense 4x4x128 -> three UpSampling2D + Conv
(128, 64, 32) blocks with BatchNorm(0.8) and LeakyReLU(0.2) -> Conv2DTranspose 3 -> tanh
(884,163 parameters with BatchNorm's moving statistics). Wasserstein loss, every critic
parameter clipped to [-0.01, 0.01] after each critic update, 5 critic updates per
generator update, RMSprop(5e-5) for both players (Keras rho 0.9, epsilon 1e-7 outside the
square root), batch 128, 6,000 generator steps. Deviation: the book makes two critic
optimiser steps per critic update (real batch, then fake batch) and clips once after both;
here one step on the summed loss, then the clip; and one real batch serves the 5 critic
updates of an iteration (the book draws a new one for each).

Data: ``full`` is CIFAR-10's horses (label 7), train and test splits together (6,000
images, 32x32x3 in [-1, 1]), through ``load_source("cifar10", split="train+test",
classes=("horse",))``. ``demo`` and ``tiny`` use the embedded 8x8 digits upsampled to
32x32 with one (grey) channel, so the generator's last layer has 1 filter, and the
networks' hidden widths are divided by 4 (demo) or 16 (tiny). ``demo`` raises both
learning rates to 5e-4 (ten times the book's) so that its few hundred steps move the
samples away from noise.

Evaluation: after training, as many fresh samples as there are test images (CIFAR-10's
1,000 test horses for ``full``, which are also in its training set, so the scores measure
fit, not generalisation; the digits' test split otherwise) are scored by
``record_sample_quality`` (``gen-jax eval WORKDIR`` recomputes them). The horses are RGB:
FID, KID etc. need InceptionV3 (``config.eval.inception_weights``, the path of pytorch-fid's
weights, or ``$GEN_JAX_INCEPTION_WEIGHTS``); the grey digits of ``demo`` and ``tiny`` are
scored by the bundled digits network. The novelty check then shows
``eval.novelty_samples`` samples beside their ``eval.novelty_neighbours`` nearest training
images (mean absolute pixel difference) and adds the ``novelty/...`` ratios to the final
metrics.

Command:
    gen-jax run wgan_horses           # the demo variant
    gen-jax run wgan_horses:full --workdir runs/wgan_horses_full

Variants (wall time of the whole command on a 2-core CPU shared with other jobs):
    tiny: 3 generator steps (15 critic updates) at 1/16 width, batch 8 (tests); about
        90 s under heavy load, almost all compilation.
    demo: 300 generator steps (1,500 critic updates) of batch 32 at 1/8 width, embedded
        digits at 32x32; about 1.5 s per generator step under heavy load (load average 21
        on 2 cores), so about 8 minutes there; not run in full here (see below).
    full: 6,000 generator steps of batch 128 at full width on CIFAR-10 horses (not run
        here: no TFDS data on this machine).

Expected result (measured on a shortened demo, ``--config.run.num_steps=120
--config.run.sample_every=40``, seed 0, 212 s under load): the critic's Wasserstein estimate
(mean real minus mean fake score, tiny because clipping keeps the critic's weights within
0.01) falls from 0.028 at step 10 to 0.0031 at step 120 as the generator catches up;
generator loss -0.006; the critic still ranks 0.87 of real and 0.26 of fake examples on
the right side of zero. The 5x5 samples turn from noise into centred grey digit-like blobs
by step 120, not yet legible digits. The full demo and ``full`` have not been run.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"wgan_horses has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(channels=3, width_divisor=1)  # the generator's output channels
    config.loss = dict(latent_dim=100, loss="wasserstein", num_critic_steps=5, clip=0.01)
    config.optim = dict(critic_learning_rate=5e-5, generator_learning_rate=5e-5)
    # image_size 0: keep CIFAR-10's stored 32x32.
    config.data = dict(
        dataset="cifar10",
        split="train+test",
        classes=("horse",),
        data_dir="",
        image_size=0,
        batch_size=128,
    )
    config.run = dict(
        seed=0,
        num_steps=6000,
        log_every=50,
        sample_every=500,
        checkpoint_every=1000,
        keep_checkpoints=1,
    )
    # inception_weights: pytorch-fid's InceptionV3 weights, for FID on RGB samples.
    config.eval = dict(
        num_samples=25,
        inception_weights="",
        novelty_samples=10,
        novelty_neighbours=4,
        score_samples=True,
    )
    if variant in ("tiny", "demo"):
        config.data.update(dataset="digits", split="train", classes=(), image_size=32)
        config.model.channels = 1
        config.optim.update(critic_learning_rate=5e-4, generator_learning_rate=5e-4)
    if variant == "demo":
        config.model.width_divisor = 8
        config.data.batch_size = 32
        config.run.update(num_steps=300, log_every=10, sample_every=100, checkpoint_every=300)
    elif variant == "tiny":
        config.model.width_divisor = 16
        config.data.batch_size = 8
        config.run.update(num_steps=3, log_every=1, sample_every=3, checkpoint_every=3)
        config.eval.update(
            num_samples=4, novelty_samples=3, novelty_neighbours=2, score_samples=False
        )
    return config
