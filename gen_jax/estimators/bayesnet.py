"""``BayesianNetwork``: a discrete Bayesian network estimator over the pure functions.

The graph is validated when the network is built (:mod:`~gen_jax.models.bayesnet.structure`).
``fit`` estimates the CPTs from complete data in closed form (MLE, Dirichlet, K2 or BDeu,
:mod:`~gen_jax.models.bayesnet.cpt`), or by EM on device when cells are missing or nodes
latent (:mod:`~gen_jax.models.bayesnet.em` on :func:`~gen_jax.algorithms.em.fit_em`).
Inference is exact variable elimination (:mod:`~gen_jax.models.bayesnet.variable_elimination`),
jit-compiled once per query shape; ``likelihood_weighting`` is the sampling alternative
for networks too wide for exact inference (:mod:`~gen_jax.models.bayesnet.sampling`).
``from_structure_search`` learns the DAG itself by hill climbing on a BIC, K2 or BDeu score
(:mod:`~gen_jax.models.bayesnet.search`, :mod:`~gen_jax.models.bayesnet.scores`).

States are integer indices ``0..r-1``; nodes with state names (given, or inferred from
non-numeric DataFrame columns) also accept and report those names.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from gen_jax.algorithms.em import EMResult, fit_em
from gen_jax.core.sharding import pad_and_shard
from gen_jax.estimators.base import Estimator, requires_fit
from gen_jax.estimators.bayesnet_query import BayesNetQueryMixin
from gen_jax.estimators.validation import check_sample_weight
from gen_jax.models.bayesnet import cpt as bayesnet_cpt
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


class _NetworkSpec(NamedTuple):
    """The constructor's arguments, normalised: edges as pairs, the node order, state
    names as tuples, cardinalities (given, or from state names and ``cpts``), latent nodes."""

    edges: list
    nodes: tuple
    state_names: dict
    cardinalities: dict
    latent: tuple


class BayesianNetwork(BayesNetQueryMixin, Estimator):
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

    The constructor stores its arguments as given (scikit-learn's ``get_params``,
    ``set_params`` and ``clone`` work) and checks them; ``fit`` (or the first method that
    needs the tables of a network given ``cpts``) normalises them into ``nodes_`` (the node
    order) and ``latent_``.
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
        self.edges, self.cardinalities, self.nodes = edges, cardinalities, nodes
        self.state_names, self.latent, self.cpts = state_names, latent, cpts
        self.prior, self.pseudo_count = prior, pseudo_count
        self.equivalent_sample_size = equivalent_sample_size
        self.heuristic, self.tol, self.max_iter = heuristic, tol, max_iter
        self.random_state = random_state
        spec = self._spec()  # validates the graph and the hyperparameters now
        if cpts is not None:
            self._cpt_tables(spec)

    def _spec(self) -> _NetworkSpec:
        """The constructor's arguments normalised and checked (see the class docstring)."""
        edges = [tuple(edge) for edge in self.edges]
        nodes = self.nodes
        if nodes is None and self.cardinalities is not None:
            nodes = list(self.cardinalities)
        elif nodes is None:
            nodes = []
            for edge in edges:
                nodes.extend(v for v in edge if v not in nodes)
        nodes = tuple(nodes)
        state_names = {k: tuple(v) for k, v in (self.state_names or {}).items()}
        cardinalities = dict(self.cardinalities or {})
        for node, labels in state_names.items():
            cardinalities.setdefault(node, len(labels))
        if isinstance(self.cpts, Mapping):  # a table's last axis gives its node's states
            for node, table in self.cpts.items():
                if np.ndim(table) >= 1:
                    cardinalities.setdefault(node, int(np.shape(table)[-1]))
        latent = tuple(self.latent)
        unknown = [v for v in (*latent, *state_names) if v not in nodes]
        if unknown:
            raise ValueError(f"latent/state_names name unknown nodes {unknown}")
        if self.heuristic not in variable_elimination.HEURISTICS:
            raise ValueError(
                f"heuristic={self.heuristic!r}; choose one of {variable_elimination.HEURISTICS}"
            )
        tol, max_iter = self.tol, self.max_iter
        if not (tol >= 0 and isinstance(max_iter, int) and max_iter >= 1):
            raise ValueError(f"tol={tol!r}, max_iter={max_iter!r}: need tol >= 0, max_iter >= 1")
        # Validate the graph (cardinality 1 stands in for those fit will infer).
        placeholder = {node: cardinalities.get(node, 1) for node in nodes}
        structure = make_structure(edges, placeholder, nodes=nodes)
        bayesnet_cpt.pseudo_counts(
            structure,
            self.prior,
            pseudo_count=self.pseudo_count,
            equivalent_sample_size=self.equivalent_sample_size,
        )
        missing_cards = [v for v in latent if v not in cardinalities]
        if missing_cards:
            raise ValueError(
                f"latent nodes {missing_cards} need cardinalities (they cannot be inferred)"
            )
        return _NetworkSpec(edges, nodes, state_names, cardinalities, latent)

    def _cpt_tables(self, spec: _NetworkSpec):
        """``(structure, checked tables)`` of the ``cpts`` argument."""
        structure = make_structure(spec.edges, spec.cardinalities, nodes=spec.nodes)
        return structure, bayesnet_cpt.check_cpts(structure, self.cpts)

    def _check_fitted(self, method: str) -> None:
        """A network given ``cpts`` is ready: its tables become the fitted ones on first use
        (and again after ``set_params(cpts=...)``), unless ``fit`` ran since."""
        if self.cpts is not None and getattr(self, "_cpts_used", None) is not self.cpts:
            spec = self._spec()
            self.structure_, tables = self._cpt_tables(spec)
            self._store_spec(spec)
            self._set_cpts([jnp.log(jnp.asarray(t, _float())) for t in tables])
            self.state_names_ = {node: spec.state_names.get(node) for node in spec.nodes}
            self.n_iter_, self.converged_, self.log_likelihood_history_ = 0, True, np.zeros(0)
        super()._check_fitted(method)

    def _store_spec(self, spec: _NetworkSpec) -> None:
        self.nodes_, self.latent_ = spec.nodes, spec.latent
        self._cpts_used = self.cpts

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
        spec = self._spec()
        table = encode_table(
            data,
            nodes=spec.nodes,
            latent=spec.latent,
            state_names=spec.state_names,
            cardinalities=spec.cardinalities,
            mask=mask,
        )
        cards = {}
        for node in spec.nodes:
            inferred = table.cardinalities.get(node, 0)
            cards[node] = spec.cardinalities.get(node, max(inferred, 1))
            if inferred > cards[node]:
                raise ValueError(
                    f"data has {inferred} states for node {node!r} but cardinalities says "
                    f"{cards[node]}"
                )
        structure = make_structure(spec.edges, cards, nodes=spec.nodes)
        dtype = _float()
        weights = check_sample_weight(weights, table.values.shape[0], dtype)
        alphas = bayesnet_cpt.pseudo_counts(
            structure,
            self.prior,
            pseudo_count=self.pseudo_count,
            equivalent_sample_size=self.equivalent_sample_size,
        )
        self.structure_ = structure
        self._store_spec(spec)
        self.state_names_ = {
            node: spec.state_names.get(node, table.state_names.get(node)) for node in spec.nodes
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
            node: np.exp(np.asarray(t)) for node, t in zip(self.nodes_, log_cpts, strict=True)
        }
        self.parents_ = {
            node: tuple(self.nodes_[p] for p in self.structure_.parents[i])
            for i, node in enumerate(self.nodes_)
        }

    # -- likelihood ------------------------------------------------------------------------
    @requires_fit
    def score_samples(self, data, *, mask=None) -> np.ndarray:
        """``[N]`` log-probability of each row; missing cells are summed out (exactly)."""
        structure = self.structure_
        table = encode_table(
            data,
            nodes=self.nodes_,
            latent=self.latent_,
            state_names={k: v for k, v in self.state_names_.items() if v is not None},
            cardinalities=dict(zip(self.nodes_, structure.cardinalities, strict=True)),
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


def _float():
    return jax.dtypes.canonicalize_dtype(np.float64)
