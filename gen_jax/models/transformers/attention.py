r"""Scaled dot-product attention, its masks, and multi-head attention with a key-value cache.

For queries :math:`Q \in \mathbb R^{n_q \times d_k}`, keys :math:`K \in \mathbb R^{n_{kv}
\times d_k}` and values :math:`V \in \mathbb R^{n_{kv} \times d_v}`,

.. math::
    \mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{Q K^\top}{\sqrt{d_k}} + M\right) V,

where the mask :math:`M` is 0 where a query may look and :math:`-\infty` elsewhere (a
boolean ``True`` = "may attend" here). Multi-head attention runs :math:`h` such maps on
learned projections :math:`Q W^Q_i, K W^K_i, V W^V_i` and mixes the concatenated heads
with :math:`W^O`.

The decoder masks the future (:func:`causal_mask`); padded positions are masked with
:func:`padding_mask`. With a key-value cache (:meth:`MultiHeadAttention.__call__`'s
``cache``) one new position attends to every key computed so far, so generating :math:`T`
tokens costs :math:`O(T)` projections instead of :math:`O(T^2)`.

References:
    Vaswani, Shazeer, Parmar, Uszkoreit, Jones, Gomez, Kaiser & Polosukhin (2017),
    Attention Is All You Need, arXiv:1706.03762, section 3.2.
"""

from __future__ import annotations

from typing import NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp

__all__ = [
    "KeyValueCache",
    "MultiHeadAttention",
    "causal_mask",
    "attention_weights",
    "dot_product_attention",
    "padding_mask",
]


def causal_mask(length: int) -> jax.Array:
    """``bool [1, 1, T, T]``: query ``t`` may attend to keys ``0..t``."""
    return jnp.tril(jnp.ones((length, length), jnp.bool_))[None, None]


def padding_mask(query_valid: jax.Array, key_valid: jax.Array) -> jax.Array:
    """``bool [B, 1, T_q, T_kv]``: both the query and the key are real tokens, not padding.

    Args:
        query_valid: ``bool [B, T_q]``, ``True`` at real query positions.
        key_valid: ``bool [B, T_kv]``, ``True`` at real key positions.
    """
    return (query_valid[:, None, :, None] & key_valid[:, None, None, :]).astype(jnp.bool_)


def attention_weights(query: jax.Array, key: jax.Array, mask: jax.Array | None = None) -> jax.Array:
    r"""``[B, H, T_q, T_kv]`` weights :math:`\mathrm{softmax}(QK^\top/\sqrt{d_k})`.

    Args:
        query: ``[B, T_q, H, d_k]``.
        key: ``[B, T_kv, H, d_k]``.
        mask: ``bool``, broadcastable to ``[B, H, T_q, T_kv]``; ``True`` where a query may
            attend. A query row with no allowed key gets uniform weights (never NaN).
    """
    scale = jnp.sqrt(jnp.asarray(query.shape[-1], query.dtype))
    scores = jnp.einsum("bqhd,bkhd->bhqk", query, key) / scale
    if mask is not None:
        scores = jnp.where(mask, scores, jnp.finfo(scores.dtype).min)
    return jax.nn.softmax(scores, axis=-1)


def dot_product_attention(
    query: jax.Array, key: jax.Array, value: jax.Array, mask: jax.Array | None = None
) -> jax.Array:
    r"""Softmax attention of every head, :math:`\mathrm{softmax}(QK^\top/\sqrt{d_k})V`.

    Args:
        query: ``[B, T_q, H, d_k]``.
        key: ``[B, T_kv, H, d_k]``.
        value: ``[B, T_kv, H, d_v]``.
        mask: see :func:`attention_weights`.

    Returns:
        ``[B, T_q, H, d_v]``.
    """
    return jnp.einsum("bhqk,bkhd->bqhd", attention_weights(query, key, mask), value)


class KeyValueCache(NamedTuple):
    """The keys and values of one attention layer for positions generated so far.

    Attributes:
        key: ``[B, T_max, H, d_k]``, filled up to the current position.
        value: ``[B, T_max, H, d_v]``.
    """

    key: jax.Array
    value: jax.Array


class MultiHeadAttention(nn.Module):
    """Multi-head attention ``(x_q [B, T_q, D], x_kv [B, T_kv, D]) -> [B, T_q, D]``.

    Attributes:
        num_heads: :math:`h`; ``width`` must be divisible by it.
        width: :math:`d_\\text{model}`, the input and output width; each head has
            ``width // num_heads`` dimensions.
        use_bias: biases in the four projections (GPT-2 and BERT have them, nanoGPT's
            ``bias=False`` drops them).
        dropout_rate: dropout on the attention weights and on the output (nanoGPT's
            ``attn_dropout`` and ``resid_dropout``).
        sow_weights: store the attention weights in the ``"intermediates"`` collection
            (for plotting attention maps).
        kernel_init: initialiser of the query, key and value projections.
        output_kernel_init: initialiser of the output projection :math:`W^O`.
    """

    num_heads: int
    width: int
    use_bias: bool = True
    dropout_rate: float = 0.0
    sow_weights: bool = False
    kernel_init: nn.initializers.Initializer = nn.initializers.lecun_normal()
    output_kernel_init: nn.initializers.Initializer = nn.initializers.lecun_normal()

    @nn.compact
    def __call__(
        self,
        inputs_q: jax.Array,
        inputs_kv: jax.Array | None = None,
        mask: jax.Array | None = None,
        *,
        cache: KeyValueCache | None = None,
        cache_index: jax.Array | None = None,
        deterministic: bool = True,
    ) -> tuple[jax.Array, KeyValueCache | None]:
        """Attend from ``inputs_q`` to ``inputs_kv`` (self-attention when it is ``None``).

        Args:
            inputs_q: ``[B, T_q, width]``.
            inputs_kv: ``[B, T_kv, width]``, or ``None`` for self-attention.
            mask: ``bool`` broadcastable to ``[B, H, T_q, T_kv]``; ignored with a cache,
                where position ``cache_index + i`` attends to cached positions up to itself.
            cache: this layer's :class:`KeyValueCache` (self-attention only); the new
                keys and values are written at ``cache_index``.
            cache_index: int scalar, the position of ``inputs_q[:, 0]``.
            deterministic: disable dropout (a ``"dropout"`` rng is needed otherwise).

        Returns:
            ``(output [B, T_q, width], updated cache or None)``.
        """
        if self.width % self.num_heads:
            raise ValueError(
                f"width={self.width} is not divisible by num_heads={self.num_heads}; pick a "
                "width that is a multiple of the number of heads"
            )
        head_dim = self.width // self.num_heads
        inputs_kv = inputs_q if inputs_kv is None else inputs_kv

        def project(name, inputs):
            dense = nn.DenseGeneral(
                (self.num_heads, head_dim),
                use_bias=self.use_bias,
                kernel_init=self.kernel_init,
                name=name,
            )
            return dense(inputs)

        query = project("query", inputs_q)
        key = project("key", inputs_kv)
        value = project("value", inputs_kv)
        if cache is not None:
            start = (0, cache_index, 0, 0)
            key = jax.lax.dynamic_update_slice(cache.key, key.astype(cache.key.dtype), start)
            value = jax.lax.dynamic_update_slice(
                cache.value, value.astype(cache.value.dtype), start
            )
            cache = KeyValueCache(key, value)
            query_positions = cache_index + jnp.arange(query.shape[1])
            mask = (jnp.arange(key.shape[1])[None, :] <= query_positions[:, None])[None, None]
        weights = attention_weights(query, key, mask)
        if self.sow_weights:
            self.sow("intermediates", "attention_weights", weights)
        weights = nn.Dropout(self.dropout_rate)(weights, deterministic=deterministic)
        output = jnp.einsum("bhqk,bkhd->bqhd", weights, value)
        output = nn.DenseGeneral(
            self.width,
            axis=(-2, -1),
            use_bias=self.use_bias,
            kernel_init=self.output_kernel_init,
            name="output",
        )(output)
        output = nn.Dropout(self.dropout_rate)(output, deterministic=deterministic)
        return output, cache
