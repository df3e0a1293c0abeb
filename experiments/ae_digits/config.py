"""Autoencoder on handwritten digits: Foster (2019), Generative Deep Learning, experiment 3.1.

The book's convolutional autoencoder with a 2-D code: encoder Conv2D 32, 64, 64, 64 (kernel
3, strides 1, 2, 2, 1, LeakyReLU 0.3) to a linear Dense(2); decoder Dense 3136, reshape
7x7x64, Conv2DTranspose 64, 64, 32, 1 (strides 1, 2, 2, 1) and a sigmoid; per-image mean
squared error; Adam 5e-4; batch 32. One digit class (``data.anomaly_class``) is left out of
training; reconstruction error then flags it as anomalous (ROC AUC on the test set, and a
threshold at the 95th percentile of the training errors). The codes are also used for
nearest-neighbour search (1-NN label accuracy of test codes among training codes) and
clustered (k-means++ and Lloyd on the training codes, one cluster per trained digit; the
adjusted Rand index of the test codes' clusters against their digits); the code is the
image compressed ``compression_ratio`` times (784 pixels to 2 numbers on 28x28).

Command:
    gen-jax run ae_digits            # the demo variant
    gen-jax run ae_digits:full --workdir runs/ae_mnist   # needs MNIST in TFDS_DATA_DIR

Variants:
    tiny: a few steps on 8x8 digits with a small network; seconds (tests).
    demo: scikit-learn's bundled digits upsampled to 28x28, the book's exact network and
        loss, 1,200 steps; about 2 minutes on a 2-core CPU.
    full: the book's setup: MNIST 28x28, 10 epochs of 60,000 images at batch 32.

Expected result (demo, measured on a shared 2-core CPU; 1,500 steps took 151 s at low load,
1,200 steps 343 s at load average 10): test MSE 0.024 on the normal digits; the held-out
digit 7 is detected with ROC AUC 0.97 (81% flagged at a 5.9% false-alarm rate with the
95th-percentile threshold); 1-NN label accuracy in the 2-D code space 0.73; the codes
cluster by digit with the asymmetric, gappy layout of the book's figure 3.2, and k-means
with 9 clusters on them agrees with the digits at an adjusted Rand index of 0.50
(2026-11-30, 1,200 steps in 79 s on an idle machine).
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"ae_digits has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(
        code_dim=2,
        encoder_filters=(32, 64, 64, 64),
        encoder_strides=(1, 2, 2, 1),
        decoder_filters=(64, 64, 32),
        decoder_strides=(1, 2, 2, 1),
    )
    config.optim = dict(learning_rate=5e-4)
    # anomaly_class: the digit left out of training.
    config.data = dict(dataset="digits", data_dir="", image_size=28, batch_size=32, anomaly_class=7)
    config.run = dict(
        seed=0,
        num_steps=1200,
        log_every=50,
        sample_every=500,
        checkpoint_every=500,
        keep_checkpoints=2,
    )
    config.eval = dict(eval_examples=2000, threshold_quantile=0.95)
    if variant == "tiny":
        config.model.update(
            encoder_filters=(4, 8),
            encoder_strides=(1, 2),
            decoder_filters=(8,),
            decoder_strides=(2, 1),
        )
        config.data.update(image_size=8, batch_size=16)
        config.run.update(num_steps=6, log_every=2, sample_every=3, checkpoint_every=3)
    elif variant == "full":
        config.data.dataset = "mnist"
        config.run.update(
            num_steps=10 * 60_000 // 32,
            log_every=500,
            sample_every=5000,
            checkpoint_every=5000,
            keep_checkpoints=3,
        )
        config.eval.eval_examples = 10_000
    return config
