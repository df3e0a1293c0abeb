"""A character-level HMM on Python's own help text: hidden states as letter classes, samples.

The survey's HMM (section III) as a generative model of text: a ``CategoricalHMM`` whose
observations are characters is fitted by Baum-Welch to Python's ``pydoc_data`` help topics
(embedded, no download) or to a text file of your own (``--config.data.text_path=FILE``), then
sampled. With a few states the hidden states learn the classic split into vowels,
consonants, spaces and punctuation (Cave & Neuwirth, 1980); samples are not English, but
they have English-like letter frequencies and word lengths.

Command:
    gen-jax run hmm_text               # the demo variant
    gen-jax run hmm_text:full --workdir runs/hmm_text_full --config.data.text_path=book.txt

Variants (wall time of the whole command on a shared 2-core CPU):
    tiny: 20,000 characters, 4 states, 5 iterations; about 12 s (tests).
    demo: 200,000 characters, 8 states, 50 iterations; about 30 s (the fit 16 s).
    full: the whole text, 16 states, 200 iterations; not measured yet.

Expected result (measured, demo, seed 0): after 50 Baum-Welch iterations (not yet
converged at tol 1e-2) the held-out log-likelihood is -2.654 nats per character against
-3.091 for a unigram model fitted to the same training text, so the hidden states carry
real structure; tiny: -3.096 against -3.109. The report shows a sample and each state's
most likely characters.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"hmm_text has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    # text_path None: Python's pydoc_data help topics; or the path of a UTF-8 text file.
    # num_characters 0: all of it. vocabulary_size: the most frequent characters; the rest
    # map to one symbol.
    config.data = dict(
        text_path=None,
        num_characters=200_000,
        lowercase=True,
        vocabulary_size=48,
        sequence_length=200,
        test_fraction=0.1,
    )
    # CategoricalHMM's hyperparameters: n_components hidden states; an emission pseudo-count
    # of 0.01 (emissionprob_prior = 1 + 0.01).
    config.model = dict(n_components=8, emissionprob_prior=1.0 + 0.01, tol=1e-2)
    config.run = dict(seed=0, num_steps=50)  # num_steps: Baum-Welch iterations (n_iter)
    config.eval = dict(num_generated=600)
    if variant == "tiny":
        config.data.num_characters = 20_000
        config.model.n_components = 4
        config.run.num_steps = 5
        config.eval.num_generated = 200
    elif variant == "full":
        config.data.num_characters = 0
        config.model.n_components = 16
        config.run.num_steps = 200
    return config
