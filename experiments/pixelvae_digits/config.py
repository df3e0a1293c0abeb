"""PixelVAE on binarised digits: a Gaussian code and a gated PixelCNN decoder p(x | z).

An MLP encoder q(z | x) and a weak (2-layer) gated PixelCNN decoder whose gates all see a
learned spatial map of z (Gulrajani et al., 2017, arXiv:1611.05013; van den Oord et al.,
2016b, arXiv:1606.05328), trained on the ELBO with the decoder's exact autoregressive
log-likelihood, on scikit-learn's 8x8 digits binarised at 0.5. Reported: the ELBO, its KL
term (posterior collapse drives it to 0; ``loss.free_bits`` counters that), and the
importance-weighted NLL on the test split, in nats and bits/dim, next to the plain
class-conditional PixelCNN of ``pixelcnn_digits``. Samples draw z from the prior and then
the pixels with the jitted scan sampler; reconstructions decode the posterior mean.
At the end, as many samples as test images (1,000 at a time) are scored against the
binarised test split by ``record_sample_quality``, as in ``pixelcnn_digits`` (the bundled
digits network; ``gen-jax eval WORKDIR`` recomputes them).

Command:
    gen-jax run pixelvae_digits               # the demo variant
    gen-jax run pixelvae_digits:full --workdir runs/pixelvae_mnist   # needs MNIST

Variants:
    tiny: 1 gated layer of 4 channels, 2-d code, 6 steps; seconds (tests).
    demo: 8x8 digits, 8-d code, encoder 256, 2 gated layers of 32 channels, free bits
        0.25 nats per dimension, Adam 2e-3, batch 64, 600 steps; test ELBO and IWAE (100
        samples) on 500 test images at steps 300 and 600. Measured 6 min 47 s (5 min 17 s
        of training) on a 2-core CPU shared with other jobs (load average about 18); a
        fraction of that on an idle machine.
    full: binarised MNIST 28x28, 32-d code, 4 gated layers of 64 channels, 50,000 steps,
        IWAE with 1,000 samples on the 10,000 test images; meant for a GPU (not run).

Expected result (demo, measured): the training ELBO rises from -29.0 nats per image (first
50 steps) to -16.3 (0.37 bits/dim). On the test images the ELBO is -17.8 nats (0.40
bits/dim) and the importance-weighted NLL 16.7 nats (0.38 bits/dim; 17.3 at step 300),
with a KL term of 3.1 nats: the code is used (above the 8 x 0.25 = 2 nat free-bits floor)
and the reconstructions keep the digit's shape. With ``--config.loss.free_bits=0`` the KL starts
near collapse (0.5 nats over the first 50 steps), recovers to 2.3 nats and the test NLL is
16.8 nats: with this weak 2-layer decoder free bits mainly keep the code informative early.
For comparison on the same data: the class-conditional gated PixelCNN of
``pixelcnn_digits`` (4 layers of 32, labels given) reaches 15.3 nats (0.34 bits/dim), MADE
17.3 (``made_digits``).
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"pixelvae_digits has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(
        latent_dim=8,
        encoder_hidden_sizes=(256,),
        features=32,
        num_layers=2,
        kernel_size=3,
        conditioning="spatial",
        condition_channels=4,
    )
    config.loss = dict(beta=1.0, free_bits=0.25)
    config.optim = dict(learning_rate=2e-3)
    config.data = dict(
        dataset="digits", data_dir="", image_size=8, binarize_threshold=0.5, batch_size=64
    )
    # sample_every: the cadence of the evaluation, samples and reconstructions.
    config.run = dict(
        seed=0,
        num_steps=600,
        log_every=50,
        sample_every=300,
        checkpoint_every=300,
        keep_checkpoints=2,
    )
    config.eval = dict(
        eval_examples=500, iwae_samples=100, iwae_chunk_size=50, num_samples=32, score_samples=True
    )
    if variant == "tiny":
        config.model.update(latent_dim=2, encoder_hidden_sizes=(16,), features=4, num_layers=1)
        config.data.batch_size = 16
        config.run.update(num_steps=6, log_every=3, sample_every=6, checkpoint_every=6)
        config.eval.update(
            eval_examples=16, iwae_samples=4, iwae_chunk_size=4, num_samples=8, score_samples=False
        )
    elif variant == "full":
        config.data.update(dataset="mnist", image_size=28)
        config.model.update(
            latent_dim=32,
            encoder_hidden_sizes=(512, 256),
            features=64,
            num_layers=4,
            condition_channels=8,
        )
        config.optim.learning_rate = 1e-3
        config.run.update(
            num_steps=50_000, log_every=500, sample_every=10_000, checkpoint_every=10_000
        )
        config.eval.update(
            eval_examples=10_000, iwae_samples=1000, iwae_chunk_size=100, num_samples=64
        )
    return config
