r"""Sampling text from a window language model: one jitted scan over a token buffer.

The book's sampler (Listing 6.4) re-tokenises the whole text at every step and keeps the
last 20 tokens; here the last ``W`` token ids live in a buffer that the scan shifts by one
each step, which gives the same windows without the quadratic cost. Each step draws

.. math::
    w_{t+1} \sim \mathrm{softmax}(\ell_t / T), \qquad
    \Pr(w_{t+1} = v) \propto p_\theta(v \mid \text{window})^{1/T},

with :math:`T = 0` meaning the argmax; a sampled stop token (the story separator ``|``)
ends that row's text, and it is not emitted.

References:
    Foster (2019), Generative Deep Learning, ch. 6, Listing 6.4 and Fig. 6.10 (the
    human-led table of the ten most likely next words).
"""

from __future__ import annotations

import functools

import flax.linen as nn
import jax
import jax.numpy as jnp

__all__ = ["generate_from_window", "most_likely_next_tokens", "sample_with_temperature"]


def sample_with_temperature(
    logits: jax.Array, temperature: float | jax.Array, *, key: jax.Array
) -> jax.Array:
    """int32 ``[B]`` tokens drawn from ``softmax(logits [B, V] / T)``; ``T = 0`` takes the
    argmax. ``temperature`` is a scalar or one per row ``[B]``, traced (one compiled
    sampler serves every temperature)."""
    temperature = jnp.broadcast_to(jnp.asarray(temperature, logits.dtype), logits.shape[:1])
    sampling = temperature > 0
    scaled = logits / jnp.where(sampling, temperature, 1.0)[:, None]
    drawn = jax.random.categorical(key, scaled, axis=-1)
    return jnp.where(sampling, drawn, jnp.argmax(logits, axis=-1)).astype(jnp.int32)


@functools.partial(jax.jit, static_argnames=("model", "num_new_tokens"))
def generate_from_window(
    model: nn.Module,
    params,
    window: jax.Array,
    *,
    key: jax.Array,
    num_new_tokens: int,
    temperature: float | jax.Array = 1.0,
    stop_token: int | jax.Array = -1,
) -> tuple[jax.Array, jax.Array]:
    """Continue each seed window by up to ``num_new_tokens`` sampled tokens.

    Args:
        model: a window model, ``model.apply({"params": params}, tokens [B, W]) -> [B, V]``
            (e.g. :class:`~gen_jax.models.sequence.RecurrentLanguageModel`).
        params: its parameters.
        window: int ``[B, W]``, the last ``W`` tokens of each seed text (the book fills a
            short seed on the left with the story separator).
        key: the sampling key; step ``t`` uses ``fold_in(key, t)``.
        num_new_tokens: steps of the scan.
        temperature: divides the logits; ``0`` takes the most likely token. A scalar or
            one per row ``[B]`` (several temperatures in one call).
        stop_token: a sampled token equal to this ends the row (``-1``: never).

    Returns:
        ``(tokens [B, num_new_tokens], lengths [B])``: the generated ids, 0 after a row
        stopped, and how many were generated before the stop.
    """
    window = jnp.asarray(window, jnp.int32)
    if window.ndim != 2:
        raise ValueError(f"window has shape {window.shape}; pass int [B, W]")
    batch_size = window.shape[0]

    def body(carry, t):
        buffer, stopped, length = carry
        logits = model.apply({"params": params}, buffer)
        token = sample_with_temperature(logits, temperature, key=jax.random.fold_in(key, t))
        stopped = stopped | (token == stop_token)
        token = jnp.where(stopped, 0, token)
        buffer = jnp.concatenate([buffer[:, 1:], token[:, None]], axis=1)
        return (buffer, stopped, length + (~stopped).astype(jnp.int32)), token

    start = (window, jnp.zeros(batch_size, bool), jnp.zeros(batch_size, jnp.int32))
    (_, _, lengths), tokens = jax.lax.scan(body, start, jnp.arange(num_new_tokens))
    return tokens.T, lengths


@functools.partial(jax.jit, static_argnames=("model", "num_tokens"))
def most_likely_next_tokens(
    model: nn.Module, params, window: jax.Array, *, num_tokens: int = 10
) -> tuple[jax.Array, jax.Array]:
    """The ``num_tokens`` most likely next tokens after ``window [W]`` and their probabilities
    (the book's "human-led" mode), most likely first: ``(ids [k], probabilities [k])``."""
    logits = model.apply({"params": params}, jnp.asarray(window, jnp.int32)[None])[0]
    probabilities, ids = jax.lax.top_k(jax.nn.softmax(logits), num_tokens)
    return ids, probabilities
