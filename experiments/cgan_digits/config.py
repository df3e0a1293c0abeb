"""Conditional GAN (Mirza & Osindero 2014) on handwritten digits: one generated row per class.

Both players see the class y: the generator maps [z, onehot(y)] through ReLU layers to an
image, the discriminator scores [x, onehot(y)] with LeakyReLU(0.2) layers
(``make_gan_step(label_key="label", num_classes=10)``, which concatenates the one-hot
code to the generator's noise and appends it to the flattened image). Fake examples reuse
the real batch's labels. Non-saturating loss, one discriminator update per generator
update, Adam(b1 = 0.5) for both players. Deviations from the paper's MNIST model: the
one-hot code is concatenated at the input instead of passing z and y through separate
hidden layers first, LeakyReLU layers replace maxout units, the generator's output is
linear (the data lie in [-1, 1]), and Adam replaces SGD with momentum and decaying rates.

The report's ``class_agreement`` checks the conditioning: a nearest-centroid classifier
(one mean training image per class) labels ``eval.num_agreement_samples`` generated images per
class, and we report the fraction given the class they were generated for; the same
classifier on held-out real images (``real_class_agreement``) is its ceiling, and 0.1 is
chance.

Sample quality: as many samples as test images (labels 0, 1, ..., 9, 0, ...: every class
equally often; the linear output clipped to [-1, 1]) are scored against the test split by
``record_sample_quality`` (the bundled digits network's Fréchet distance, KID,
precision/recall, classifier score; ``gen-jax eval WORKDIR`` recomputes them). The first
``eval.novelty_samples`` of them are shown beside their ``eval.novelty_neighbours``
nearest training images (mean absolute pixel difference), with the ``novelty/...`` ratios
in the metrics.

Data: ``full`` is MNIST (TFDS ``mnist``, 28x28, [-1, 1]); ``demo`` and ``tiny`` use the
embedded 8x8 digits at their native size.

Command:
    gen-jax run cgan_digits           # the demo variant
    gen-jax run cgan_digits:full --workdir runs/cgan_digits_full

Variants (wall time of the whole command on a 2-core CPU shared with other jobs):
    tiny: 4 steps with hidden width 16 (tests).
    demo: 3,000 steps of batch 64, generator (128, 256), discriminator (256, 128); 3 min
        42 s under heavy load (about 25-40 steps/s after a 30 s start).
    full: 30,000 steps of batch 100 (50 MNIST epochs), generator 1200, discriminator
        (240, 240), latent 100 (not run here: no TFDS data on this machine).

Expected result (measured, demo, seed 0): every row of the 10x10 grid shows its own digit,
with variety across the columns (shared noise); class_agreement 0.94 (nearest-centroid
label of 1,000 samples equals the conditioning class; 0.88 on the held-out real digits,
0.1 by chance). The game stays balanced: at step 3,000 the discriminator loss is 1.31
(0.665 real, 0.644 fake), accuracies 0.56 real and 0.65 fake, generator loss 0.91.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"cgan_digits has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(generator_hidden=(1200,), discriminator_hidden=(240, 240))
    # make_gan_step's options: the noise size and the classes the GAN is conditioned on.
    config.loss = dict(latent_dim=100, num_classes=10)
    config.optim = dict(learning_rate=2e-4, b1=0.5)  # both players
    config.data = dict(dataset="mnist", data_dir="", batch_size=100)
    config.run = dict(
        seed=0,
        num_steps=30_000,
        log_every=100,
        sample_every=5000,
        checkpoint_every=5000,
        keep_checkpoints=1,
    )
    config.eval = dict(
        samples_per_class=10,
        num_agreement_samples=100,
        novelty_samples=10,
        novelty_neighbours=4,
        score_samples=True,
    )
    if variant == "demo":
        config.data.update(dataset="digits", batch_size=64)
        config.loss.latent_dim = 32
        config.model.update(generator_hidden=(128, 256), discriminator_hidden=(256, 128))
        config.optim.learning_rate = 1e-3
        config.run.update(num_steps=3000, log_every=50, sample_every=1000, checkpoint_every=3000)
    elif variant == "tiny":
        config.data.update(dataset="digits", batch_size=16)
        config.loss.latent_dim = 8
        config.model.update(generator_hidden=(16,), discriminator_hidden=(16,))
        config.run.update(num_steps=4, log_every=2, sample_every=4, checkpoint_every=4)
        config.eval.update(
            samples_per_class=2,
            num_agreement_samples=4,
            novelty_samples=3,
            novelty_neighbours=2,
            score_samples=False,
        )
    return config
