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


def _split_scores(log_probs: np.ndarray, num_splits: int) -> ClassifierScore:
    """Mean and std of ``exp(mean KL(p(y|x) || p_split(y)))`` over consecutive splits;
    ``log_probs [N, C]`` may hold ``-inf`` for zero probabilities (their terms are 0)."""
    scores = []
    for part in np.array_split(log_probs, num_splits):
        log_marginal = logsumexp(part, axis=0) - np.log(part.shape[0])
        probs = np.exp(part)
        with np.errstate(invalid="ignore"):  # -inf - -inf for unused classes; masked next
            terms = np.where(probs > 0, probs * (part - log_marginal[None]), 0.0)
        scores.append(np.exp(terms.sum(axis=1).mean()))
    return ClassifierScore(mean=float(np.mean(scores)), std=float(np.std(scores)))


def _check_splits(num_splits) -> None:
    if not isinstance(num_splits, int) or num_splits < 1:
        raise ValueError(f"num_splits={num_splits!r}: must be a positive int (10 is standard)")


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
    _check_splits(num_splits)
    log_probs = log_softmax(feature_matrix("logits", logits, min_samples=num_splits), axis=1)
    return _split_scores(log_probs, num_splits)


def inception_score(logits=None, *, probabilities=None, num_splits: int = 10) -> ClassifierScore:
    """The Inception Score (Salimans et al., 2016) from InceptionV3's class outputs.

    Protocol: 50,000 generated samples, ``num_splits = 10`` consecutive splits, the 1008
    logits of FID's InceptionV3 ``fc`` layer *without* its bias
    (:meth:`~gen_jax.eval.InceptionFeatures.logits`, as the original code), softmax, and
    ``exp(E_x KL(p(y|x) || p(y)))`` per split; report mean +- std over splits. Scores from
    fewer samples are biased low and are comparable only at equal N.

    Args:
        logits: ``[N, C]`` class logits; give this or ``probabilities``.
        probabilities: ``[N, C]`` class probabilities (rows in ``[0, 1]`` summing to 1,
            zeros allowed).
        num_splits: the number of splits, ``1 <= num_splits <= N``.

    Returns:
        ``ClassifierScore(mean, std)``.

    Raises:
        ValueError: when both or neither input is given, a row of ``probabilities`` is
            negative or does not sum to 1, or as :func:`classifier_score`.
    """
    if (logits is None) == (probabilities is None):
        raise ValueError("pass exactly one of logits= or probabilities= to inception_score")
    if logits is not None:
        return classifier_score(logits, num_splits=num_splits)
    _check_splits(num_splits)
    probs = feature_matrix("probabilities", probabilities, min_samples=num_splits)
    if (probs < 0).any() or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError(
            "probabilities must be non-negative with rows summing to 1; pass logits= for "
            "unnormalised scores"
        )
    with np.errstate(divide="ignore"):
        log_probs = np.log(probs / probs.sum(axis=1, keepdims=True))
    return _split_scores(log_probs, num_splits)
