"""Small adversarial autoencoder Steps for the Step contract."""

import numpy as np
import optax

from gen_jax.algorithms.aae import make_aae_step
from gen_jax.algorithms.aae_semi_supervised import make_semi_supervised_aae_step
from gen_jax.models.autoencoders.aae import code_discriminator, mlp_aae, mlp_semi_supervised_aae
from gen_jax.models.autoencoders.aae_priors import StandardGaussianPrior, circle_mixture

NUM_CLASSES = 10


def masked_labelled_image_batch(batch_size=16, size=8, seed=0):
    """Images, labels and a ``label_mask`` with every other example unlabelled."""
    rng = np.random.default_rng(seed)
    return {
        "image": rng.random((batch_size, size, size, 1), dtype=np.float32),
        "label": rng.integers(0, NUM_CLASSES, batch_size).astype(np.int32),
        "label_mask": np.arange(batch_size) % 2 == 0,
    }


def aae_step(conditioning="none", *, probabilistic=False, optimizers=None):
    """A tiny MLP AAE on 8x8 images with the 10-component circle prior.

    ``optimizers`` overrides the three phases' optimisers (reconstruction, discriminator,
    generator); Adam 1e-3 each by default.
    """
    if optimizers is None:
        optimizers = (optax.adam(1e-3), optax.adam(1e-3), optax.adam(1e-3))
    return make_aae_step(
        mlp_aae((8, 8, 1), 2, hidden_sizes=(16,), probabilistic=probabilistic),
        code_discriminator((8,)),
        circle_mixture(NUM_CLASSES),
        *optimizers,
        conditioning=conditioning,
        num_classes=NUM_CLASSES,
    )


def semi_supervised_aae_step(optimizers=None):
    """A tiny semi-supervised AAE: 2-D style, 10 classes, Gaussian style prior."""
    if optimizers is None:
        optimizers = tuple(optax.adam(1e-3) for _ in range(4))
    return make_semi_supervised_aae_step(
        mlp_semi_supervised_aae((8, 8, 1), 2, NUM_CLASSES, hidden_sizes=(16,)),
        code_discriminator((8,)),
        code_discriminator((8,)),
        StandardGaussianPrior(2),
        *optimizers,
        num_classes=NUM_CLASSES,
    )
