r"""Contrastive learning of Boltzmann machines as Steps: CD-k and persistent CD for RBMs,
and the clamped-against-free rule for general Boltzmann machines (at the end).

The log-likelihood gradient of an RBM is a difference of two expectations of the free
energy's gradient, under the data and under the model,

.. math::
    -\nabla_\theta \log p(v) = \nabla_\theta F(v)
        - \mathbb E_{v' \sim p}\big[\nabla_\theta F(v')\big],

so for the weights :math:`-\partial \log p / \partial W = -(v\, p(h \mid v)^\top
- \mathbb E[v' p(h \mid v')^\top])`. The model expectation is replaced by a short Gibbs
chain: CD-k starts ``k`` sweeps at the data (Hinton, 2002); persistent CD keeps the
chains across updates (Tieleman, 2008; scikit-learn's "stochastic maximum likelihood").
Chains live in the state as binary *hidden* samples ``[num_chains, H]``, one per batch
row, laid out like the batch; each update runs ``v ~ p(v|h), h ~ p(h|v)`` sweeps from
them, exactly as scikit-learn's ``BernoulliRBM._fit`` does for ``k = 1``. Hidden
statistics use probabilities, not samples (Hinton's guide, section 3).

The gradients (of the negative log-likelihood, for an optax minimiser) are returned by
:func:`contrastive_gradients`, reusable outside the Step; ``optax.sgd(lr)`` reproduces
scikit-learn's update ``W += lr / B (v^T h - v'^T h')``. The random numbers of an update
are drawn up front (:class:`GibbsNoise`), one call per update or, in
``BernoulliRBM.fit``, one per epoch: on CPU, many small threefry draws inside a scan cost
more than the RBM's matrix products.

References:
    Hinton (2002), Training products of experts by minimizing contrastive divergence,
    Neural Computation 14(8).
    Tieleman (2008), Training restricted Boltzmann machines using approximations to the
    likelihood gradient, ICML.
    Hinton (2010), A practical guide to training RBMs, UTML TR 2010-003.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax
from flax import struct
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from gen_jax.core.optim import apply_optimizer
from gen_jax.core.rng import split_named
from gen_jax.core.sharding import replicated
from gen_jax.core.state import TrainState, zero_step
from gen_jax.core.step import Step
from gen_jax.models.boltzmann import machine as boltzmann
from gen_jax.models.boltzmann.rbm import (
    RBMParams,
    check_visible_type,
    free_energy,
    hidden_logits,
    init_rbm_params,
    visible_mean,
)


@struct.dataclass
class ContrastiveState:
    """State of contrastive RBM training: a ``TrainState`` plus persistent chains.

    Attributes:
        step: scalar int32, completed updates.
        params: the ``RBMParams``.
        opt_state: the optax state of ``params``.
        chains: ``[B, H]`` binary hidden samples of the persistent chains (PCD), or
            ``None`` for CD-k.
    """

    step: jax.Array
    params: RBMParams
    opt_state: optax.OptState
    chains: jax.Array | None = None


def _weighted_mean(values: jax.Array, weights: jax.Array | None) -> jax.Array:
    """Mean over axis 0, weighted by ``weights [B]`` when given."""
    if weights is None:
        return jnp.mean(values, axis=0)
    return jnp.tensordot(weights, values, axes=1) / jnp.sum(weights)


@struct.dataclass
class GibbsNoise:
    """The random numbers of one contrastive update, drawn up front.

    Drawing them in one call (or one call per epoch, with extra leading axes) is much
    cheaper on CPU than many small draws inside a scan. Leading axes ``[...]`` are free.

    Attributes:
        start: ``[..., C, H]`` uniforms that sample the CD-k start ``h ~ p(h | v_data)``.
        visible: ``[..., k, C, V]`` uniforms (Bernoulli) or standard normals (Gaussian).
        hidden: ``[..., k, C, H]`` uniforms.
    """

    start: jax.Array
    visible: jax.Array
    hidden: jax.Array


def draw_gibbs_noise(
    key: jax.Array,
    shape: tuple[int, ...],
    *,
    num_gibbs_steps: int,
    num_visible: int,
    num_hidden: int,
    visible: str = "bernoulli",
    dtype=jnp.float32,
) -> GibbsNoise:
    """:class:`GibbsNoise` for ``shape = (..., C)`` chains of ``num_gibbs_steps`` sweeps."""
    *lead, num_chains = shape
    keys = jax.random.split(key, 2)
    uniforms = jax.random.uniform(
        keys[0], (*lead, num_gibbs_steps + 1, num_chains, num_hidden + num_visible), dtype
    )
    if visible == "bernoulli":
        visible_noise = uniforms[..., 1:, :, num_hidden:]
    else:
        visible_noise = jax.random.normal(
            keys[1], (*lead, num_gibbs_steps, num_chains, num_visible), dtype
        )
    return GibbsNoise(
        start=uniforms[..., 0, :, :num_hidden],
        visible=visible_noise,
        hidden=uniforms[..., 1:, :, :num_hidden],
    )


def _weighted_outer(v: jax.Array, h: jax.Array, weights: jax.Array | None) -> jax.Array:
    """``[V, H]`` mean of ``v_b h_b^T`` over rows ``b``, weighted by ``weights [B]``."""
    if weights is None:
        return v.T @ h / v.shape[0]
    return (v * weights[:, None]).T @ h / jnp.sum(weights)


def _sample_visible_with(params, h, noise, visible):
    mean = visible_mean(params, h, visible=visible)
    if visible == "bernoulli":
        return (noise < mean).astype(mean.dtype)
    return mean + noise


def negative_phase(
    params: RBMParams,
    start_hidden: jax.Array,
    noise: GibbsNoise,
    *,
    visible: str = "bernoulli",
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Run ``k`` sweeps ``h -> v -> h`` from hidden states ``[C, H]`` with given noise.

    Returns:
        ``(v [C, V], h_prob [C, H], h_sample [C, H])``: the last visible sample, its hidden
        probabilities (the negative statistics) and a hidden draw from them (the next
        persistent state).
    """

    def sweep(h, sweep_noise):
        visible_noise, hidden_noise = sweep_noise
        v = _sample_visible_with(params, h, visible_noise, visible)
        h_prob = jax.nn.sigmoid(hidden_logits(params, v))
        return (hidden_noise < h_prob).astype(h_prob.dtype), (v, h_prob)

    h_sample, (vs, h_probs) = jax.lax.scan(sweep, start_hidden, (noise.visible, noise.hidden))
    return vs[-1], h_probs[-1], h_sample


def contrastive_gradients(
    params: RBMParams,
    v_data: jax.Array,
    *,
    key: jax.Array | None = None,
    noise: GibbsNoise | None = None,
    chains: jax.Array | None = None,
    num_gibbs_steps: int = 1,
    visible: str = "bernoulli",
    data_weights: jax.Array | None = None,
    with_metrics: bool = True,
) -> tuple[RBMParams, jax.Array, dict[str, jax.Array]]:
    """CD-k (``chains=None``) or PCD-k gradient of the mean negative log-likelihood.

    Args:
        params: the RBM.
        v_data: ``[B, V]`` data.
        key: randomness of the Gibbs sweeps (or pass ``noise``).
        noise: pre-drawn :class:`GibbsNoise` for ``C`` chains and ``k`` sweeps; it fixes
            ``k`` and overrides ``key`` and ``num_gibbs_steps``.
        chains: ``[C, H]`` persistent hidden states, or ``None`` to start ``C = B`` chains
            at ``h ~ p(h | v_data)`` (CD-k).
        num_gibbs_steps: ``k >= 1`` sweeps.
        visible: ``"bernoulli"`` or ``"gaussian"`` visible units.
        data_weights: optional ``[B]`` non-negative weights of the data rows (0 masks a
            padding row).
        with_metrics: also return the metrics (two extra free-energy passes).

    Returns:
        ``(grads, next_chains [C, H], metrics)``; metrics ``free_energy_data`` and
        ``free_energy_model`` are means over the batch and the chains (``{}`` without
        ``with_metrics``).
    """
    if num_gibbs_steps < 1:
        raise ValueError(f"num_gibbs_steps={num_gibbs_steps}: run at least one Gibbs sweep")
    if (key is None) == (noise is None):
        raise ValueError("contrastive_gradients: pass exactly one of key= and noise=")
    h_data = jax.nn.sigmoid(hidden_logits(params, v_data))
    if noise is None:
        num_chains = v_data.shape[0] if chains is None else chains.shape[0]
        noise = draw_gibbs_noise(
            key,
            (num_chains,),
            num_gibbs_steps=num_gibbs_steps,
            num_visible=params.num_visible,
            num_hidden=params.num_hidden,
            visible=visible,
            dtype=h_data.dtype,
        )
    # CD chains start at the data rows, so they carry the rows' weights; PCD chains do not.
    chain_weights = data_weights if chains is None else None
    if chains is None:
        chains = (noise.start < h_data).astype(h_data.dtype)
    v_model, h_model, next_chains = negative_phase(params, chains, noise, visible=visible)
    grads = RBMParams(
        weights=_weighted_outer(v_model, h_model, chain_weights)
        - _weighted_outer(v_data, h_data, data_weights),
        visible_bias=_weighted_mean(v_model, chain_weights) - _weighted_mean(v_data, data_weights),
        hidden_bias=_weighted_mean(h_model, chain_weights) - _weighted_mean(h_data, data_weights),
    )
    if not with_metrics:
        return grads, next_chains, {}
    metrics = {
        "free_energy_data": _weighted_mean(
            free_energy(params, v_data, visible=visible), data_weights
        ),
        "free_energy_model": _weighted_mean(
            free_energy(params, v_model, visible=visible), chain_weights
        ),
    }
    return grads, next_chains, metrics


def make_contrastive_step(
    optimizer: optax.GradientTransformation,
    *,
    num_hidden: int,
    num_gibbs_steps: int = 1,
    persistent: bool = True,
    visible: str = "bernoulli",
    init_scale: float = 0.01,
    data_key: str = "x",
) -> Step:
    """A Step training an RBM by PCD-k (``persistent=True``) or CD-k.

    The batch is a dict whose ``data_key`` entry is ``[B, V]``; persistent chains are
    ``B`` hidden states started at zero (as scikit-learn's), so they shard with the
    batch (:func:`contrastive_state_shardings`). Metrics: ``free_energy_data``,
    ``free_energy_model``, ``grad_norm``.
    """
    check_visible_type(visible)
    if num_hidden < 1 or num_gibbs_steps < 1:
        raise ValueError(
            f"num_hidden={num_hidden}, num_gibbs_steps={num_gibbs_steps}: both must be >= 1"
        )

    def init(key: jax.Array, batch) -> ContrastiveState:
        if data_key not in batch:
            raise KeyError(
                f"batch has keys {sorted(batch)}; make_contrastive_step(data_key=...) expects "
                f"{data_key!r}"
            )
        x = batch[data_key]
        if x.ndim != 2:
            raise ValueError(
                f"batch[{data_key!r}] has shape {x.shape}; pass [batch, num_visible] (flatten "
                "images first)"
            )
        dtype = jax.dtypes.canonicalize_dtype(x.dtype)
        params = init_rbm_params(key, x.shape[1], num_hidden, scale=init_scale, dtype=dtype)
        chains = jnp.zeros((x.shape[0], num_hidden), dtype) if persistent else None
        return ContrastiveState(
            step=zero_step(), params=params, opt_state=optimizer.init(params), chains=chains
        )

    def update(state: ContrastiveState, batch, key: jax.Array):
        grads, chains, metrics = contrastive_gradients(
            state.params,
            batch[data_key],
            key=key,
            chains=state.chains,
            num_gibbs_steps=num_gibbs_steps,
            visible=visible,
        )
        params, opt_state = apply_optimizer(optimizer, grads, state.opt_state, state.params)
        metrics["grad_norm"] = optax.tree.norm(grads)
        new_chains = chains if persistent else None
        new_state = state.replace(
            step=state.step + 1, params=params, opt_state=opt_state, chains=new_chains
        )
        return new_state, metrics

    return Step(init=init, update=update)


def contrastive_state_shardings(abstract_state: ContrastiveState, mesh: Mesh):
    """Shardings of a :class:`ContrastiveState`: chains split like the batch, rest replicated.

    Pass the result as ``compile_step(..., state_sharding=...)`` so each device keeps the
    persistent chains of its own batch rows.
    """
    state_sharding = jax.tree.map(lambda _: replicated(mesh), abstract_state)
    if abstract_state.chains is None:
        return state_sharding
    return state_sharding.replace(chains=NamedSharding(mesh, PartitionSpec(mesh.axis_names[0])))


def make_boltzmann_step(
    optimizer: optax.GradientTransformation,
    *,
    num_hidden: int,
    temperatures=(8.0, 4.0, 2.0, 1.0),
    sweeps_per_temperature: int = 2,
    init_scale: float = 0.1,
    data_key: str = "x",
) -> Step:
    r"""A Step training a general Boltzmann machine by the clamped-against-free rule.

    For each batch row, one clamped chain (visible units fixed to the row, hidden units
    random) and one free chain (all units random) are annealed through ``temperatures``
    (ending at 1); their final states give
    :math:`\nabla_W (-\log p) \approx \langle s s^\top\rangle_{\mathrm{free}} -
    \langle s s^\top\rangle_{\mathrm{clamped}}` (diagonal masked) and the bias analogue
    (Ackley, Hinton & Sejnowski, 1985). The visible units are the first ``V`` of the
    ``N = V + H`` units; the state is a ``TrainState`` of ``BoltzmannParams``, kept
    symmetric with a zero diagonal. Metrics: ``energy_clamped``, ``energy_free``,
    ``grad_norm``.
    """
    temperatures = tuple(float(t) for t in temperatures)
    if num_hidden < 0 or sweeps_per_temperature < 1 or not temperatures:
        raise ValueError(
            f"num_hidden={num_hidden}, sweeps_per_temperature={sweeps_per_temperature}, "
            f"temperatures={temperatures}: need num_hidden >= 0, at least one sweep and "
            "one temperature"
        )
    if min(temperatures) <= 0:
        raise ValueError(f"temperatures={temperatures}: every temperature must be > 0")

    def init(key: jax.Array, batch) -> TrainState:
        x = batch[data_key]
        if x.ndim != 2:
            raise ValueError(f"batch[{data_key!r}] has shape {x.shape}; pass [batch, num_visible]")
        dtype = jax.dtypes.canonicalize_dtype(x.dtype)
        params = boltzmann.init_boltzmann_params(
            key, x.shape[1] + num_hidden, scale=init_scale, dtype=dtype
        )
        return TrainState(step=zero_step(), params=params, opt_state=optimizer.init(params))

    def update(state: TrainState, batch, key: jax.Array):
        params, v = state.params, batch[data_key]
        num_visible = v.shape[1]
        keys = split_named(key, "clamped_start", "free_start", "clamped", "free")
        hidden_shape = (v.shape[0], num_hidden)
        random_hidden = jax.random.bernoulli(keys["clamped_start"], 0.5, hidden_shape)
        clamped = jnp.concatenate([v, random_hidden.astype(v.dtype)], axis=1)
        free = jax.random.bernoulli(keys["free_start"], 0.5, clamped.shape).astype(v.dtype)
        schedule = jnp.asarray(temperatures, v.dtype)
        options = dict(temperatures=schedule, sweeps_per_temperature=sweeps_per_temperature)
        clamped = boltzmann.anneal(
            params, clamped, key=keys["clamped"], num_clamped=num_visible, **options
        )
        free = boltzmann.anneal(params, free, key=keys["free"], **options)
        batch_size = v.shape[0]
        grads = boltzmann.BoltzmannParams(
            weights=boltzmann.symmetrize(free.T @ free - clamped.T @ clamped) / batch_size,
            bias=jnp.mean(free, axis=0) - jnp.mean(clamped, axis=0),
        )
        params, opt_state = apply_optimizer(optimizer, grads, state.opt_state, params)
        params = params.replace(weights=boltzmann.symmetrize(params.weights))
        metrics = {
            "energy_clamped": jnp.mean(boltzmann.energy(state.params, clamped)),
            "energy_free": jnp.mean(boltzmann.energy(state.params, free)),
            "grad_norm": optax.tree.norm(grads),
        }
        return state.replace(step=state.step + 1, params=params, opt_state=opt_state), metrics

    return Step(init=init, update=update)
