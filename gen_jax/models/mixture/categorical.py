r"""Categorical (multinomial) mixtures as an EM model: densities, statistics, the M-step.

An example is a bag of tokens from an alphabet of ``V`` categories, given as counts
:math:`c \in \mathbb N^V` with total :math:`C = \sum_v c_v`:

.. math::
    p(c) = \sum_{k=1}^K \pi_k \operatorname{Mult}(c \mid C, p_k)
         = \sum_{k=1}^K \pi_k \frac{C!}{\prod_v c_v!} \prod_v p_{kv}^{c_v}.

A single token per example (``tokens [N]``) is the one-hot special case, :math:`p(x) =
\sum_k \pi_k p_{k x}`; the pure functions accept either form and compute tokens by
gathering rather than through a one-hot ``[N, V]`` matrix.

E-step, in log space: :math:`\log\gamma_{nk} = \log\pi_k + \sum_v c_{nv}\log p_{kv} -
\operatorname{logsumexp}_j(\cdot)`. M-step with pseudo-count :math:`\alpha`:

.. math::
    \pi_k = \frac{N_k}{N}, \qquad
    p_{kv} = \frac{\sum_n \gamma_{nk} c_{nv} + \alpha}{\sum_n \gamma_{nk} C_n + V\alpha},
    \qquad N_k = \sum_n \gamma_{nk}.

With :math:`\alpha = 0` and one token per example this is the survey's
:math:`p_{kv} = \sum_n \gamma_{nk} [x_n = v] / N_k`. The pseudo-count (Dirichlet smoothing,
the MAP estimate under a :math:`\mathrm{Dir}(1 + \alpha)` prior) keeps every probability
positive, so a token a component has not seen never makes an example impossible and a
component left without data stays finite (uniform). EM then increases the penalised
log-likelihood :math:`\sum_n \log p(c_n) + \alpha \sum_{kv} \log p_{kv}` monotonically;
the plain log-likelihood it reports is monotone up to terms of order :math:`\alpha`.

The multinomial coefficient :math:`\log(C! / \prod_v c_v!)` does not depend on the
parameters, so it changes neither the responsibilities nor the fit: with it (the default)
``score_samples`` is the log-pmf of the bag (it sums to one over all bags of size
:math:`C`); without it, the log-probability of one particular ordering of the tokens, the
convention of topic-model "document likelihoods". For one token per example it is 0.

References:
    Bishop (2006), Pattern Recognition and Machine Learning, §9.3.3 (mixtures of
    Bernoulli distributions; the categorical case is the same derivation).
    Nigam, McCallum, Thrun & Mitchell (2000), Text classification from labeled and
    unlabeled documents using EM, Machine Learning 39 (multinomial mixtures of documents,
    Laplace-smoothed M-step).
"""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp
from flax import struct
from jax.scipy.special import gammaln

_HIGHEST = jax.lax.Precision.HIGHEST  # f32 counts @ log-probs must not drop to TF32/bf16


@struct.dataclass
class CategoricalMixtureParams:
    """Mixture weights ``[K]`` and per-component log-probabilities ``log_probs [K, V]``."""

    weights: jax.Array
    log_probs: jax.Array


def _is_tokens(data: jax.Array) -> bool:
    if data.ndim == 1:
        if not jnp.issubdtype(data.dtype, jnp.integer):
            raise TypeError(f"tokens have dtype {data.dtype}; pass integer token ids [N]")
        return True
    if data.ndim != 2:
        raise ValueError(f"data has shape {data.shape}; pass tokens [N] or counts [N, V]")
    return False


def multinomial_log_coefficient(counts: jax.Array) -> jax.Array:
    r""":math:`\log C! - \sum_v \log c_v!` for each row of ``counts [N, V]``, as ``[N]``.

    :math:`\log 0! = \log 1! = 0` exactly (float32 ``gammaln(1)`` is ``4.8e-7``, which
    summed over a wide vocabulary would give one-hot rows a visibly non-zero coefficient).
    """
    log_factorial = lambda n: jnp.where(n > 1, gammaln(jnp.maximum(n, 1) + 1), 0)
    return log_factorial(jnp.sum(counts, axis=-1)) - jnp.sum(log_factorial(counts), axis=-1)


def component_log_likelihoods(
    params: CategoricalMixtureParams, data: jax.Array, *, include_multinomial_coefficient=True
) -> jax.Array:
    r""":math:`\log \operatorname{Mult}(c_n \mid C_n, p_k)` as ``[N, K]``.

    Args:
        params: the mixture.
        data: integer tokens ``[N]`` or counts ``[N, V]`` (any numeric dtype).
        include_multinomial_coefficient: add :math:`\log(C_n! / \prod_v c_{nv}!)` (counts).
    """
    if _is_tokens(data):
        return params.log_probs.T[data]
    counts = data.astype(params.log_probs.dtype)
    log_likelihoods = jnp.matmul(counts, params.log_probs.T, precision=_HIGHEST)
    if include_multinomial_coefficient:
        log_likelihoods = log_likelihoods + multinomial_log_coefficient(counts)[:, None]
    return log_likelihoods


def log_joint(
    params: CategoricalMixtureParams, data: jax.Array, *, include_multinomial_coefficient=True
) -> jax.Array:
    r""":math:`\log\pi_k + \log \operatorname{Mult}(c_n \mid C_n, p_k)`, ``[N, K]``."""
    return jnp.log(params.weights) + component_log_likelihoods(
        params, data, include_multinomial_coefficient=include_multinomial_coefficient
    )


@dataclasses.dataclass(frozen=True)
class CategoricalMixtureEM:
    """The :class:`~gen_jax.algorithms.em.EMModel` of a categorical (multinomial) mixture.

    ``data`` is counts ``[N, V]`` (a bag of tokens per example) or, equivalently to their
    one-hot counts, integer tokens ``[N]`` in ``[0, V)``.

    Attributes:
        num_categories: ``V``, the size of the alphabet.
        pseudo_count: :math:`\\alpha > 0` added to every count in the M-step (Dirichlet
            smoothing) so that no probability is ever 0; see the module docstring.
        include_multinomial_coefficient: include :math:`\\log(C!/\\prod_v c_v!)` in the
            per-example log-likelihood (a constant per example: the fit is unchanged).
    """

    num_categories: int
    pseudo_count: float = 1e-3
    include_multinomial_coefficient: bool = True

    def __post_init__(self):
        if not isinstance(self.num_categories, int) or self.num_categories < 1:
            raise ValueError(f"num_categories={self.num_categories!r}: must be an int >= 1")
        if not (self.pseudo_count > 0 and math.isfinite(self.pseudo_count)):
            raise ValueError(
                f"pseudo_count={self.pseudo_count!r}: must be positive and finite (it keeps "
                "every probability above 0); use a small value such as 1e-3 for near-MLE fits"
            )

    def statistics(self, data: jax.Array, responsibilities: jax.Array, weights: jax.Array):
        """``count [K]`` and ``token_count [K, V]`` summed over examples."""
        weighted = responsibilities * weights[:, None]
        if _is_tokens(data):
            token_count = jax.ops.segment_sum(weighted, data, self.num_categories).T
        else:
            counts = data.astype(weighted.dtype)
            token_count = jnp.matmul(weighted.T, counts, precision=_HIGHEST)
        return {"count": jnp.sum(weighted, axis=0), "token_count": token_count}

    def e_step(self, params: CategoricalMixtureParams, data: jax.Array, weights: jax.Array):
        """``(summed statistics, log p(c_n) [N])`` under ``params``."""
        joint = log_joint(
            params, data, include_multinomial_coefficient=self.include_multinomial_coefficient
        )
        log_likelihood = jax.nn.logsumexp(joint, axis=1)
        responsibilities = jnp.exp(joint - log_likelihood[:, None])
        return self.statistics(data, responsibilities, weights.astype(joint.dtype)), log_likelihood

    def m_step(self, stats: dict) -> CategoricalMixtureParams:
        """The smoothed maximiser; a component without data becomes uniform, weight ~0."""
        count = stats["count"]
        count = count + 10 * jnp.finfo(count.dtype).eps
        smoothed = stats["token_count"] + self.pseudo_count
        log_probs = jnp.log(smoothed) - jnp.log(jnp.sum(smoothed, axis=1, keepdims=True))
        return CategoricalMixtureParams(weights=count / jnp.sum(count), log_probs=log_probs)

    def log_prior(self, params: CategoricalMixtureParams) -> jax.Array:
        """:math:`\\alpha \\sum_{kv} \\log p_{kv}`: what the smoothing adds to the objective."""
        return self.pseudo_count * jnp.sum(params.log_probs)


# -- the estimator ---------------------------------------------------------------------------
