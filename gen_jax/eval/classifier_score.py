r"""The classifier score (Inception Score when the classifier is InceptionV3).

For a classifier :math:`p(y \mid x)` and generated samples :math:`x_1, \dots, x_N`,

.. math::
    \mathrm{IS} = \exp\Big(\frac1N \sum_n
        \mathrm{KL}\big(p(y \mid x_n) \,\|\, \hat p(y)\big)\Big),
    \qquad \hat p(y) = \frac1N \sum_n p(y \mid x_n).

It lies in ``[1, C]`` for ``C`` classes: high when each sample is classified confidently and
the samples spread over all classes.

Protocol (Salimans et al., 2016; Mimicry, TF-GAN): split the ``N`` samples, in their given
order, into ``num_splits = 10`` equal consecutive parts (50,000 samples for InceptionV3),
compute the score within each split (its own marginal :math:`\hat p(y)`), and report the
mean and standard deviation over splits. Softmax, logs and sums run in float64 on the host.
Report the classifier (InceptionV3, or a domain classifier such as
:func:`gen_jax.eval.digits_feature_network`), N and the number of splits.

References:
    Salimans et al. (2016), Improved Techniques for Training GANs, arXiv:1606.03498.
    Barratt & Sharma (2018), A Note on the Inception Score, arXiv:1801.01973.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import log_softmax, logsumexp

from gen_jax.eval._checks import feature_matrix


class ClassifierScore(NamedTuple):
    """The mean and standard deviation (``ddof=0``) of the per-split scores."""

    mean: float
    std: float


def classifier_score(logits, *, num_splits: int = 10) -> ClassifierScore:
    """The Inception-Score-style classifier score of the module docstring.

    Args:
        logits: ``[N, C]`` unnormalised class log-probabilities of the generated samples
            (log-probabilities work too: the softmax renormalises them).
        num_splits: how many consecutive splits to score separately, ``1 <= num_splits <= N``.

    Returns:
        ``ClassifierScore(mean, std)`` over the splits; each score is in ``[1, C]``.

    Raises:
        ValueError: naming the argument, on NaN/inf logits, a non-matrix, fewer samples than
            splits, or ``num_splits < 1``.
    """
    if not isinstance(num_splits, int) or num_splits < 1:
        raise ValueError(f"num_splits={num_splits!r}: must be a positive int (10 is standard)")
    log_probs = log_softmax(feature_matrix("logits", logits, min_samples=num_splits), axis=1)
    scores = []
    for part in np.array_split(log_probs, num_splits):
        log_marginal = logsumexp(part, axis=0) - np.log(part.shape[0])
        kl = np.sum(np.exp(part) * (part - log_marginal[None]), axis=1)
        scores.append(np.exp(kl.mean()))
    return ClassifierScore(mean=float(np.mean(scores)), std=float(np.std(scores)))
