"""MADE on binarised digits: Germain et al. (2015), order-agnostic training.

A one-hidden-layer MADE (ReLU) over the 64 binarised pixels of scikit-learn's 8x8 digits
(pixel > 0.5), trained by maximum likelihood with a new connectivity pattern and input
ordering drawn from ``model.num_masks`` fixed ones at every minibatch; evaluation reports the
exact test negative log-likelihood of one pattern and of the ensemble over all patterns.

Command:
    gen-jax run made_digits               # the demo variant
    gen-jax run made_digits:full --workdir runs/made_mnist   # needs MNIST in TFDS_DATA_DIR

Variants:
    tiny: 20 steps, 32 hidden units, 2 patterns; seconds (tests).
    demo: 8x8 digits, 500 hidden units, 8 patterns, Adam 1e-3, batch 100, 3,000 steps;
        well under a minute on a 2-core CPU.
    full: the paper's binarised MNIST setting (28x28, 500 hidden units, 32 patterns,
        batch 100), Adam instead of the paper's Adagrad, 100,000 steps; meant for a GPU.

Expected result (demo, measured: 45 s wall on a loaded 2-core CPU): the training NLL falls
from about 44 nats per image (0.99 bits/dim) to about 17.0 (0.38); the exact test NLL is
18.2 nats (0.41 bits/dim) for one pattern and 17.3 nats (0.39 bits/dim) for the
ensemble over the 8 patterns.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"made_digits has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(hidden_sizes=(500,), num_masks=8, ordering="random")
    config.optim = dict(learning_rate=1e-3)
    config.data = dict(
        dataset="digits", data_dir="", image_size=8, binarize_threshold=0.5, batch_size=100
    )
    config.run = dict(
        seed=0,
        num_steps=3000,
        log_every=50,
        sample_every=1000,
        checkpoint_every=1000,
        keep_checkpoints=2,
    )
    config.eval = dict(eval_examples=2000, num_samples=64, score_samples=True)
    if variant == "tiny":
        config.model.update(hidden_sizes=(32,), num_masks=2)
        config.data.batch_size = 32
        config.run.update(num_steps=20, log_every=5, sample_every=10, checkpoint_every=10)
        config.eval.update(num_samples=16, score_samples=False)
    elif variant == "full":
        config.data.update(dataset="mnist", image_size=28)
        config.model.num_masks = 32
        config.run.update(
            num_steps=100_000, log_every=500, sample_every=10_000, checkpoint_every=10_000
        )
        config.eval.eval_examples = 10_000
    return config
