r"""Conditional probability tables: counting, MLE and Bayesian (Dirichlet/BDeu/K2) estimates,
the log-likelihood of complete data, and ancestral sampling.

With :math:`N_{ijk}` the (weighted) number of examples where node :math:`i` is in state
:math:`k` and its parents in configuration :math:`j`, and :math:`\alpha_{ijk}` Dirichlet
pseudo-counts, the posterior-mean estimate is

.. math::
    \hat\theta_{ijk} = \frac{N_{ijk} + \alpha_{ijk}}{N_{ij} + \alpha_{ij}}, \qquad
    N_{ij} = \sum_k N_{ijk},\ \alpha_{ij} = \sum_k \alpha_{ijk}.

``"mle"`` is :math:`\alpha = 0` (a parent configuration never seen gets the uniform row, as
in pgmpy), ``"dirichlet"`` a constant :math:`\alpha`, ``"k2"`` :math:`\alpha = 1` and
``"bdeu"`` :math:`\alpha_{ijk} = \mathrm{ESS} / (q_i r_i)` with :math:`q_i` the number of
parent configurations and :math:`r_i` of states (Heckerman, Geiger & Chickering 1995).

Layout: see :mod:`gen_jax.models.bayesnet.structure` (parents' axes, then the child's).

References:
    Heckerman, Geiger & Chickering (1995), Learning Bayesian networks: the combination of
    knowledge and statistical data, Machine Learning 20 (BDeu).
    Koller & Friedman (2009), Probabilistic Graphical Models, §17.2-17.4 (MLE and Bayesian
    parameter estimation), §12.1.1 (forward sampling).
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.models.bayesnet.structure import BayesNetStructure

__all__ = [
    "PRIORS",
    "ancestral_sample",
    "check_cpts",
    "estimate_cpts",
    "family_counts",
    "log_likelihood",
    "pseudo_counts",
]

PRIORS = ("mle", "dirichlet", "k2", "bdeu")


def _family_index(structure: BayesNetStructure, node: int, values: jax.Array) -> jax.Array:
    """``[N]`` flat index of each example's ``(*parents, node)`` configuration."""
    family = (*structure.parents[node], node)
    shape = structure.cpt_shape(node)
    index = jnp.zeros(values.shape[:1], jnp.int32)
    for variable, size in zip(family, shape, strict=True):
        index = index * size + values[:, variable]
    return index


@functools.partial(jax.jit, static_argnums=0)
def family_counts(
    structure: BayesNetStructure, values: jax.Array, weights: jax.Array
) -> list[jax.Array]:
    """Weighted counts :math:`N_{ijk}`, one array per node in CPT layout.

    Args:
        structure: the network (static).
        values: ``[N, V]`` integer states, complete.
        weights: ``[N]`` example weights.
    """
    counts = []
    for node in range(structure.num_nodes):
        shape = structure.cpt_shape(node)
        flat = jax.ops.segment_sum(
            weights, _family_index(structure, node, values), math.prod(shape)
        )
        counts.append(flat.reshape(shape))
    return counts


def pseudo_counts(
    structure: BayesNetStructure,
    prior: str,
    *,
    pseudo_count: float = 1.0,
    equivalent_sample_size: float = 5.0,
) -> tuple[float, ...]:
    """The per-cell pseudo-count :math:`\\alpha_i` of each node under ``prior``."""
    if prior not in PRIORS:
        raise ValueError(f"prior={prior!r}; choose one of {PRIORS}")
    if prior == "dirichlet" and not (pseudo_count >= 0 and math.isfinite(pseudo_count)):
        raise ValueError(f"pseudo_count={pseudo_count!r}: must be a finite number >= 0")
    if prior == "bdeu" and not (
        equivalent_sample_size > 0 and math.isfinite(equivalent_sample_size)
    ):
        raise ValueError(
            f"equivalent_sample_size={equivalent_sample_size!r}: must be a positive number"
        )
    alphas = []
    for node in range(structure.num_nodes):
        if prior == "mle":
            alphas.append(0.0)
        elif prior == "k2":
            alphas.append(1.0)
        elif prior == "dirichlet":
            alphas.append(float(pseudo_count))
        else:
            alphas.append(float(equivalent_sample_size) / math.prod(structure.cpt_shape(node)))
    return tuple(alphas)


def estimate_cpts(counts: list[jax.Array], alphas: tuple[float, ...]) -> list[jax.Array]:
    """Log-CPTs :math:`\\log\\hat\\theta_{ijk}` from counts and per-node pseudo-counts.

    A parent configuration with no counts and no pseudo-counts gets the uniform row.
    """
    log_cpts = []
    for count, alpha in zip(counts, alphas, strict=True):
        smoothed = count + jnp.asarray(alpha, count.dtype)
        total = jnp.sum(smoothed, axis=-1, keepdims=True)
        empty = total <= 0
        probs = jnp.where(empty, 1.0 / count.shape[-1], smoothed / jnp.where(empty, 1, total))
        log_cpts.append(jnp.log(probs))
    return log_cpts


@functools.partial(jax.jit, static_argnums=0)
def log_likelihood(
    structure: BayesNetStructure, log_cpts: list[jax.Array], values: jax.Array
) -> jax.Array:
    """``[N]`` :math:`\\sum_i \\log p(x_{ni} \\mid x_{n,\\mathrm{pa}(i)})` of complete data."""
    total = jnp.zeros(values.shape[:1], log_cpts[0].dtype)
    for node in range(structure.num_nodes):
        total = total + log_cpts[node].reshape(-1)[_family_index(structure, node, values)]
    return total


@functools.partial(jax.jit, static_argnums=(0, 3))
def ancestral_sample(
    structure: BayesNetStructure, log_cpts: list[jax.Array], key: jax.Array, num_samples: int
) -> jax.Array:
    """``[num_samples, V]`` int32 states drawn parents-first (forward sampling)."""
    columns: list[jax.Array | None] = [None] * structure.num_nodes
    keys = jax.random.split(key, structure.num_nodes)
    for node in structure.order:
        rows = log_cpts[node][tuple(columns[p] for p in structure.parents[node])]
        if not structure.parents[node]:
            rows = jnp.broadcast_to(rows, (num_samples, rows.shape[-1]))
        columns[node] = jax.random.categorical(keys[node], rows).astype(jnp.int32)
    return jnp.stack(columns, axis=1)


def check_cpts(structure: BayesNetStructure, cpts, *, name: str = "cpts") -> list[np.ndarray]:
    """User-given CPTs (a dict node -> array, or a list in node order) as float64 arrays.

    Raises:
        ValueError: a missing node, a wrong shape, negative or non-finite entries, or rows
            that do not sum to one.
    """
    if isinstance(cpts, dict):
        unknown = [node for node in cpts if node not in structure.nodes]
        if unknown:
            raise ValueError(f"{name} has tables for unknown nodes {unknown}")
        missing = [node for node in structure.nodes if node not in cpts]
        if missing:
            raise ValueError(f"{name} has no table for nodes {missing}")
        tables = [cpts[node] for node in structure.nodes]
    else:
        tables = list(cpts)
        if len(tables) != structure.num_nodes:
            raise ValueError(
                f"{name} holds {len(tables)} tables for {structure.num_nodes} nodes; pass one "
                "per node, or a dict node -> table"
            )
    checked = []
    for node, table in zip(structure.nodes, tables, strict=True):
        index = structure.nodes.index(node)
        array = np.asarray(table, np.float64)
        expected = structure.cpt_shape(index)
        parents = [structure.nodes[p] for p in structure.parents[index]]
        if array.shape != expected:
            raise ValueError(
                f"{name}[{node!r}] has shape {array.shape}; expected {expected}: one axis per "
                f"parent {parents} in that order, then the node's own {expected[-1]} states"
            )
        if not np.isfinite(array).all() or (array < 0).any():
            raise ValueError(f"{name}[{node!r}] has negative or non-finite probabilities")
        sums = array.sum(axis=-1)
        if np.abs(sums - 1).max() > 1e-6:
            raise ValueError(
                f"{name}[{node!r}] has rows summing to {sums.min():.6g}..{sums.max():.6g}; each "
                "row p(node | parents) must sum to 1 over the node's states (the last axis)"
            )
        checked.append(array)
    return checked
