"""A 1-D GAN: fit N(-1, 1) from uniform noise and compare the discriminator with D*.

Goodfellow et al. (2014), §4 and Fig. 1: with known densities the optimal discriminator is
D*(x) = p_data(x) / (p_data(x) + p_g(x)) and the generator's objective at D* equals
2 JSD(p_data || p_g) - log 4 (checked exactly in ``tests/models/test_gan_1d.py``). Here a
small MLP generator maps z ~ U[-1, 1] to the line, a small MLP discriminator plays against
it with the non-saturating loss, and the report plots p_data, a kernel density estimate of
p_g, the trained D and D* computed from the two densities. The source gives no
architecture for this figure; the MLPs and Adam(1e-3, b1 = 0.5) are this project's.

Command:
    gen-jax run gan_1d                # the demo variant
    gen-jax run gan_1d:full --workdir runs/gan_1d_full

Variants (wall time of the whole command on a 2-core CPU shared with other jobs):
    tiny: 40 steps of batch 64; about 30 s, mostly start-up and compilation (tests).
    demo: 3,000 steps of batch 256; about 37 s.
    full: 20,000 steps of batch 256 (not run here).

Expected result (measured, demo, seed 0): the generated samples have mean -1.006 and
standard deviation 0.926 (target -1 and 1); the JSD between N(-1, 1) and a kernel density
estimate of the samples is 0.0106 nats, and V(D*, G) = -1.3651 equals 2 JSD - log 4 =
-1.3651 on the grid, while the trained discriminator reaches V = -1.3876 <= V(D*, G). The
trained D stays within 0.13 of D* where p_data > 0.05 and is close to 1/2 there.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"gan_1d has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(hidden_sizes=(32, 32))  # both players
    # make_gan_step's options: the generator loss, the noise size and its distribution.
    config.loss = dict(loss="nonsaturating", latent_dim=1, noise="uniform")
    config.optim = dict(learning_rate=1e-3, b1=0.5)  # Adam, both players
    config.data = dict(mean=-1.0, std=1.0, num_examples=50_000, batch_size=256)
    config.run = dict(
        seed=0,
        num_steps=3000,
        log_every=50,
        sample_every=1000,
        checkpoint_every=1000,
        keep_checkpoints=1,
    )
    config.eval = dict(num_generated=20_000)
    if variant == "tiny":
        config.data.update(num_examples=2000, batch_size=64)
        config.run.update(num_steps=40, log_every=10, sample_every=20, checkpoint_every=20)
        config.eval.num_generated = 2000
    elif variant == "full":
        config.run.update(num_steps=20_000, log_every=200, sample_every=5000, checkpoint_every=5000)
    return config
