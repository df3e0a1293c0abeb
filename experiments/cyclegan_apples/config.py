"""The book's first CycleGAN (experiment 5.1): apples <-> oranges with a U-Net generator.

Foster (2019), ch. 5, Listings 5.1-5.6 (``models/cycleGAN.py``): two U-Net generators (f =
32, nearest upsampling, Glorot init; :class:`~gen_jax.models.translation.UNetGenerator`)
and two PatchGAN discriminators (32 filters, N(0, 0.02)), 128x128x3 images in [-1, 1],
least-squares validity, L1 cycle and identity terms weighted 1 / 10 / 2, Adam(2e-4,
beta_1 0.5) for everything, batch 1, the repository's buffer of 50 fakes
(``loss.pool="book"``; ``"paper"`` is junyanz's swap-with-probability-1/2 pool), a joint
left-right flip of each training pair, no learning-rate decay (``optim.decay_steps`` > 0
adds the paper's linear decay after ``optim.constant_steps``). Deviation: one discriminator
update on the mean of the real and fake losses instead of two ``train_on_batch`` calls.

Data: ``full`` reads TFDS ``cycle_gan/apple2orange`` (trainA/trainB, testA/testB) from a
prepared ``TFDS_DATA_DIR``; ``--config.data.dataset=folder --config.data.data_dir=DIR``
reads the release's unpacked folders instead. ``demo`` and ``tiny`` use the embedded pair
with a known ideal translation: scikit-learn's digits (A) and *other* digits inverted (B),
32x32x1, so quality is a number: the held-out error against the ideal map ``x -> -x``.
Digits are not flipped (a mirrored digit is not a digit).

Evaluation on held-out pairs (the digits' test split, or testA/testB): the mean absolute
error (pixels in [-1, 1]) of each direction against the ideal map (and, for scale, the
error of doing nothing), the round-trip (cycle) errors, the identity changes, the bundled
digits classifier's accuracy on B -> A translations and on inverted A -> B translations
(against the source digit's label), and digits-network Fréchet distances; for photos, a
Fréchet distance of 8x8-pooled pixels to the target domain. With
``eval.identity_ablation`` a second model is trained with identity weight 0 (into
``WORKDIR/identity_weight_0``) and scored the same way (the book's Fig. 5.9).

Command:
    gen-jax run cyclegan_apples            # the demo variant
    gen-jax run cyclegan_apples:full --workdir runs/cyclegan_apples_full

Variants (wall time of the whole command on a 2-core CPU shared with other jobs):
    tiny: 3 steps of batch 2, U-Net width 2; a few seconds after compilation (tests).
    demo: 600 steps of batch 8, U-Net and PatchGAN width 8, embedded digits at 32x32, then
        the identity-weight-0 ablation of the same length: 1 min 43 s for both under load
        (about 16 steps/s each).
    full: the book's setting, 200 epochs of batch 1 over min(|trainA|, |trainB|) = 995
        pairs (199,000 steps; not run here: no TFDS data on this machine).

Expected result (measured, demo, seed 0): on the 358 held-out pairs the translation error
against the ideal map ``x -> -x`` is 0.085 (A -> B) and 0.087 (B -> A) mean absolute
difference in [-1, 1] units, against 1.36 for doing nothing; round trips 0.096 / 0.096;
identity changes 0.18 / 0.20. The digits classifier reads 91.1% of B -> A translations and
93.9% of (re-inverted) A -> B translations as the source digit (96.1% on real test digits);
digits-network Fréchet distance of B -> A translations to real A is 1.26 (real B
re-inverted: 1.23). Identity-loss ablation (weight 0 against the book's 2, same run
otherwise): ideal errors 0.076 / 0.079, round trips 0.087 / 0.087, but identity changes
0.91 / 0.98: without the term each generator inverts whatever it is given, an image already
in its target domain included (the book's Fig. 5.9 effect).
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = True
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"cyclegan_apples has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(generator=dict(filters=32, channels=3), discriminator=dict(filters=32))
    config.loss = dict(
        validity_weight=1.0, cycle_weight=10.0, identity_weight=2.0, pool="book", pool_size=50
    )
    config.optim = dict(learning_rate=2e-4, constant_steps=0, decay_steps=0)
    config.data = dict(
        dataset="cycle_gan/apple2orange", data_dir="", image_size=128, batch_size=1, flip=True
    )
    config.run = dict(
        seed=0,
        num_steps=199_000,
        log_every=100,
        sample_every=5_000,
        checkpoint_every=5_000,
        keep_checkpoints=2,
    )
    config.eval = dict(num_grid_images=8, max_held_out=1_000, identity_ablation=False)
    if variant in ("tiny", "demo"):
        config.model = dict(generator=dict(filters=8, channels=1), discriminator=dict(filters=8))
        config.data.update(dataset="digits_inverted", image_size=32, batch_size=8, flip=False)
        config.run.update(num_steps=600, log_every=25, sample_every=200, checkpoint_every=600)
        config.eval.identity_ablation = True
    if variant == "tiny":
        config.model = dict(generator=dict(filters=2, channels=1), discriminator=dict(filters=2))
        config.loss.pool_size = 4
        config.data.update(image_size=16, batch_size=2)
        config.run.update(num_steps=3, log_every=1, sample_every=3, checkpoint_every=3)
        config.eval.update(num_grid_images=4, max_held_out=4, identity_ablation=False)
    return config
