r"""EM for Bayesian-network CPTs with latent nodes and randomly missing cells.

Data are integer states ``values [N, V]`` with a boolean ``observed [N, V]`` mask (a latent
node is a column that is never observed). For example :math:`n` with observed cells
:math:`o_n`, the E-step needs the posterior of every family,
:math:`q_{nijk} = p(x_i = k, x_{\mathrm{pa}(i)} = j \mid o_n)`. All of them come from one
quantity: the log-probability of the observed cells,

.. math::
    \log p(o_n) = \log \sum_x \prod_i \theta_{i, x_{\mathrm{pa}(i)}, x_i}
                  \prod_i \lambda_{ni}(x_i),

with evidence indicators :math:`\lambda_{ni}` (one-hot at the observed state, all ones when
missing), computed by variable elimination, and its gradient
:math:`\partial \log p(o_n) / \partial \log\theta_{ijk} = q_{nijk}` (Darwiche 2003). So the
E-step is one ``jax.value_and_grad`` of :math:`\sum_n w_n \log p(o_n)`: the value gives the
per-example log-likelihoods, the gradient the summed expected counts
:math:`\bar N_{ijk} = \sum_n w_n q_{nijk}`. The M-step is the estimate of
:mod:`gen_jax.models.bayesnet.cpt` with those counts, so the Dirichlet/BDeu priors carry
over (MAP-EM); with ``prior="mle"`` the observed-data likelihood never decreases.

With complete data the E-step's counts equal :func:`~gen_jax.models.bayesnet.cpt.family_counts`
and EM converges in one iteration.

References:
    Lauritzen (1995), The EM algorithm for graphical association models with missing
    data, Computational Statistics & Data Analysis 19(2).
    Darwiche (2003), A differential approach to inference in Bayesian networks, JACM 50(3).
    Koller & Friedman (2009), Probabilistic Graphical Models, §19.2 (EM for Bayesian
    networks).
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp

from gen_jax.models.bayesnet.cpt import estimate_cpts
from gen_jax.models.bayesnet.structure import BayesNetStructure
from gen_jax.models.bayesnet.variable_elimination import log_evidence

__all__ = ["BayesNetEM", "random_log_cpts"]


@dataclasses.dataclass(frozen=True)
class BayesNetEM:
    """The :class:`~gen_jax.algorithms.em.EMModel` of a discrete Bayesian network.

    ``params`` is a list of log-CPTs (one per node); ``data`` is a dict with ``values``
    ``[N, V]`` integer states (any value where missing) and ``observed`` ``[N, V]`` bool.

    Attributes:
        structure: the network (static).
        alphas: per-node Dirichlet pseudo-counts for the M-step
            (:func:`~gen_jax.models.bayesnet.cpt.pseudo_counts`).
        heuristic: the elimination-order heuristic for the E-step's inference.
    """

    structure: BayesNetStructure
    alphas: tuple[float, ...]
    heuristic: str = "min_fill"

    def log_observed(self, params: list[jax.Array], data: dict) -> jax.Array:
        """``[N]`` log-probability of each example's observed cells."""
        structure = self.structure

        def one(values, observed):
            indicators = []
            for node, card in enumerate(structure.cardinalities):
                hit = jnp.arange(card, dtype=values.dtype) == values[node]
                indicators.append(
                    jnp.where(observed[node] & ~hit, -jnp.inf, 0.0).astype(params[0].dtype)
                )
            return log_evidence(structure, params, indicators, heuristic=self.heuristic)

        return jax.vmap(one)(data["values"], data["observed"])

    def e_step(self, params: list[jax.Array], data: dict, weights: jax.Array):
        """``(expected family counts [CPT shapes], log p(observed cells) [N])``."""
        weights = weights.astype(params[0].dtype)

        def total(log_cpts):
            log_likelihood = self.log_observed(log_cpts, data)
            weighted = jnp.where(weights > 0, weights * log_likelihood, 0)
            return jnp.sum(weighted), log_likelihood

        counts, log_likelihood = jax.grad(total, has_aux=True)(params)
        return counts, log_likelihood

    def m_step(self, stats: list[jax.Array]) -> list[jax.Array]:
        """Log-CPTs from the expected counts and the prior's pseudo-counts."""
        return estimate_cpts(stats, self.alphas)


@functools.partial(jax.jit, static_argnums=0, static_argnames="dtype")
def random_log_cpts(structure: BayesNetStructure, key: jax.Array, *, dtype=None) -> list[jax.Array]:
    """Log-CPTs with every row drawn from the flat Dirichlet (normalised exponentials), mixed
    half-and-half with the uniform row so no starting probability is near zero (EM's
    symmetry breaking)."""
    dtype = jnp.result_type(float) if dtype is None else dtype
    keys = jax.random.split(key, structure.num_nodes)
    log_cpts = []
    for node in range(structure.num_nodes):
        shape = structure.cpt_shape(node)
        draws = jax.random.exponential(keys[node], shape, dtype)
        rows = draws / jnp.sum(draws, axis=-1, keepdims=True)
        log_cpts.append(jnp.log(0.5 * rows + 0.5 / shape[-1]))
    return log_cpts
