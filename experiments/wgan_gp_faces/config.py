"""The book's WGAN-GP (experiment 4.3): a Wasserstein GAN with gradient penalty on faces.

Foster (2019), ch. 4, ``models/WGANGP.py``: the critic is four Conv2D layers (64, 128, 256,
512 filters, kernel 5, stride 2, LeakyReLU 0.2, no batch norm) and a linear Dense(1); the
generator maps z ~ N(0, I_100) through Dense 8192, BatchNorm(0.9), LeakyReLU(0.2), a
4x4x512 reshape and four kernel-5, stride-2 transposed convolutions (256, 128, 64, 3
filters; BatchNorm and LeakyReLU between, tanh at the end) to 64x64x3 images in [-1, 1].
Loss: Wasserstein, plus lambda = 10 times the gradient penalty on random interpolates;
5 critic updates per generator update; Adam(2e-4, beta_1 = 0.5, epsilon 1e-7) for both;
batch 64; 6,000 iterations (the book shows samples after 3,000). Deviation: the critic's
5 updates reuse one real batch with fresh noise (``make_gan_step``), where the book draws a
new real batch for each.

Data: ``full`` is CelebA (TFDS ``celeb_a``, ``load_source("celeb_a", image_size=64,
value_range=(-1, 1))``: centre crop, antialiased bilinear resize). ``demo`` and ``tiny``
use the embedded 8x8 digits, upsampled bilinearly to 16x16 by ``load_source("digits",
image_size=16)``, with the book's layers at 1/8 of their widths (``tiny`` keeps two) and a
1x1 starting map, so the same four stride-2 layers end at 16x16x1 (at 32x32 the demo ran at
15 s per iteration on the shared 2-core CPU under load average 20: too slow for a demo).
After training the report runs the nearest-training-image novelty check
(:mod:`gen_jax.eval.novelty`, pixel L2) on the samples, and scores as many fresh samples as
there are reference images (``record_sample_quality``; ``gen-jax eval WORKDIR`` recomputes
them): the first ``eval.reference_examples`` (10,000) images of the test split. CelebA's samples
are RGB, so they get FID, KID etc. only from InceptionV3 (``config.eval.inception_weights``, the
path of pytorch-fid's weights, or ``$GEN_JAX_INCEPTION_WEIGHTS``); the demo's grey digits
are scored by the bundled digits network.

Command:
    gen-jax run wgan_gp_faces          # the demo variant
    gen-jax run wgan_gp_faces:full --workdir runs/wgan_gp_faces_full

Variants (wall time of the whole command on a 2-core CPU shared with other jobs):
    tiny: 3 steps, two layers of 4-8 filters per network, batch 8 (tests).
    demo: 200 steps of batch 64 at 1/8 width, 16x16 digits. Not run to the end here: a
        60-step run took 37 s of CPU time and 6 min 39 s of wall time at load average 20
        (2.3 s per iteration at the end), so expect a few minutes on a quiet laptop.
    full: 6,000 steps at full width on CelebA 64x64 (not run here; needs a GPU).

Expected result (measured on the shortened demo, 60 steps, seed 0; ``--config.run.num_steps=60
--config.run.sample_every=20``): the critic quickly separates real from generated digits and the
penalty keeps its gradient norm near 1: Wasserstein estimate 0.02, 1.84, 4.38, 7.21, 7.59,
7.38 at steps 10-60, gradient penalty 0.96 at step 10 then 0.03-0.08, critic loss 9.55 ->
-6.64, generator loss 0 -> -4.90. The samples are still grey blotches with a faint central
stroke at step 60; the novelty check finds them far from every training digit (nearest
training distance 2.6x the digits' own nearest-neighbour spacing, none memorised). The book
reports recognisable faces after 3,000 iterations of ``full`` on CelebA (not run here).
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"wgan_gp_faces has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(
        generator=dict(initial_shape=(4, 4, 512), filters=(256, 128, 64, 3), strides=(2, 2, 2, 2)),
        critic=dict(filters=(64, 128, 256, 512), strides=(2, 2, 2, 2)),
    )
    config.loss = dict(latent_dim=100, loss="wasserstein", num_critic_steps=5, gp_weight=10.0)
    config.optim = dict(learning_rate=2e-4, b1=0.5, b2=0.999, eps=1e-7)  # Keras' Adam
    config.data = dict(dataset="celeb_a", data_dir="", image_size=64, batch_size=64)
    config.run = dict(
        seed=0,
        num_steps=6000,
        log_every=50,
        sample_every=500,
        checkpoint_every=1000,
        keep_checkpoints=1,
    )
    # inception_weights: pytorch-fid's InceptionV3 weights, for FID on RGB samples;
    # reference_examples: the test images scored against (0: the whole split).
    config.eval = dict(
        num_samples=25,
        novelty_samples=10,
        novelty_neighbours=4,
        inception_weights="",
        reference_examples=10_000,
        score_samples=True,
    )
    if variant in ("tiny", "demo"):
        config.data.update(dataset="digits", image_size=16)
        config.model.critic.filters = (8, 16, 32, 64)  # the book's widths / 8
        config.model.generator.update(initial_shape=(1, 1, 64), filters=(32, 16, 8, 1))
        config.run.update(num_steps=200, log_every=10, sample_every=50, checkpoint_every=200)
    if variant == "tiny":  # two layers per network, to keep compilation short
        config.model.critic.update(filters=(4, 8), strides=(2, 2))
        config.model.generator.update(initial_shape=(4, 4, 8), filters=(4, 1), strides=(2, 2))
        config.data.batch_size = 8
        config.run.update(num_steps=3, log_every=1, sample_every=3, checkpoint_every=3)
        config.eval.update(
            num_samples=4, novelty_samples=3, novelty_neighbours=2, score_samples=False
        )
    return config
