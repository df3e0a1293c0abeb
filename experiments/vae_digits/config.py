"""VAE on handwritten digits with its latent analysis: Foster (2019), experiment 3.2.

The book's convolutional VAE: encoder Conv2D 32, 64, 64, 64 (kernel 3, strides 1, 2, 2, 1,
LeakyReLU 0.3) to Dense heads ``mu`` and ``log_var``; ``z = mu + exp(log_var / 2) * eps``;
decoder Dense 3136, reshape 7x7x64, Conv2DTranspose 64, 64, 32, 1 (strides 1, 2, 2, 1),
sigmoid; loss ``1000 * per-image MSE + KL`` (``r_loss_factor = 1000``); Adam 5e-4; batch
32. The latent size is ``model.latent_dim``: the book's 2 gives its figures 3.10-3.14 (test
``mu`` coloured by digit and mapped through the normal CDF, the 20x20 decode grid at
``norm.ppf(linspace(0.01, 0.99, 20))``), beside samples from N(0, I), reconstructions,
marginal histograms against N(0, 1) and morphing between two digits; a larger latent
space keeps every figure but the grid (the scatter then shows two principal components).

Command:
    gen-jax run vae_digits            # the demo variant
    gen-jax run vae_digits --config.model.latent_dim=16   # no decode grid, PCA scatter
    gen-jax run vae_digits:full --workdir runs/vae_mnist   # needs MNIST in TFDS_DATA_DIR

Variants:
    tiny: a few steps on 8x8 digits with a small network; seconds (tests).
    demo: scikit-learn's bundled digits upsampled to 28x28 (the book's input size), the
        book's exact network and loss, 1,000 steps; under 2 minutes on a 2-core CPU.
    full: the book's setup: MNIST 28x28, 200 epochs of 60,000 images at batch 32
        (``run.num_steps`` 375,000); meant for a GPU.

Expected result (demo, measured: 106 s wall on a shared 2-core CPU): the loss
(1000 * MSE + KL) falls to about 31 (test 31.1: MSE 0.027, KL 4.1 nats); the means of the
test codes lie within about 0.5 of the origin with spread about 0.8, the normal-CDF panel
spreads the digits over the unit square and the quantile grid decodes to digits. With
``--config.run.num_steps=4000`` (about 5 minutes) the training loss falls from about 77 over
the first 50 steps to about 24, the test loss to about 26.5 (MSE 0.022, KL 4.7 nats), and
the samples from N(0, I) are recognisable digits, as in the book's figure 3.14.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = True
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"vae_digits has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(
        latent_dim=2,
        encoder_filters=(32, 64, 64, 64),
        encoder_strides=(1, 2, 2, 1),
        decoder_filters=(64, 64, 32),
        decoder_strides=(1, 2, 2, 1),
    )
    config.loss = dict(likelihood="mse", reconstruction_weight=1000.0, beta=1.0, num_samples=1)
    config.optim = dict(learning_rate=5e-4)
    config.data = dict(dataset="digits", data_dir="", image_size=28, batch_size=32)
    config.run = dict(
        seed=0,
        num_steps=1000,
        log_every=50,
        sample_every=500,
        checkpoint_every=500,
        keep_checkpoints=2,
    )
    config.eval = dict(eval_examples=2000, num_prior_samples=30, morph_steps=10, score_samples=True)
    if variant == "tiny":
        config.model.update(
            encoder_filters=(4, 8),
            encoder_strides=(1, 2),
            decoder_filters=(8,),
            decoder_strides=(2, 1),
        )
        config.data.update(image_size=8, batch_size=16)
        config.run.update(num_steps=6, log_every=2, sample_every=3, checkpoint_every=3)
        config.eval.score_samples = False
    elif variant == "full":
        config.data.dataset = "mnist"
        config.run.update(
            num_steps=200 * 60_000 // 32,
            log_every=500,
            sample_every=10_000,
            checkpoint_every=10_000,
            keep_checkpoints=3,
        )
        config.eval.eval_examples = 10_000
    return config
