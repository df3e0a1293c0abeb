"""RBM on binarised handwritten digits: filters, long-chain samples, AIS log-likelihood.

A Bernoulli RBM trained by persistent contrastive divergence (Tieleman, 2008) on
scikit-learn's 8x8 digits, binarised at half intensity (64 visible units). After training,
annealed importance sampling (Salakhutdinov & Murray, 2008) estimates log Z, so the
train and test log-likelihoods are reported in nats per image; the report shows the
hidden units' filters as images and samples from long Gibbs chains.

Command:
    gen-jax run rbm_digits            # the demo variant
    gen-jax run rbm_digits:full --workdir runs/rbm_digits

Variants:
    tiny: a few PCD steps with 16 hidden units, a short AIS run; seconds (tests).
    demo: 64 hidden units, PCD-1, SGD 0.05, batch 16, 3,000 steps; AIS with 100 chains
        and 10,000 temperatures; well under 2 minutes on a 2-core CPU.
    full: 256 hidden units (scikit-learn's default), 20,000 steps, AIS with 20,000
        temperatures.

Expected result (demo, measured: about 20 s on a loaded 2-core CPU): the mean data free
energy goes from -44 (64 hidden units at zero weights: -64 log 2) to about -60; AIS (effective
sample size about 99 of 100 chains) gives log Z of about 81, a train log-likelihood of about
-19.3 and a test log-likelihood of about -19.5 nats per image (a uniform model: -44.4); the
exact test pseudo-log-likelihood is about -15.8. The filters are stroke-like blobs;
samples after 1,000 Gibbs sweeps look like digit strokes, chains often sharing a mode.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"rbm_digits has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(num_hidden=64)
    config.loss = dict(num_gibbs_steps=1, persistent=True)  # PCD-1
    config.optim = dict(learning_rate=0.05)  # plain SGD
    config.data = dict(binarize_threshold=0.5, batch_size=16)
    config.run = dict(
        seed=0,
        num_steps=3000,
        log_every=100,
        sample_every=1000,
        checkpoint_every=1000,
        keep_checkpoints=2,
    )
    config.eval = dict(
        num_samples=64,
        sample_gibbs_steps=1000,
        ais_chains=100,
        ais_betas=10_000,
        score_samples=True,
    )
    if variant == "tiny":
        config.model.num_hidden = 16
        config.run.update(num_steps=6, log_every=2, sample_every=3, checkpoint_every=3)
        config.eval.update(
            num_samples=16, sample_gibbs_steps=10, ais_chains=10, ais_betas=100, score_samples=False
        )
    elif variant == "full":
        config.model.num_hidden = 256
        config.run.update(num_steps=20_000, log_every=500, sample_every=5000, checkpoint_every=5000)
        config.eval.ais_betas = 20_000
    return config
