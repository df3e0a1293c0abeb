"""``BayesianNetwork``: a discrete Bayesian network estimator over the pure functions.

The graph is validated when the network is built (:mod:`~gen_jax.models.bayesnet.structure`).
``fit`` estimates the CPTs from complete data in closed form (MLE, Dirichlet, K2 or BDeu,
:mod:`~gen_jax.models.bayesnet.cpt`), or by EM on device when cells are missing or nodes
latent (:mod:`~gen_jax.models.bayesnet.em` on :func:`~gen_jax.algorithms.em.fit_em`).
Inference is exact variable elimination (:mod:`~gen_jax.models.bayesnet.variable_elimination`),
jit-compiled once per query shape; ``likelihood_weighting`` is the sampling alternative
for networks too wide for exact inference (:mod:`~gen_jax.models.bayesnet.sampling`).
``from_structure_search`` learns the DAG itself by hill climbing on a BIC, K2 or BDeu score
(:mod:`~gen_jax.models.bayesnet.search`).

States are integer indices ``0..r-1``; nodes with state names (given, or inferred from
non-numeric DataFrame columns) also accept and report those names.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.algorithms.em import EMResult, fit_em
from gen_jax.core.sharding import pad_and_shard
from gen_jax.estimators.base import EstimatorMixin, requires_fit
from gen_jax.estimators.bayesnet_query import (
    most_probable_states,
    parse_query,
    posterior_table,
    single_evidence,
)
from gen_jax.estimators.validation import check_sample_weight
from gen_jax.models.bayesnet import cpt as bayesnet_cpt
from gen_jax.models.bayesnet import sampling as sampling_bn
from gen_jax.models.bayesnet import variable_elimination
from gen_jax.models.bayesnet.data import encode_table
from gen_jax.models.bayesnet.em import BayesNetEM, random_log_cpts
from gen_jax.models.bayesnet.search import hill_climb_search
from gen_jax.models.bayesnet.structure import make_structure

__all__ = ["BayesianNetwork"]


@functools.partial(jax.jit, static_argnames=("model", "max_iter"))
def _fit_em(model, params, values, observed, weights, tol, *, max_iter):
    return fit_em(
        model,
        params,
        {"values": values, "observed": observed},
        weights=weights,
        tol=tol,
        max_iter=max_iter,
    )


@functools.partial(jax.jit, static_argnums=0)
def _log_observed(model, params, values, observed):
    return model.log_observed(params, {"values": values, "observed": observed})


class BayesianNetwork(EstimatorMixin):
    """A discrete Bayesian network: CPT estimation, EM, exact and sampling inference.

    Args:
        edges: ``(parent, child)`` pairs.
        cardinalities: node -> number of states. Optional for observed nodes (inferred by
            ``fit``); required for latent nodes and for networks built from ``cpts``.
        nodes: the node order (data-column order); default: ``cardinalities``' keys (an
            edge naming any other node is an error), else the order of first appearance in
            ``edges``. Name isolated nodes here.
        state_names: node -> state labels (index = state).
        latent: nodes never observed (no data column); fitted by EM.
        cpts: node -> CPT array of shape ``(*parent cardinalities, own cardinality)``
            (parents in the order of ``parents_[node]``, i.e. of ``edges``): a network
            ready for inference without ``fit``.
        prior: ``"mle"``, ``"dirichlet"`` (``pseudo_count`` per cell), ``"k2"`` (1 per
            cell) or ``"bdeu"`` (``equivalent_sample_size / (q r)`` per cell).
        heuristic: the elimination-order heuristic for exact inference.
        tol, max_iter: EM stopping rule (mean log-likelihood change per example).
        random_state: int seed, ``None`` or a JAX key, used for EM's random initial CPTs
            and for sampling when no ``key`` is given.

    Attributes (after ``fit`` or with ``cpts``):
        structure_: the :class:`BayesNetStructure`. cpts_: node -> numpy CPT.
        log_cpts_: list of log-CPTs (node order). parents_: node -> tuple of parent names.
        state_names_: node -> labels or None. n_iter_, converged_,
        log_likelihood_history_: EM diagnostics (``n_iter_ = 0`` for a closed-form fit).

    The constructor normalises its arguments (edges, nodes, state names, cardinalities) and
    keeps ``cpts`` only as fitted tables, so there is no ``get_params``/``clone``.
    """

    _fitted_attributes = ("log_cpts_",)
    _fit_call = "fit(data) or pass cpts=..."
    _not_fitted = "has no CPTs yet"

    def __init__(
        self,
        edges: Iterable[tuple[Hashable, Hashable]] = (),
        *,
        cardinalities: Mapping[Hashable, int] | None = None,
        nodes: Sequence[Hashable] | None = None,
        state_names: Mapping[Hashable, Sequence] | None = None,
        latent: Sequence[Hashable] = (),
        cpts=None,
        prior: str = "mle",
        pseudo_count: float = 1.0,
        equivalent_sample_size: float = 5.0,
        heuristic: str = "min_fill",
        tol: float = 1e-4,
        max_iter: int = 100,
        random_state: int = 0,
    ):
        self.edges = [tuple(edge) for edge in edges]
        if nodes is None and cardinalities is not None:
            nodes = list(cardinalities)
        elif nodes is None:
            nodes = []
            for edge in self.edges:
                nodes.extend(v for v in edge if v not in nodes)
        self.nodes = tuple(nodes)
        self.state_names = {k: tuple(v) for k, v in (state_names or {}).items()}
        self.cardinalities = dict(cardinalities or {})
        for node, labels in self.state_names.items():
            self.cardinalities.setdefault(node, len(labels))
        self.latent = tuple(latent)
        unknown = [v for v in (*self.latent, *self.state_names) if v not in self.nodes]
        if unknown:
            raise ValueError(f"latent/state_names name unknown nodes {unknown}")
        if heuristic not in variable_elimination.HEURISTICS:
            raise ValueError(
                f"heuristic={heuristic!r}; choose one of {variable_elimination.HEURISTICS}"
            )
        if not (tol >= 0 and isinstance(max_iter, int) and max_iter >= 1):
            raise ValueError(f"tol={tol!r}, max_iter={max_iter!r}: need tol >= 0, max_iter >= 1")
        self.prior, self.pseudo_count = prior, pseudo_count
        self.equivalent_sample_size = equivalent_sample_size
        self.heuristic, self.tol, self.max_iter = heuristic, tol, max_iter
        self.random_state = random_state
        # Validate the graph now (cardinality 1 stands in for those fit will infer).
        placeholder = {node: self.cardinalities.get(node, 1) for node in self.nodes}
        structure = make_structure(self.edges, placeholder, nodes=self.nodes)
        bayesnet_cpt.pseudo_counts(
            structure,
            prior,
            pseudo_count=pseudo_count,
            equivalent_sample_size=equivalent_sample_size,
        )
        missing_cards = [v for v in self.latent if v not in self.cardinalities]
        if missing_cards:
            raise ValueError(
                f"latent nodes {missing_cards} need cardinalities (they cannot be inferred)"
            )
        if cpts is not None:
            if isinstance(cpts, Mapping):  # a table's last axis gives its node's states
                for node, table in cpts.items():
                    if np.ndim(table) >= 1:
                        self.cardinalities.setdefault(node, int(np.shape(table)[-1]))
            self.structure_ = make_structure(self.edges, self.cardinalities, nodes=self.nodes)
            tables = bayesnet_cpt.check_cpts(self.structure_, cpts)
            self._set_cpts([jnp.log(jnp.asarray(t, _float())) for t in tables])
            self.state_names_ = {node: self.state_names.get(node) for node in self.nodes}
            self.n_iter_, self.converged_, self.log_likelihood_history_ = 0, True, np.zeros(0)

    # -- fitting ---------------------------------------------------------------------------
    @classmethod
    def from_structure_search(
        cls, data, *, network_options: Mapping | None = None, **search_options
    ) -> BayesianNetwork:
        """Learn the DAG by :func:`~gen_jax.models.bayesnet.search.hill_climb_search`, then
        fit its CPTs to the same data.

        Args:
            data: complete ``[N, V]`` array or DataFrame.
            network_options: constructor arguments of the network (``prior``, ...).
            **search_options: arguments of ``hill_climb_search`` (``score``,
                ``max_parents``, ``black_list``, ``white_list``, ``restarts``, ...).

        Returns:
            The fitted network; ``search_result_`` holds the search's result.
        """
        result = hill_climb_search(data, **search_options)
        model = cls(
            result.edges,
            cardinalities=result.cardinalities,
            nodes=result.nodes,
            state_names={k: v for k, v in result.state_names.items() if v is not None},
            **dict(network_options or {}),
        )
        model.fit(data)
        model.search_result_ = result
        return model

    def fit(self, data, *, weights=None, mask=None, key: jax.Array | None = None):
        """Estimate the CPTs; returns ``self``.

        Complete data: closed form. Missing cells (NaN/None, or ``mask`` False) or latent
        nodes: EM from random CPTs, run on device to ``tol``/``max_iter``.

        Args:
            data: ``[N, V_observed]`` array (node order, latent nodes left out) or a
                DataFrame with one column per observed node.
            weights: ``[N]`` non-negative example weights.
            mask: ``[N, V_observed]`` bool, False for missing cells.
            key: PRNG key for EM's initial CPTs; ``random_state`` by default.
        """
        table = encode_table(
            data,
            nodes=self.nodes,
            latent=self.latent,
            state_names=self.state_names,
            cardinalities=self.cardinalities,
            mask=mask,
        )
        cards = {}
        for node in self.nodes:
            inferred = table.cardinalities.get(node, 0)
            cards[node] = self.cardinalities.get(node, max(inferred, 1))
            if inferred > cards[node]:
                raise ValueError(
                    f"data has {inferred} states for node {node!r} but cardinalities says "
                    f"{cards[node]}"
                )
        structure = make_structure(self.edges, cards, nodes=self.nodes)
        dtype = _float()
        weights = check_sample_weight(weights, table.values.shape[0], dtype)
        alphas = bayesnet_cpt.pseudo_counts(
            structure,
            self.prior,
            pseudo_count=self.pseudo_count,
            equivalent_sample_size=self.equivalent_sample_size,
        )
        self.structure_ = structure
        self.state_names_ = {
            node: self.state_names.get(node, table.state_names.get(node)) for node in self.nodes
        }
        if table.observed.all():
            counts = bayesnet_cpt.family_counts(
                structure, jnp.asarray(table.values), jnp.asarray(weights)
            )
            self._set_cpts(bayesnet_cpt.estimate_cpts(counts, alphas))
            self.n_iter_, self.converged_ = 0, True
            self.log_likelihood_history_ = np.zeros(0)
            return self
        model = BayesNetEM(structure, alphas, self.heuristic)
        packed = np.concatenate([table.values, table.observed.astype(np.int32)], axis=1)
        packed, sharded_weights = pad_and_shard(packed, weights)
        num_nodes = structure.num_nodes
        result: EMResult = _fit_em(
            model,
            random_log_cpts(structure, self._key(key), dtype=dtype),
            packed[:, :num_nodes],
            packed[:, num_nodes:] > 0,
            sharded_weights,
            jnp.asarray(self.tol, dtype),
            max_iter=self.max_iter,
        )
        result = jax.device_get(result)
        self._set_cpts([jnp.asarray(t) for t in result.params])
        self._store_em_result(result)
        return self

    def _set_cpts(self, log_cpts):
        self.log_cpts_ = list(log_cpts)
        self.cpts_ = {
            node: np.exp(np.asarray(t)) for node, t in zip(self.nodes, log_cpts, strict=True)
        }
        self.parents_ = {
            node: tuple(self.nodes[p] for p in self.structure_.parents[i])
            for i, node in enumerate(self.nodes)
        }

    # -- likelihood ------------------------------------------------------------------------
    @requires_fit
    def score_samples(self, data, *, mask=None) -> np.ndarray:
        """``[N]`` log-probability of each row; missing cells are summed out (exactly)."""
        structure = self.structure_
        table = encode_table(
            data,
            nodes=self.nodes,
            latent=self.latent,
            state_names={k: v for k, v in self.state_names_.items() if v is not None},
            cardinalities=dict(zip(self.nodes, structure.cardinalities, strict=True)),
            mask=mask,
        )
        if table.observed.all():
            result = bayesnet_cpt.log_likelihood(structure, self.log_cpts_, table.values)
        else:
            model = BayesNetEM(structure, (0.0,) * structure.num_nodes, self.heuristic)
            result = _log_observed(model, self.log_cpts_, table.values, table.observed)
        return np.asarray(result)

    @requires_fit
    def log_likelihood(self, data, *, mask=None) -> float:
        """The total log-likelihood of ``data`` (pgmpy's ``log_likelihood_score``)."""
        return float(np.sum(self.score_samples(data, mask=mask)))

    @requires_fit
    def score(self, data) -> float:
        """The mean log-likelihood per row."""
        return float(np.mean(self.score_samples(data)))

    @requires_fit
    def num_parameters(self) -> int:
        """Free parameters: :math:`\\sum_i q_i (r_i - 1)`."""
        structure = self.structure_
        return sum(
            math.prod(structure.cpt_shape(i)[:-1]) * (structure.cardinalities[i] - 1)
            for i in range(structure.num_nodes)
        )

    @requires_fit
    def bic(self, data) -> float:
        """:math:`\\log L - \\tfrac12 \\log N \\cdot d` (higher is better, as in pgmpy)."""
        log_likelihood = self.score_samples(data)
        return float(np.sum(log_likelihood)) - 0.5 * math.log(len(log_likelihood)) * (
            self.num_parameters()
        )

    # -- sampling --------------------------------------------------------------------------
    @requires_fit
    def sample(self, n_samples: int = 1, *, key: jax.Array | None = None) -> np.ndarray:
        """``[n_samples, V]`` int states by ancestral sampling (latent nodes included)."""
        if not isinstance(n_samples, int) or n_samples < 1:
            raise ValueError(f"n_samples={n_samples!r}: must be an int >= 1")
        return np.asarray(
            bayesnet_cpt.ancestral_sample(
                self.structure_, self.log_cpts_, self._key(key), n_samples
            )
        )

    # -- inference -------------------------------------------------------------------------
    def _parse_query(self, variables, evidence):
        return parse_query(self.structure_, self.state_names_, variables, evidence)

    @requires_fit
    def query(self, variables, evidence: Mapping | None = None) -> np.ndarray:
        """The exact posterior table :math:`p(x_Q \\mid e)` by variable elimination.

        Args:
            variables: a node, or a sequence of nodes ``Q`` (the table's axes, in order).
            evidence: node -> observed state (index or name). Arrays of states ``[B]``
                (the same length for every node) answer ``B`` queries in one vmapped call.

        Returns:
            ``[*cards of Q]`` probabilities summing to one (``[B, *cards]`` for batched
            evidence); NaN where the evidence has probability zero.
        """
        query, observed, states = self._parse_query(variables, evidence)
        return posterior_table(
            self.structure_, self.log_cpts_, query, observed, states, self.heuristic
        )

    @requires_fit
    def map_query(self, variables=None, evidence: Mapping | None = None):
        """The most probable joint state of ``variables`` (default: all unobserved nodes).

        Returns:
            ``(states, probability)``: node -> state (its name when it has one) and
            :math:`p(\\hat x_Q \\mid e)`.
        """
        if variables is None:
            variables = [v for v in self.nodes if v not in dict(evidence or {})]
        query, observed, states = self._parse_query(variables, evidence)
        best, log_prob = most_probable_states(
            self.structure_, self.log_cpts_, query, observed, states, self.heuristic
        )
        result = {}
        for v, state in zip(query, best, strict=True):
            names = self.state_names_.get(self.nodes[v])
            result[self.nodes[v]] = names[state] if names is not None else state
        return result, float(np.exp(log_prob))

    @requires_fit
    def likelihood_weighting(
        self,
        variables,
        evidence: Mapping | None = None,
        *,
        num_samples: int = 10_000,
        key: jax.Array | None = None,
    ) -> np.ndarray:
        """A likelihood-weighting estimate of :meth:`query`'s table (single evidence)."""
        query, observed, states = self._parse_query(variables, evidence)
        return np.asarray(
            sampling_bn.likelihood_weighting_query(
                self.structure_,
                self.log_cpts_,
                query,
                observed,
                single_evidence(states),
                self._key(key),
                num_samples,
            )
        )


def _float():
    return jax.dtypes.canonicalize_dtype(np.float64)
