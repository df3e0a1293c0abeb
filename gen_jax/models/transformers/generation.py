r"""Sampling text from a GPT: with a key-value cache or by re-running the prefix.

Both ways continue a prompt for ``num_new_tokens`` tokens inside one jitted
``lax.scan`` over positions. At position :math:`t` the next token is drawn from

.. math::
    p_\tau(x_{t+1} = v) \propto \exp(z_v / \tau) \quad \text{over the } k
    \text{ largest logits } z_v \text{ (top-}k\text{)},

with ``fold_in(key, t)``, so both draw the same tokens for the same key.

- ``generate(..., use_cache=True)`` keeps every block's keys and values in a cache
  (``GPT.decode``): each position costs one token's worth of projections, :math:`O(T)`
  work in total;
- ``use_cache=False`` runs the whole model over the buffer at every position,
  :math:`O(T^2)` work; it is the reference the cached sampler must equal.

References:
    Radford et al. (2019), Language Models are Unsupervised Multitask Learners (top-k
    sampling of GPT-2 samples).
    Karpathy (2023), nanoGPT ``model.generate`` (temperature and top-k).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from gen_jax.models.transformers.gpt import GPT

__all__ = ["generate", "sample_next_token"]


def sample_next_token(
    logits: jax.Array, *, key: jax.Array, temperature: float = 1.0, top_k: int | None = None
) -> jax.Array:
    """``[B]`` int32 tokens drawn from ``logits [B, V]`` at ``temperature``, among the top k.

    ``temperature=0`` picks the most probable token.
    """
    if temperature == 0.0:
        return jnp.argmax(logits, axis=-1).astype(jnp.int32)
    logits = logits / temperature
    if top_k is not None:
        kth_largest = jax.lax.top_k(logits, top_k)[0][:, -1:]
        logits = jnp.where(logits < kth_largest, -jnp.inf, logits)
    return jax.random.categorical(key, logits, axis=-1).astype(jnp.int32)


def _check(model: GPT, prompt: jax.Array, num_new_tokens: int, top_k: int | None):
    if prompt.ndim != 2 or prompt.shape[1] < 1:
        raise ValueError(f"prompt has shape {prompt.shape}; give int tokens [B, P] with P >= 1")
    if prompt.shape[1] + num_new_tokens > model.block_size:
        raise ValueError(
            f"prompt length {prompt.shape[1]} + num_new_tokens={num_new_tokens} exceeds "
            f"block_size={model.block_size}; shorten one of them"
        )
    if top_k is not None and not 1 <= top_k <= model.vocab_size:
        raise ValueError(f"top_k={top_k} must lie in [1, vocab_size={model.vocab_size}]")


def _scan_positions(prompt, num_new_tokens, key, temperature, top_k, next_logits, carry):
    """Run ``next_logits(carry, tokens, t) -> (logits [B, V], carry)`` over positions.

    At position ``t`` the model has read tokens ``0..t``; the token at ``t + 1`` is the
    prompt's while inside the prompt, otherwise a sample.
    """
    batch_size, prompt_length = prompt.shape
    total = prompt_length + num_new_tokens
    tokens = jnp.zeros((batch_size, total), jnp.int32).at[:, :prompt_length].set(prompt)

    def body(state, t):
        tokens, carry = state
        logits, carry = next_logits(carry, tokens, t)
        sampled = sample_next_token(
            logits, key=jax.random.fold_in(key, t), temperature=temperature, top_k=top_k
        )
        inside_prompt = t + 1 < prompt_length
        chosen = jnp.where(inside_prompt, tokens[:, t + 1], sampled)
        return (tokens.at[:, t + 1].set(chosen), carry), None

    (tokens, _), _ = jax.lax.scan(body, (tokens, carry), jnp.arange(total - 1))
    return tokens


@functools.partial(
    jax.jit, static_argnames=("model", "num_new_tokens", "temperature", "top_k", "use_cache")
)
def generate(
    model: GPT,
    params,
    prompt: jax.Array,
    num_new_tokens: int,
    *,
    key: jax.Array,
    temperature: float = 1.0,
    top_k: int | None = None,
    use_cache: bool = True,
) -> jax.Array:
    """Continue ``prompt``: ``[B, P + num_new_tokens]`` int32, the prompt first.

    Args:
        model: the :class:`~gen_jax.models.transformers.gpt.GPT`.
        params: its parameters.
        prompt: int ``[B, P]``, ``P >= 1`` (a single start token for unconditional text).
        num_new_tokens: how many tokens to add; ``P + num_new_tokens <= block_size``.
        key: PRNG key; position ``t`` uses ``fold_in(key, t)``.
        temperature: divides the logits; 0 means greedy.
        top_k: sample among the ``top_k`` most probable tokens only; all by default.
        use_cache: read one token per position against a key-value cache (``GPT.decode``);
            ``False`` re-runs the model on the whole buffer at every position, the
            reference with the same samples.
    """
    _check(model, prompt, num_new_tokens, top_k)
    variables = {"params": params}

    def cached_logits(caches, tokens, t):
        token = jax.lax.dynamic_slice_in_dim(tokens, t, 1, axis=1)
        logits, caches = model.apply(variables, token, caches, t, method=model.decode)
        return logits[:, 0], caches

    def uncached_logits(carry, tokens, t):
        logits = model.apply(variables, tokens)
        return jax.lax.dynamic_index_in_dim(logits, t, axis=1, keepdims=False), carry

    if use_cache:
        caches = model.init_cache(prompt.shape[0])
        return _scan_positions(
            prompt, num_new_tokens, key, temperature, top_k, cached_logits, caches
        )
    return _scan_positions(prompt, num_new_tokens, key, temperature, top_k, uncached_logits, ())
