"""Gaussian mixture on three 2-D clusters: the survey's soft-clustering example (Fig. 2).

Namiot and Ilyushin, "Generative models in machine learning", section II: a mixture of
K = 3 Gaussians fitted by EM assigns each point to the cluster of largest posterior
probability, and for an arbitrary point (red in the source's Fig. 2) gives the probability
of belonging to each of the three clusters. The source has no data set for the figure, so the
data are ``gaussian_mixture_2d``'s three differently shaped, unequally weighted clusters.

Command:
    gen-jax run gmm_toy               # the demo variant
    gen-jax run gmm_toy:full --workdir runs/gmm_toy_full

Variants (wall time of the whole command on a 2-core CPU, of which the fit, JIT compilation
included, is 3 to 5 s; the rest is start-up, plotting and the checkpoint):
    tiny: 300 points, 2 restarts; about 15 s (tests).
    demo: 3,000 points (1,000 held out), 4 restarts; 15 to 17 s.
    full: the same as demo with 30,000 points (10,000 held out) and 10 restarts; about 16 s.

Expected result (measured): EM recovers the three clusters. demo: the mean log-likelihood
climbs from -3.47 to -2.9315 in 10 iterations from k-means++ centres (converged), the
held-out score is -2.915 per point (the true density scores -2.913 on the same points), BIC
17,725, AIC 17,623, and the adjusted Rand index against the true labels is 0.998. The red
star is the training point with the least certain cluster, on the edge between two
clusters: P(k | x) = 0.509, 0.491, 0.000. Samples from the fit fall on the data. tiny:
lower bound -2.827 in 3 iterations, held-out -2.906 (true density -2.902), ARI 1.0. full:
lower bound -2.9330 in 3 iterations, held-out -2.9351 (true density -2.9348), ARI 0.998.
In float32 the last EM iteration can lower the log-likelihood by about 1e-6 (rounding;
under jax_enable_x64 it never decreases).
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = True
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"gmm_toy has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    # k-means++ centres without Lloyd iterations leave EM a few iterations of work, so the
    # log-likelihood curve shows it climbing; "kmeans" (scikit-learn's default) converges
    # in two iterations on these clusters.
    config.model = dict(
        n_components=3,
        covariance_type="full",
        n_init=4,
        init_params="k-means++",
        tol=1e-5,
        reg_covar=1e-6,
    )
    config.data = dict(dataset="gaussian_mixture_2d", num_samples=3000, num_test_samples=1000)
    # num_steps: the most EM iterations per restart (GaussianMixture's max_iter).
    config.run = dict(seed=0, num_steps=200)
    # query_point None: highlight the training point whose cluster is least certain (largest
    # entropy of its responsibilities); or an (x, y) pair.
    config.eval = dict(num_generated=500, query_point=None)
    if variant == "tiny":
        config.data.update(num_samples=300, num_test_samples=200)
        config.model.n_init = 2
        config.eval.num_generated = 200
    elif variant == "full":
        config.data.update(num_samples=30_000, num_test_samples=10_000)
        config.model.n_init = 10
    return config
