"""Chapter 1 of Foster's book: the Wrodl outfits, naive Bayes on pixels, generative vs
discriminative.

Foster, Generative Deep Learning (2019), ch. 1, and the lectures' generative-discriminative
pair. Four parts:

1. The 50-outfit Wrodl table (4,032-cell sample space; ``gen_jax.data.outfits``): the full
   multinomial gives the example outfit 2/50 = 0.04 and its blue variant 0 (with additive
   smoothing 3/4082 and 1/4082); naive Bayes (23 parameters) gives 0.0054; ten new styles
   are sampled from naive Bayes.
2. "Planet Pixel": naive Bayes with one independent categorical per pixel (17 grey levels of
   the embedded 8x8 digits, our stand-in for the book's 32x32 palettised avatars) samples
   noisy images that look alike and like no digit: pixels are not independent.
3. The four-point example {(0,0), (0,0), (1,0), (1,1)}: the joint p(x, y) and the
   conditional p(y | x) tables.
4. Naive Bayes against logistic regression (Ng & Jordan 2002) on binarised digits for
   growing training sets (the lecture's small-data against large-data comparison).

Command:
    gen-jax run wrodl_fashion            # the demo variant
    gen-jax run wrodl_fashion:full --workdir runs/wrodl_fashion_full

Variants (2-core CPU, shared and loaded): tiny about 15 s (tests); demo 20 s; full (more
training sizes, 10 repeats) about a minute.

Expected result (measured, demo): full multinomial 0.04 and 0.0, smoothed 7.35e-4 and
2.45e-4; naive Bayes 0.005415; the pixel samples are noise-like blobs; the four-point joint
[[0.5, 0], [0.25, 0.25]] and p(y | x) [[1, 0], [0.5, 0.5]]. Test accuracy (mean of 3
subsets) with 20 training images: naive Bayes 0.48, logistic regression 0.56; with 1,000:
0.88 and 0.92. Logistic regression wins at both ends here: with two images per class the
smoothed Bernoulli naive Bayes is no better, so the source's small-data advantage of the
generative model does not show on these data.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"wrodl_fashion has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    # The learning curve's training-set sizes, with num_repeats random subsets per size.
    config.data = dict(train_sizes=(20, 50, 100, 300, 1000), num_repeats=3)
    # Additive smoothing of the full multinomial, smoothing of the per-pixel categoricals,
    # and scikit-learn LogisticRegression's inverse regularisation C.
    config.model = dict(smoothing=1.0, pixel_alpha=0.1, logistic_c=1.0)
    # num_steps: the number of learning-curve points; the launcher's generic step count.
    config.run = dict(seed=0, num_steps=5)
    # The book's ten new styles (Fig. 1.8) and ten per-pixel samples (Fig. 1.10).
    config.eval = dict(num_new_styles=10, num_pixel_samples=10)
    if variant == "tiny":
        config.data.update(train_sizes=(20, 200), num_repeats=1)
        config.run.num_steps = 2
    elif variant == "full":
        config.data.update(train_sizes=(10, 20, 50, 100, 200, 500, 1000, 1400), num_repeats=10)
        config.run.num_steps = len(config.data.train_sizes)
    return config
