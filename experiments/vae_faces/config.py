"""The book's face VAE with its latent analysis: Foster (2019), experiment 3.3.

Encoder: four blocks Conv2D (32, 64, 64, 64 filters, kernel 3, stride 2, "same") ->
BatchNorm (momentum 0.99, epsilon 1e-3) -> LeakyReLU(0.3) -> Dropout(0.25), Flatten, Dense
heads ``mu`` and ``log_var`` with ``z_dim = 200``; decoder Dense 4096, reshape 8x8x64,
Conv2DTranspose 64, 64, 32 (stride 2, each with BatchNorm, LeakyReLU and Dropout) and a
last Conv2DTranspose to 3 channels, sigmoid. Loss ``10,000 * per-image MSE + KL``
(``r_loss_factor``); Adam 5e-4; batch 32; five epochs ("after five epochs the VAE should
be ready"). Trained with ``make_normalised_vae_step`` (BatchNorm statistics in the state,
Dropout keyed by the step). The analysis is the book's figures 3.18-3.22: reconstructions,
histograms of the first 50 latent marginals against N(0, 1), 30 faces from N(0, I), latent
arithmetic with attribute vectors (mean code with the attribute minus mean code without,
unit length, added with weights -4..4; ``config.eval.attributes = ()`` draws one for every
attribute in the data, all 40 for CelebA) and morphing between two inputs. Codes are the
encoder means ``mu`` (the book's notebook uses sampled ``z``; ``mu`` is deterministic).

Data: ``full`` reads CelebA through TFDS (train split, 162,770 images; attribute vectors
from the whole validation split, 19,867 images with 40 attributes, rather than the notebook's
running means that stop early); images are centre-cropped
to a square before the resize to 128x128, whereas the book squashes the 178x218 images.
``tiny`` and ``demo`` use scikit-learn's digits, upsampled and replicated to three
channels; their one attribute, ``Thick_stroke``, is computed from the data: an image's mean
ink is above the median of its split.

Sample quality: as many prior samples as reference images are scored by
``record_sample_quality`` (``gen-jax eval WORKDIR`` recomputes them) against the test split
(``full``: its first ``eval.reference_examples``, 10,000 faces). The faces are RGB, so FID, KID
etc. need InceptionV3 (``config.eval.inception_weights``, the path of pytorch-fid's weights, or
``$GEN_JAX_INCEPTION_WEIGHTS``). For the digits of ``tiny`` and ``demo`` (grey replicated
to RGB, in [0, 1]) the samples' channel mean is scored against the grey test digits by the
bundled digits network.

Command:
    gen-jax run vae_faces                 # the demo variant (digits)
    gen-jax run vae_faces:full --workdir runs/vae_faces   # needs celeb_a in TFDS_DATA_DIR

Variants:
    tiny: 4 steps on 16x16x3 digits with a two-block network and a 4-D code (tests).
    demo: digits at 32x32x3, filters 16, 32, 32, 32 / 32, 32, 16, a 16-D code,
        ``r_loss_factor`` 1,000 (the book's digits value: 10,000 leaves the KL term no
        weight on these small images), 800 steps.
    full: the book's faces network and loss on CelebA 128x128x3, 5 epochs (25,432 steps).

Expected result (demo, measured: 283 s wall for the 800 steps on a 2-core CPU shared with
seven other jobs, load average about 20; expect well under 2 minutes unloaded): the training
loss (1000 * MSE + KL, train-mode BatchNorm and Dropout) falls from 140 at step 50 to 33
(MSE 0.024, KL 9.4 nats); in inference mode the test loss is 22.4 (MSE 0.013, KL 9.1). The
test means average within 0.19 of the origin per dimension with spread 0.72, so the
marginal histograms sit close to N(0, 1); adding the unit ``Thick_stroke`` vector with
weights -4..4 thickens the strokes left to right (mean pixel intensity +0.155 from
alpha = -4 to +4), and the morphing row changes smoothly from one digit to another.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"vae_faces has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(
        latent_dim=16,
        encoder_filters=(16, 32, 32, 32),
        decoder_filters=(32, 32, 16),
        strides=(2, 2, 2, 2),
        batch_norm=True,
        dropout_rate=0.25,
    )
    config.loss = dict(reconstruction_weight=1000.0)
    config.optim = dict(learning_rate=5e-4, eps=1e-7)  # Keras' Adam epsilon
    config.data = dict(dataset="digits", data_dir="", image_size=32, batch_size=32)
    config.run = dict(
        seed=0,
        num_steps=800,
        log_every=50,
        sample_every=400,
        checkpoint_every=400,
        keep_checkpoints=2,
    )
    # inception_weights: pytorch-fid's InceptionV3 weights, for FID on RGB samples;
    # reference_examples: the test images scored against (0: the whole split).
    config.eval = dict(
        eval_examples=256,
        attribute_examples=360,
        attributes=("Thick_stroke",),
        attribute_weights=(-4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0),
        attribute_rows=4,
        num_prior_samples=30,
        morph_steps=10,
        inception_weights="",
        reference_examples=0,
        score_samples=True,
    )
    if variant == "tiny":
        config.data.update(image_size=16, batch_size=16)
        config.model.update(
            latent_dim=4, encoder_filters=(4, 8), decoder_filters=(8,), strides=(2, 2)
        )
        config.run.update(num_steps=4, log_every=2, sample_every=4, checkpoint_every=4)
        config.eval.update(
            eval_examples=32,
            attribute_examples=64,
            attribute_rows=2,
            num_prior_samples=10,
            morph_steps=4,
            score_samples=False,
        )
    elif variant == "full":
        config.data.update(dataset="celeb_a", image_size=128)
        config.model.update(
            latent_dim=200, encoder_filters=(32, 64, 64, 64), decoder_filters=(64, 64, 32)
        )
        config.loss.reconstruction_weight = 10_000.0
        config.run.update(
            num_steps=5 * 162_770 // 32,
            log_every=200,
            sample_every=2000,
            checkpoint_every=2000,
            keep_checkpoints=3,
        )
        # The book's figure 3.21 and the notebook's extra vectors; () draws all 40.
        config.eval.update(
            eval_examples=1000,
            attribute_examples=20_000,
            attributes=(
                "Smiling",
                "Blond_Hair",
                "Male",
                "Eyeglasses",
                "Attractive",
                "Mouth_Slightly_Open",
                "Wearing_Lipstick",
                "High_Cheekbones",
                "Young",
            ),  # fmt: skip
            attribute_rows=5,
            reference_examples=10_000,
        )
    return config
