"""Small CycleGAN Steps for the Step contract: U-Net with the book's pool, ResNet with the
paper's pool and the learning-rate decay."""

import numpy as np

from gen_jax.algorithms.cyclegan import cyclegan_adam, make_cyclegan_step
from gen_jax.models.translation import PatchDiscriminator, ResNetGenerator, UNetGenerator


def unpaired_image_batch(size=16, batch_size=8, channels=3):
    """``{"image_a", "image_b"}``: two unrelated batches in [-1, 1]."""
    rng = np.random.default_rng(0)
    shape = (batch_size, size, size, channels)
    return {
        "image_a": rng.uniform(-1.0, 1.0, shape).astype(np.float32),
        "image_b": rng.uniform(-1.0, 1.0, shape).astype(np.float32),
    }


# The convolution biases before instance norm have a zero gradient up to round-off, which
# Adam's default epsilon would blow up to +-learning_rate in a device-dependent direction;
# a larger epsilon keeps those updates at round-off size, and the ResNet case's smaller
# loss weights keep that round-off (in Adam's moments) under the contract's atol 1e-6.
EPSILON = 1e-2


def cyclegan_step(generator="unet"):
    """Width-2 networks; ``"unet"`` (16x16x3): the book's pool of 10; ``"resnet"`` (8x8x3):
    one residual block, the paper's pool of 4 (swaps from the first step on), a decaying
    rate and loss weights (1, 1, 0.5)."""
    if generator == "unet":
        return make_cyclegan_step(
            UNetGenerator(filters=2),
            PatchDiscriminator(filters=2),
            cyclegan_adam(eps=EPSILON),
            cyclegan_adam(eps=EPSILON),
            identity_weight=2.0,
            pool="book",
            pool_size=10,
        )
    return make_cyclegan_step(
        ResNetGenerator(filters=2, num_residual_blocks=1),
        PatchDiscriminator(filters=2),
        cyclegan_adam(constant_steps=1, decay_steps=4, eps=EPSILON),
        cyclegan_adam(constant_steps=1, decay_steps=4, eps=EPSILON),
        cycle_weight=1.0,
        identity_weight=0.5,
        pool="paper",
        pool_size=4,
    )
