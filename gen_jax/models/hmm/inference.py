r"""Exact inference in a hidden Markov model, one sequence at a time (``vmap`` for batches).

The model over hidden states :math:`z_t \in \{0..K-1\}` and observations :math:`y_t`:

.. math::
    p(y_{0:T-1}, z_{0:T-1}) = \pi_{z_0} \prod_{t=1}^{T-1} A_{z_{t-1} z_t}
        \prod_{t=0}^{T-1} p(y_t \mid z_t).

Every function takes ``initial_probs`` :math:`\pi` ``[K]``, ``transition_matrix`` :math:`A`
``[K, K]`` (rows sum to one; exact zeros are allowed and stay impossible) and the emission
log-likelihoods ``log_likelihoods[t, k]`` :math:`= \log p(y_t \mid z_t = k)` ``[T, K]``, so
the same code serves every emission family.

**Log space.** Messages are carried as normalised log-probabilities: the forward message is
the filtered distribution :math:`\log p(z_t \mid y_{0:t})` and the log normaliser
:math:`\log p(y_t \mid y_{0:t-1})` of each step is returned separately, so a sequence of any
length neither underflows nor loses precision. Propagating a message through :math:`A` is a
log-sum-exp per entry (:math:`K^2` exponentials a step): a matrix product of exponentiated
messages would flush states below :math:`10^{-38}` of the most likely one to zero, and the
forward and backward messages can then rule out every state between them (NaN posteriors,
seen on left-right models). Each step's largest emission log-likelihood is taken out first
(:func:`shift_rows`), so large log-densities keep their precision.

**Variable lengths.** ``mask [T]`` (default all true) marks the steps of the sequence; the
false steps must come after all true ones (padding). Padded steps leave the messages
unchanged and carry no posterior mass, so a padded sequence gives exactly the results of the
unpadded one. Viterbi and posterior samples repeat the last real state over the padding.

References:
    Rabiner (1989), A tutorial on hidden Markov models and selected applications in speech
    recognition, Proc. IEEE 77(2).
    Murphy (2012), Machine Learning: A Probabilistic Perspective, §17.4 (forwards-backwards,
    Viterbi, forwards-filtering backwards-sampling).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from flax import struct


@struct.dataclass
class HMMFilterResult:
    """Output of :func:`hmm_filter`.

    Attributes:
        log_likelihood: scalar :math:`\\log p(y_{0:T-1})`.
        log_filtered: ``[T, K]`` :math:`\\log p(z_t \\mid y_{0:t})` (a padded step repeats
            the last real one).
        log_normalizers: ``[T]`` :math:`\\log p(y_t \\mid y_{0:t-1})`, 0 on padded steps;
            they sum to ``log_likelihood``.
    """

    log_likelihood: jax.Array
    log_filtered: jax.Array
    log_normalizers: jax.Array


@struct.dataclass
class HMMPosterior:
    """Output of :func:`hmm_smoother`: everything Baum-Welch needs from one sequence.

    Attributes:
        log_likelihood: scalar :math:`\\log p(y_{0:T-1})`.
        smoothed_probs: ``[T, K]`` :math:`\\gamma_t(k) = p(z_t = k \\mid y_{0:T-1})`, zero on
            padded steps.
        expected_transitions: ``[K, K]`` :math:`\\sum_{t} \\xi_t(i, j)`, the expected number
            of :math:`i \\to j` transitions, :math:`\\xi_t(i, j) = p(z_t = i, z_{t+1} = j
            \\mid y)`; ``None`` from ``hmm_smoother(..., transitions=False)``.
    """

    log_likelihood: jax.Array
    smoothed_probs: jax.Array
    expected_transitions: jax.Array | None


def full_mask(log_likelihoods: jax.Array, mask: jax.Array | None) -> jax.Array:
    """``mask`` as a boolean ``[T]``; all true when ``None``."""
    if mask is None:
        return jnp.ones(log_likelihoods.shape[0], bool)
    return mask.astype(bool)


def _finite_max(log_values: jax.Array, axis=-1) -> jax.Array:
    """The maximum along ``axis`` (kept), or 0 where every entry is ``-inf``."""
    shift = jnp.max(log_values, axis=axis, keepdims=True)
    return jax.lax.stop_gradient(jnp.where(jnp.isfinite(shift), shift, 0.0))


def shift_rows(log_likelihoods: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(log_likelihoods - shift[:, None], shift [T])`` with ``shift`` each row's maximum.

    Emission log-likelihoods can be large (a high-dimensional Gaussian's are in the
    thousands); the differences between states, all that posteriors need, keep their full
    precision once each step's maximum is taken out, and the shifts are added back to the
    log-likelihood at the end.
    """
    shift = _finite_max(log_likelihoods, axis=1)
    return log_likelihoods - shift, shift[:, 0]


def log_propagate(log_message: jax.Array, log_matrix: jax.Array) -> jax.Array:
    r""":math:`\log \sum_i e^{m_i + \log M_{ij}}` for ``log_message [K]``, ``log_matrix
    [K, K']``: a log-sum-exp per entry, so no state is ever flushed to zero."""
    return jax.nn.logsumexp(log_message[:, None] + log_matrix, axis=0)


def _condition(log_predicted: jax.Array, log_likelihood: jax.Array):
    """Bayes' rule in log space: ``(normalised log posterior [K], log normaliser)``."""
    log_joint = log_predicted + log_likelihood
    log_normalizer = jax.nn.logsumexp(log_joint)
    return log_joint - log_normalizer, log_normalizer


def hmm_filter(
    initial_probs: jax.Array,
    transition_matrix: jax.Array,
    log_likelihoods: jax.Array,
    mask: jax.Array | None = None,
) -> HMMFilterResult:
    r"""The forward pass: filtered distributions and the sequence log-likelihood.

    .. math::
        \alpha_0 \propto \pi \odot b_0, \qquad
        \alpha_t \propto (\alpha_{t-1}^\top A) \odot b_t, \qquad
        \log p(y) = \sum_t \log c_t,

    with :math:`b_t(k) = p(y_t \mid z_t = k)` and :math:`c_t` the normaliser of step
    :math:`t`. A ``lax.scan`` over time; ``vmap`` it over sequences.

    Args:
        initial_probs: ``[K]``.
        transition_matrix: ``[K, K]``, row :math:`i` is :math:`p(z_{t+1} \mid z_t = i)`.
        log_likelihoods: ``[T, K]`` emission log-likelihoods.
        mask: ``[T]`` true on the steps of the sequence (a prefix); ``None``: all.

    Returns:
        An :class:`HMMFilterResult`.
    """
    mask = full_mask(log_likelihoods, mask)
    log_likelihoods, shift = shift_rows(log_likelihoods)
    log_transition = jnp.log(transition_matrix)
    log_first, first_normalizer = _condition(jnp.log(initial_probs), log_likelihoods[0])
    log_first = jnp.where(mask[0], log_first, jnp.log(initial_probs))
    first_normalizer = jnp.where(mask[0], first_normalizer, 0.0)

    def step(log_filtered, inputs):
        log_likelihood, valid = inputs
        log_new, log_normalizer = _condition(
            log_propagate(log_filtered, log_transition), log_likelihood
        )
        log_new = jnp.where(valid, log_new, log_filtered)
        log_normalizer = jnp.where(valid, log_normalizer, 0.0)
        return log_new, (log_new, log_normalizer)

    _, (log_rest, rest_normalizers) = jax.lax.scan(step, log_first, (log_likelihoods[1:], mask[1:]))
    log_normalizers = jnp.concatenate([first_normalizer[None], rest_normalizers])
    log_normalizers = log_normalizers + jnp.where(mask, shift, 0.0)
    return HMMFilterResult(
        log_likelihood=jnp.sum(log_normalizers),
        log_filtered=jnp.concatenate([log_first[None], log_rest]),
        log_normalizers=log_normalizers,
    )


def hmm_log_likelihood(
    initial_probs: jax.Array,
    transition_matrix: jax.Array,
    log_likelihoods: jax.Array,
    mask: jax.Array | None = None,
) -> jax.Array:
    """Scalar :math:`\\log p(y_{0:T-1})` by the forward pass (see :func:`hmm_filter`)."""
    return hmm_filter(initial_probs, transition_matrix, log_likelihoods, mask).log_likelihood


def two_slice(log_alpha, log_transition, log_u, valid):
    r"""Normalised :math:`\xi(i, j) \propto \alpha(i) A_{ij} u(j)` ``[..., K, K]`` from
    ``log_alpha [..., K]`` and ``log_u [..., K]`` (:math:`u = b_{t+1} \beta_{t+1}`), in
    log space; zero where ``valid [...]`` is false."""
    log_xi = log_alpha[..., :, None] + log_transition + log_u[..., None, :]
    log_normalizer = jax.nn.logsumexp(log_xi, axis=(-2, -1), keepdims=True)
    keep = valid[..., None, None] & jnp.isfinite(log_normalizer)
    return jnp.where(keep, jnp.exp(log_xi - jnp.where(keep, log_normalizer, 0.0)), 0.0)


def _backward_scan(transition_matrix, log_likelihoods, mask, log_filtered):
    """Backward messages ``[T, K]`` and, given ``log_filtered``, the summed two-slice
    marginals ``[K, K]`` accumulated in the same scan (no ``[T, K, K]`` array); ``None``
    in their place when ``log_filtered`` is ``None``."""
    mask = full_mask(log_likelihoods, mask)
    log_likelihoods, _ = shift_rows(log_likelihoods)
    log_transition = jnp.log(transition_matrix)
    num_states = transition_matrix.shape[0]
    uniform = jnp.full((num_states,), -math.log(num_states), log_likelihoods.dtype)

    def beta_step(log_beta_next, log_likelihood_next, valid_next):
        log_u = log_likelihood_next + log_beta_next
        log_beta = log_propagate(log_u, log_transition.T)
        log_beta = jnp.where(valid_next, log_beta - jax.nn.logsumexp(log_beta), uniform)
        return log_u, log_beta

    if log_filtered is None:

        def step(log_beta_next, inputs):
            _, log_beta = beta_step(log_beta_next, *inputs)
            return log_beta, log_beta

        _, log_betas = jax.lax.scan(step, uniform, (log_likelihoods[1:], mask[1:]), reverse=True)
        return jnp.concatenate([log_betas, uniform[None]]), None

    def step_with_transitions(carry, inputs):
        log_beta_next, expected = carry
        log_likelihood_next, valid_next, log_alpha = inputs
        log_u, log_beta = beta_step(log_beta_next, log_likelihood_next, valid_next)
        expected = expected + two_slice(log_alpha, log_transition, log_u, valid_next)
        return (log_beta, expected), log_beta

    start = (uniform, jnp.zeros_like(transition_matrix))
    inputs = (log_likelihoods[1:], mask[1:], log_filtered[:-1])
    (_, expected), log_betas = jax.lax.scan(step_with_transitions, start, inputs, reverse=True)
    return jnp.concatenate([log_betas, uniform[None]]), expected


def hmm_backward(
    transition_matrix: jax.Array,
    log_likelihoods: jax.Array,
    mask: jax.Array | None = None,
) -> jax.Array:
    r"""The backward pass: ``[T, K]`` :math:`\log \beta_t` up to a constant per step.

    .. math::
        \beta_{T-1} = 1, \qquad \beta_t(i) = \sum_j A_{ij}\, b_{t+1}(j)\, \beta_{t+1}(j)
        = p(y_{t+1:T-1} \mid z_t = i),

    each :math:`\log\beta_t` shifted to log-sum-exp zero (only ratios within a step matter
    for posteriors). On padded steps and the last real one, :math:`\beta_t` is uniform.
    """
    return _backward_scan(transition_matrix, log_likelihoods, mask, None)[0]


def posterior_from_messages(
    filtered: HMMFilterResult,
    log_betas: jax.Array,
    expected_transitions: jax.Array,
    mask: jax.Array,
) -> HMMPosterior:
    """Combine forward and backward messages into :class:`HMMPosterior` (shared by the
    sequential and the parallel smoother).

    Args:
        filtered: the forward pass of :func:`hmm_filter` (or its parallel version).
        log_betas: ``[T, K]`` backward messages, each step up to a constant.
        expected_transitions: ``[K, K]`` summed two-slice marginals.
        mask: ``[T]`` boolean.
    """
    log_smoothed = filtered.log_filtered + log_betas
    log_smoothed = log_smoothed - jax.nn.logsumexp(log_smoothed, axis=1, keepdims=True)
    return HMMPosterior(
        log_likelihood=filtered.log_likelihood,
        smoothed_probs=jnp.where(mask[:, None], jnp.exp(log_smoothed), 0.0),
        expected_transitions=expected_transitions,
    )


def hmm_smoother(
    initial_probs: jax.Array,
    transition_matrix: jax.Array,
    log_likelihoods: jax.Array,
    mask: jax.Array | None = None,
    *,
    transitions: bool = True,
) -> HMMPosterior:
    r"""Forward-backward: smoothed marginals :math:`\gamma_t \propto \alpha_t \odot \beta_t`
    and the expected transition counts :math:`\sum_t \xi_t`, with

    .. math::
        \xi_t(i, j) = \frac{\alpha_t(i)\, A_{ij}\, b_{t+1}(j)\, \beta_{t+1}(j)}{p(y)}.

    The counts are summed inside the backward scan, never stored as ``[T, K, K]``; use
    :func:`hmm_two_slice_marginals` for the per-step :math:`\xi_t`.

    Args: as :func:`hmm_filter`, and ``transitions``: ``False`` skips the counts (their
    field is then ``None``), which halves the backward pass when only :math:`\gamma` is
    wanted. Returns: an :class:`HMMPosterior`.
    """
    mask = full_mask(log_likelihoods, mask)
    filtered = hmm_filter(initial_probs, transition_matrix, log_likelihoods, mask)
    log_betas, expected = _backward_scan(
        transition_matrix, log_likelihoods, mask, filtered.log_filtered if transitions else None
    )
    return posterior_from_messages(filtered, log_betas, expected, mask)


def hmm_two_slice_marginals(
    initial_probs: jax.Array,
    transition_matrix: jax.Array,
    log_likelihoods: jax.Array,
    mask: jax.Array | None = None,
) -> jax.Array:
    r"""``[T-1, K, K]`` :math:`\xi_t(i, j) = p(z_t = i, z_{t+1} = j \mid y)`; zero for
    transitions into padded steps."""
    mask = full_mask(log_likelihoods, mask)
    filtered = hmm_filter(initial_probs, transition_matrix, log_likelihoods, mask)
    log_betas = hmm_backward(transition_matrix, log_likelihoods, mask)
    log_u = shift_rows(log_likelihoods)[0][1:] + log_betas[1:]
    return two_slice(filtered.log_filtered[:-1], jnp.log(transition_matrix), log_u, mask[1:])


def hmm_viterbi(
    initial_probs: jax.Array,
    transition_matrix: jax.Array,
    log_likelihoods: jax.Array,
    mask: jax.Array | None = None,
) -> tuple[jax.Array, jax.Array]:
    r"""The most probable state sequence and its log joint probability (Viterbi, 1967).

    .. math::
        \delta_0 = \log\pi + \log b_0, \qquad
        \delta_t(j) = \max_i [\delta_{t-1}(i) + \log A_{ij}] + \log b_t(j),

    with backpointers :math:`\psi_t(j) = \arg\max_i(\cdot)` (ties go to the lowest index)
    and backtracking from :math:`\arg\max_j \delta_{T-1}(j)`. Each :math:`\delta_t` is
    shifted to maximum 0 and the shifts summed, so long sequences keep full precision.

    Args: as :func:`hmm_filter`.

    Returns:
        ``(states [T] int32, log_joint)``: :math:`\arg\max_z \log p(y, z)` and that maximum.
        Padded steps repeat the last real state.
    """
    mask = full_mask(log_likelihoods, mask)
    log_likelihoods, emission_shift = shift_rows(log_likelihoods)
    log_transition = jnp.log(transition_matrix)
    num_states = transition_matrix.shape[0]
    delta = jnp.log(initial_probs) + log_likelihoods[0]
    first_shift = jnp.where(mask[0], jnp.max(delta), 0.0)
    delta = delta - first_shift
    keep = jnp.arange(num_states, dtype=jnp.int32)

    def step(delta, inputs):
        log_likelihood, valid = inputs
        scores = delta[:, None] + log_transition
        pointers = jnp.argmax(scores, axis=0).astype(jnp.int32)
        new = jnp.max(scores, axis=0) + log_likelihood
        shift = jnp.max(new)
        return (
            jnp.where(valid, new - shift, delta),
            (jnp.where(valid, pointers, keep), jnp.where(valid, shift, 0.0)),
        )

    delta, (pointers, shifts) = jax.lax.scan(step, delta, (log_likelihoods[1:], mask[1:]))
    last = jnp.argmax(delta).astype(jnp.int32)

    def backtrack(state, pointers_t):
        previous = pointers_t[state]
        return previous, previous

    _, earlier = jax.lax.scan(backtrack, last, pointers, reverse=True)
    log_joint = first_shift + jnp.sum(shifts) + jnp.where(mask[0], delta[last], 0.0)
    log_joint = log_joint + jnp.sum(jnp.where(mask, emission_shift, 0.0))
    return jnp.concatenate([earlier, last[None]]), log_joint


def hmm_posterior_sample(
    initial_probs: jax.Array,
    transition_matrix: jax.Array,
    log_likelihoods: jax.Array,
    mask: jax.Array | None = None,
    *,
    key: jax.Array,
) -> jax.Array:
    r"""One draw :math:`z \sim p(z \mid y)` by forward filtering, backward sampling.

    :math:`z_{T-1} \sim \alpha_{T-1}`, then :math:`p(z_t = i \mid z_{t+1}, y) \propto
    \alpha_t(i) A_{i z_{t+1}}` backwards (Chib, 1996; Murphy, 2012, §17.4.5).

    Returns:
        ``[T]`` int32 states; padded steps repeat the last real state.
    """
    mask = full_mask(log_likelihoods, mask)
    log_filtered = hmm_filter(initial_probs, transition_matrix, log_likelihoods, mask).log_filtered
    log_transition = jnp.log(transition_matrix)
    keys = jax.random.split(key, log_likelihoods.shape[0])
    last = jax.random.categorical(keys[-1], log_filtered[-1]).astype(jnp.int32)

    def step(next_state, inputs):
        log_alpha, valid_next, step_key = inputs
        drawn = jax.random.categorical(step_key, log_alpha + log_transition[:, next_state])
        state = jnp.where(valid_next, drawn.astype(jnp.int32), next_state)
        return state, state

    _, earlier = jax.lax.scan(step, last, (log_filtered[:-1], mask[1:], keys[:-1]), reverse=True)
    return jnp.concatenate([earlier, last[None]])


def sample_markov_chain(
    initial_probs: jax.Array, transition_matrix: jax.Array, num_steps: int, *, key: jax.Array
) -> jax.Array:
    r"""``[num_steps]`` int32 states of a Markov chain: :math:`z_0 \sim \pi`,
    :math:`z_{t+1} \sim A_{z_t}`."""
    keys = jax.random.split(key, num_steps)
    log_transition = jnp.log(transition_matrix)
    first = jax.random.categorical(keys[0], jnp.log(initial_probs)).astype(jnp.int32)

    def step(state, step_key):
        state = jax.random.categorical(step_key, log_transition[state]).astype(jnp.int32)
        return state, state

    _, rest = jax.lax.scan(step, first, keys[1:])
    return jnp.concatenate([first[None], rest])
