"""The book's 2-D digit VAE with its latent analysis: Foster (2019), experiment 3.2.

Encoder Conv2D 32, 64, 64, 64 (kernel 3, strides 1, 2, 2, 1, LeakyReLU 0.3) to Dense heads
``mu`` and ``log_var`` (2-D); ``z = mu + exp(log_var / 2) * eps``; decoder Dense 3136,
reshape 7x7x64, Conv2DTranspose 64, 64, 32, 1 (strides 1, 2, 2, 1), sigmoid; loss
``1000 * per-image MSE + KL`` (``r_loss_factor = 1000``); Adam 5e-4; batch 32. Trained
with the VAE-family Step (``make_elbo_step``); the analysis is the book's figures 3.10-3.14
plus the latent tools: test ``mu`` coloured by digit and mapped through the normal CDF,
the 20x20 decode grid at ``norm.ppf(linspace(0.01, 0.99, 20))``, samples from N(0, I),
reconstructions, marginal histograms against N(0, 1) and morphing between two digits.

Command:
    gen-jax run vae_digits_2d            # the demo variant
    gen-jax run vae_digits_2d:full --workdir runs/vae_mnist_2d   # needs MNIST in TFDS_DATA_DIR

Variants:
    tiny: a few steps on 8x8 digits with a small network; seconds (tests).
    demo: scikit-learn's bundled digits upsampled to 28x28, the book's network and loss,
        1,000 steps; under 2 minutes on a 2-core CPU.
    full: the book's setup: MNIST 28x28, 200 epochs at batch 32 (375,000 steps).

Expected result (demo, measured: 106 s wall on a shared 2-core CPU): the loss
(1000 * MSE + KL) falls to about 31 (test 31.1: MSE 0.027, KL 4.1 nats); the means of the
test codes lie within about 0.5 of the origin with spread about 0.8, the normal-CDF panel
spreads the digits over the unit square and the quantile grid decodes to digits.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = True
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"vae_digits_2d has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.seed = 0
    config.dataset = "digits"
    config.data_dir = ""
    config.image_size = 28
    config.latent_dim = 2
    config.encoder_filters = (32, 64, 64, 64)
    config.encoder_strides = (1, 2, 2, 1)
    config.decoder_filters = (64, 64, 32)
    config.decoder_strides = (1, 2, 2, 1)
    config.likelihood = "mse"
    config.reconstruction_weight = 1000.0
    config.beta = 1.0
    config.num_samples = 1
    config.learning_rate = 5e-4
    config.batch_size = 32
    config.num_steps = 1000
    config.log_every = 50
    config.sample_every = 500
    config.checkpoint_every = 500
    config.keep_checkpoints = 2
    config.eval_examples = 2000
    config.num_prior_samples = 30
    config.morph_steps = 10
    if variant == "tiny":
        config.image_size = 8
        config.encoder_filters = (4, 8)
        config.encoder_strides = (1, 2)
        config.decoder_filters = (8,)
        config.decoder_strides = (2, 1)
        config.batch_size = 16
        config.num_steps = 6
        config.log_every = 2
        config.sample_every = 3
        config.checkpoint_every = 3
    elif variant == "full":
        config.dataset = "mnist"
        config.num_steps = 200 * 60_000 // 32
        config.log_every = 500
        config.sample_every = 10_000
        config.checkpoint_every = 10_000
        config.keep_checkpoints = 3
        config.eval_examples = 10_000
    return config
