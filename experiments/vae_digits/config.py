"""VAE on handwritten digits: Foster (2019), Generative Deep Learning, experiment 3.2.

The book's convolutional VAE with a 2-D latent space: encoder Conv2D 32, 64, 64, 64 (kernel
3, strides 1, 2, 2, 1, LeakyReLU 0.3) to Dense heads for mean and log-variance; decoder
Dense, reshape, Conv2DTranspose 64, 64, 32, 1 (strides 1, 2, 2, 1) and a sigmoid; loss
``1000 * per-image MSE + KL``; Adam 5e-4; batch 32.

Command:
    gen-jax run vae_digits            # the demo variant
    gen-jax run vae_digits:full --workdir runs/vae_mnist   # needs MNIST in TFDS_DATA_DIR

Variants:
    tiny: a few steps on 8x8 digits with a small network; seconds (tests).
    demo: scikit-learn's bundled digits upsampled to 28x28 (the book's input size), the
        book's exact network and loss, 4,000 steps; about 5 minutes on a 2-core CPU.
    full: the book's setup: MNIST 28x28, 200 epochs of 60,000 images at batch 32
        (375,000 steps); meant for a GPU.

Expected result (demo, measured): the training loss (1000 * MSE + KL) falls from about 77
over the first 50 steps to about 24, the test loss to about 26.5 (reconstruction MSE
0.022, KL 4.7 nats); samples from N(0, I) are recognisable digits, and the latent scatter
shows digit clusters packed around the origin, as in the book's figure 3.14.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False  # vae_digits_2d, the same book model with the latent analysis, is in the tour
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"vae_digits has variants {VARIANTS}, not {variant!r}")
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
    config.learning_rate = 5e-4
    config.batch_size = 32
    config.num_steps = 4000
    config.log_every = 50
    config.sample_every = 500
    config.checkpoint_every = 1000
    config.keep_checkpoints = 2
    config.eval_examples = 2000
    config.num_samples = 64
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
        config.num_samples = 16
    elif variant == "full":
        config.dataset = "mnist"
        config.num_steps = 200 * 60_000 // 32
        config.log_every = 500
        config.sample_every = 10_000
        config.checkpoint_every = 10_000
        config.keep_checkpoints = 3
    return config
