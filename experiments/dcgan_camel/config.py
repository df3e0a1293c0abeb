"""The book's GAN (experiment 4.1): a DCGAN-style generator and discriminator on drawings.

Foster (2019), ch. 4, Listings 4.1-4.5 (``models/GAN.py``): the discriminator is four
Conv2D layers (64, 64, 128, 128 filters, kernel 5, strides 2, 2, 2, 1) with ReLU and
Dropout(0.4) and a Dense(1) logit; the generator maps z ~ N(0, I_100) through Dense 3136,
BatchNorm(0.9), ReLU, a 7x7x64 reshape and four kernel-5 layers (128, 64, 64, 1 filters;
UpSampling2D before the first two, or stride-2 transposed convolutions with
``model.generator.upsampling="transposed"``) to a tanh image; RMSprop with learning rates
0.0008 (D) and 0.0004 (G), binary cross-entropy, batch 64, one D and one G update per
iteration.
Images are scaled to [-1, 1]. Deviation: the book's discriminator makes two optimiser steps
per iteration (real batch, then fake batch); here it makes one on the sum of both losses.

Data: ``full`` trains on the book's camels, TFDS ``quickdraw_bitmap`` restricted to the
class ``"camel"`` (``config.data.classes``, passed to ``load_source(..., classes=...)``; the
labels are scanned once, which decodes all 50M drawings, and then cached under the data
directory). Deviation: the book caps the camel set at 80,000 drawings; here all of
TFDS's camels are used. ``demo`` and ``tiny`` use the embedded 8x8 digits upsampled to
28x28 (``data.classes`` empty: every digit), with the networks' widths divided by 8 (demo) or
16 (tiny) to fit a laptop CPU.

Evaluation: after training, as many fresh samples as there are reference images are scored
(``record_sample_quality``: the digits network's Fréchet distance, KID, precision/recall;
``gen-jax eval WORKDIR`` recomputes them) against ``data.reference_split``: the digits' test
split, and for ``full`` the last 10% of the camels' train split (``"train[90%:]"``), because
Quick Draw has no test split: that reference overlaps the training camels, so the scores
measure fit to the training data, not generalisation. The book's novelty check
(Fig. 4.10) then shows ``eval.novelty_samples`` samples beside their
``eval.novelty_neighbours``
nearest training images by mean absolute pixel difference (``metric="l1"``) and adds the
``novelty/...`` ratios to the final metrics.

Command:
    gen-jax run dcgan_camel           # the demo variant
    gen-jax run dcgan_camel:full --workdir runs/dcgan_camel_full

Variants (wall time of the whole command on a 2-core CPU shared with other jobs):
    tiny: 4 steps at 1/16 width; about 70 s under load, mostly compilation (tests).
    demo: 300 steps of batch 64 at 1/8 width, embedded digits; about 100 s (6.7 steps/s).
    full: 6,000 steps (the repository's EPOCHS) at full width on Quick Draw camels (not run
        here: no TFDS data on this machine).

Expected result (measured, demo, seed 0): after a phase where the discriminator wins (both
accuracies near 1 around step 130), the game settles: at step 300 the discriminator loss is
1.397 (0.728 real, 0.668 fake), accuracies 0.35 real and 0.62 fake, generator loss 0.736;
the 5x5 sample grids turn from noise into digit-like strokes, blurry at this length.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = True
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"dcgan_camel has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(
        generator=dict(
            initial_shape=(7, 7, 64),
            filters=(128, 64, 64, 1),
            upsample=(2, 2, 1, 1),
            upsampling="nearest",
        ),
        discriminator=dict(filters=(64, 64, 128, 128), strides=(2, 2, 2, 1), dropout_rate=0.4),
    )
    config.loss = dict(latent_dim=100)  # make_gan_step's noise size
    config.optim = dict(discriminator_learning_rate=0.0008, generator_learning_rate=0.0004)
    # classes: keep only these classes (empty: all); reference_split: what samples are
    # scored against.
    config.data = dict(
        dataset="digits", data_dir="", classes=(), batch_size=64, reference_split="test"
    )
    config.run = dict(
        seed=0,
        num_steps=300,
        log_every=20,
        sample_every=100,
        checkpoint_every=300,
        keep_checkpoints=1,
    )
    config.eval = dict(num_samples=25, novelty_samples=10, novelty_neighbours=4, score_samples=True)
    if variant in ("tiny", "demo"):
        divisor = 16 if variant == "tiny" else 8
        config.model.discriminator.filters = tuple(f // divisor for f in (64, 64, 128, 128))
        config.model.generator.initial_shape = (7, 7, 64 // divisor)
        config.model.generator.filters = (128 // divisor, 64 // divisor, 64 // divisor, 1)
    if variant == "tiny":
        config.data.batch_size = 16
        config.run.update(num_steps=4, log_every=2, sample_every=2, checkpoint_every=4)
        config.eval.update(
            num_samples=9, novelty_samples=3, novelty_neighbours=2, score_samples=False
        )
    elif variant == "full":
        config.data.update(
            dataset="quickdraw_bitmap", classes=("camel",), reference_split="train[90%:]"
        )
        config.run.update(num_steps=6000, log_every=50, sample_every=500, checkpoint_every=1000)
    return config
