r"""Inside-outside EM for PCFGs as an :class:`~gen_jax.algorithms.em.EMModel`.

E-step: the expected number of uses of every rule over a batch of sentences, from the
gradient of the inside pass (:func:`gen_jax.models.pcfg.chart.expected_rule_counts`). M-step:
relative frequencies of those counts per left-hand side,

.. math::
    P(A \to \beta) = \frac{c(A \to \beta) + \alpha}{\sum_\gamma c(A \to \gamma) + \alpha},

summed over the rules the grammar has (EM never creates a rule). With :math:`\alpha = 0`
this is Lari & Young's re-estimation and the likelihood never decreases; :math:`\alpha > 0`
(MAP under a symmetric Dirichlet) keeps every rule alive. A non-terminal that no parse of
the batch uses gets uniform probabilities over its rules (they do not affect the
likelihood). Helper symbols of binarised rules have one rule each and stay at 1.

``data`` is ``{"tokens": [N, L] int32, "lengths": [N] int32}`` (padded sentences); the
E-step is one ``grad`` of the weighted total log-likelihood, vmapped over sentences.

References:
    Lari & Young (1990), The estimation of stochastic context-free grammars using the
    inside-outside algorithm, Computer Speech and Language 4(1).
"""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp

from gen_jax.models.pcfg.chart import PCFGParams, expected_rule_counts
from gen_jax.models.pcfg.cnf import CompiledGrammar

KINDS = ("binary", "unary", "lexical")


@dataclasses.dataclass(frozen=True)
class PCFGInsideOutsideEM:
    """The EM model of a PCFG with fixed rules (see the module docstring).

    Attributes:
        grammar: the rule structure (:func:`gen_jax.models.pcfg.cnf.compile_rules`).
        pseudo_count: :math:`\\alpha \\ge 0` added to every existing rule's count.
    """

    grammar: CompiledGrammar
    pseudo_count: float = 0.0

    def __post_init__(self):
        if not (self.pseudo_count >= 0 and math.isfinite(self.pseudo_count)):
            raise ValueError(f"pseudo_count={self.pseudo_count!r}: must be finite and >= 0")

    def e_step(self, params: PCFGParams, data: dict, weights: jax.Array):
        """``({"binary", "unary", "lexical"} expected counts, log P(sentence) [N])``."""
        counts, log_likelihood = expected_rule_counts(
            params, data["tokens"], data["lengths"], weights, self.grammar.start
        )
        stats = {
            "binary": counts.log_binary,
            "unary": counts.log_unary,
            "lexical": counts.log_lexical,
        }
        return stats, log_likelihood

    def m_step(self, stats: dict) -> PCFGParams:
        """Per-left-hand-side relative frequencies of the smoothed counts."""
        masks = self.grammar.masks()
        counts = {k: jnp.where(masks[k], stats[k] + self.pseudo_count, 0) for k in KINDS}
        sizes = {k: jnp.asarray(masks[k].astype(stats[k].dtype)) for k in KINDS}
        total = sum(c.reshape(c.shape[0], -1).sum(1) for c in counts.values())
        rules = sum(s.reshape(s.shape[0], -1).sum(1) for s in sizes.values())
        unused = total <= 0
        safe_total = jnp.where(unused, jnp.maximum(rules, 1), total)

        def log_probs(kind):
            numerator = jnp.where(
                unused.reshape(-1, *[1] * (counts[kind].ndim - 1)), sizes[kind], counts[kind]
            )
            shape = (-1,) + (1,) * (numerator.ndim - 1)
            ratio = numerator / safe_total.reshape(shape)
            return jnp.where(ratio > 0, jnp.log(jnp.where(ratio > 0, ratio, 1)), -jnp.inf)

        return PCFGParams(
            log_binary=log_probs("binary"),
            log_unary=log_probs("unary"),
            log_lexical=log_probs("lexical"),
        )
