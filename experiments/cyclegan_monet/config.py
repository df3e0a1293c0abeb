"""CycleGAN painting like Monet (experiment 5.2): Monet paintings <-> photos with the
ResNet-9 generator.

Foster (2019), ch. 5, Listings 5.7-5.8 (``models/cycleGAN.py``): two ResNet generators
(f = 32: c7s1-32, d64, d128, nine residual blocks with reflection padding, u64, u32,
c7s1-3; instance norm; N(0, 0.02); :class:`~gen_jax.models.translation.ResNetGenerator`)
and two PatchGAN discriminators (64 filters), 256x256x3 images in [-1, 1], weights
validity 1, cycle 10, identity 5, Adam(2e-4, beta_1 0.5), batch 1, the repository's buffer
of 50 fakes, a joint left-right flip of each training pair, no learning-rate decay
(``optim.decay_steps`` > 0 adds the paper's). Deviation: one discriminator update on the
mean of the real and fake losses instead of two ``train_on_batch`` calls.

Data: ``full`` reads TFDS ``cycle_gan/monet2photo`` (A = Monet, B = photos) from a prepared
``TFDS_DATA_DIR`` (or ``--config.data.dataset=folder --config.data.data_dir=DIR`` for the
release's folders). ``demo`` and ``tiny`` use the embedded pair with a known ideal
translation: 32x32 crops of matplotlib's photo (A) and other crops with red and blue
swapped (B), so the held-out error against the ideal map (swap the channels back) is a
number. Evaluation as in ``cyclegan_apples``, with a Fréchet distance of 8x8-pooled
pixels to the target domain in place of the digits network.

Command:
    gen-jax run cyclegan_monet             # the demo variant
    gen-jax run cyclegan_monet:full --workdir runs/cyclegan_monet_full

Variants (wall time of the whole command on a 2-core CPU shared with other jobs):
    tiny: 3 steps of batch 2 on 8x8 crops, width 2, one residual block (tests).
    demo: 300 steps of batch 8, ResNet width 8 with 3 residual blocks, PatchGAN width 8,
        32x32 crops; 47 s under load.
    full: the book's setting, 200 epochs of batch 1 over min(|trainA|, |trainB|) = 1,072
        pairs (214,400 steps; not run here: no TFDS data on this machine).

Expected result (measured, demo, seed 0): not yet a good translation. On the 256 held-out
crops the error against the ideal map is 0.458 (A -> B) and 0.502 (B -> A) mean absolute
difference in [-1, 1] units, *worse* than doing nothing (0.322 / 0.345, the photo's red
and blue are close); round trips 0.49 / 0.50; 8x8-pixel Fréchet distances to the target
domain 43.9 / 47.0. A longer run (``--config.run.num_steps=1000
--config.optim.learning_rate=0.0005``, 87 s) lowers the training cycle loss to 0.28 but
the held-out errors only to 0.435 / 0.450 (round trips 0.43 / 0.49): the held-out crops
come from another part of the photo, and this small ResNet does not yet generalise the
channel swap to it. The U-Net demo (``cyclegan_apples``) is the one that converges on
CPU.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"cyclegan_monet has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(
        generator=dict(filters=32, num_residual_blocks=9, channels=3),
        discriminator=dict(filters=64),
    )
    config.loss = dict(
        validity_weight=1.0, cycle_weight=10.0, identity_weight=5.0, pool="book", pool_size=50
    )
    config.optim = dict(learning_rate=2e-4, constant_steps=0, decay_steps=0)
    config.data = dict(
        dataset="cycle_gan/monet2photo",
        data_dir="",
        image_size=256,
        batch_size=1,
        flip=True,
        num_crops=256,
    )
    config.run = dict(
        seed=0,
        num_steps=214_400,
        log_every=100,
        sample_every=5_000,
        checkpoint_every=5_000,
        keep_checkpoints=2,
    )
    config.eval = dict(num_grid_images=8, max_held_out=1_000, identity_ablation=False)
    if variant in ("tiny", "demo"):
        config.model = dict(
            generator=dict(filters=8, num_residual_blocks=3, channels=3),
            discriminator=dict(filters=8),
        )
        config.data.update(dataset="photo_channel_swap", image_size=32, batch_size=8)
        config.run.update(num_steps=300, log_every=25, sample_every=100, checkpoint_every=300)
    if variant == "tiny":
        config.model = dict(
            generator=dict(filters=2, num_residual_blocks=1, channels=3),
            discriminator=dict(filters=2),
        )
        config.loss.pool_size = 4
        config.data.update(image_size=8, batch_size=2, num_crops=16)
        config.run.update(num_steps=3, log_every=1, sample_every=3, checkpoint_every=3)
        config.eval.update(num_grid_images=4, max_held_out=4)
    return config
