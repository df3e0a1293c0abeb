"""Model families: parameters, math, inference and Flax modules; no training loops.

One package per family: ``mixture``, ``hmm``, ``pcfg``, ``lda``, ``bayesnet``,
``boltzmann`` (classical, with their EM statistics and exact inference), and
``autoencoders``, ``gans``, ``autoregressive``, ``sequence`` (recurrent text models),
``transformers`` (Flax Linen modules). ``layers`` holds
building blocks shared by families, ``classifiers`` the book's chapter-2 image classifiers.
Training updates are in :mod:`gen_jax.algorithms`, estimators in :mod:`gen_jax.estimators`.
"""

from gen_jax.models import (
    autoencoders,
    autoregressive,
    bayesnet,
    boltzmann,
    classifiers,
    gans,
    hmm,
    layers,
    lda,
    mixture,
    pcfg,
    sequence,
    transformers,
)

__all__ = [
    "autoencoders",
    "autoregressive",
    "bayesnet",
    "boltzmann",
    "classifiers",
    "gans",
    "hmm",
    "layers",
    "lda",
    "mixture",
    "pcfg",
    "sequence",
    "transformers",
]
