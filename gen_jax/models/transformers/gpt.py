r"""GPT: a decoder-only Transformer language model (GPT-2 layout, as in nanoGPT).

Tokens :math:`x_1..x_T` are modelled left to right,

.. math::
    p(x) = \prod_{t=1}^T p(x_t \mid x_{<t}), \qquad
    p(x_{t+1} \mid x_{\le t}) = \mathrm{softmax}(h_t W_\text{head}),

where :math:`h_t` is the output at position :math:`t` of a stack of pre-norm blocks with
causal self-attention over token plus position embeddings, followed by a final LayerNorm.
With ``tie_weights`` the head is the transposed token embedding (GPT-2, nanoGPT), which
saves ``vocab_size * width`` parameters.

Parameter counts (``jax.eval_shape`` of ``init``, see the tests): GPT-2 small (vocab
50,257, block 1,024, 12 layers, 12 heads, width 768, biases, tied) has 124,439,808, or
123,653,376 without the position table (``positional="sinusoidal"``); nanoGPT's CPU
configuration (vocab 65, block 64, 4 layers, 4 heads, width 128, no biases, tied) has
804,096.

References:
    Radford, Wu, Child, Luan, Amodei & Sutskever (2019), Language Models are Unsupervised
    Multitask Learners (GPT-2).
    Radford, Narasimhan, Salimans & Sutskever (2018), Improving Language Understanding by
    Generative Pre-Training (GPT).
    Karpathy (2023), nanoGPT, https://github.com/karpathy/nanoGPT (``model.py``).
"""

from __future__ import annotations

import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from gen_jax.models.transformers.attention import KeyValueCache, causal_mask
from gen_jax.models.transformers.blocks import LAYER_NORM_EPSILON, TransformerBlock, normal_init
from gen_jax.models.transformers.positional import (
    LearnedPositionalEmbedding,
    sinusoidal_encoding,
)

__all__ = ["GPT", "POSITIONAL_ENCODINGS"]

POSITIONAL_ENCODINGS = ("learned", "sinusoidal")


class GPT(nn.Module):
    """``tokens [B, T] int -> logits [B, T, vocab_size]`` of the next token at every position.

    Attributes:
        vocab_size: number of token ids.
        block_size: the longest context (and the size of the learned position table).
        num_layers: number of Transformer blocks.
        num_heads: attention heads per block.
        width: the residual stream's width :math:`d`; the feed-forward net has :math:`4d`.
        use_bias: biases in every projection and LayerNorm (GPT-2: yes; nanoGPT's
            character configurations: no).
        tie_weights: the output head is the token embedding, transposed.
        positional: ``"learned"`` (GPT-2) or ``"sinusoidal"`` (fixed, no parameters).
        dropout_rate: dropout on the embeddings, attention weights and sub-layer outputs.
    """

    vocab_size: int
    block_size: int
    num_layers: int
    num_heads: int
    width: int
    use_bias: bool = True
    tie_weights: bool = True
    positional: str = "learned"
    dropout_rate: float = 0.0

    def setup(self):
        if self.positional not in POSITIONAL_ENCODINGS:
            raise ValueError(f"positional={self.positional!r}; use one of {POSITIONAL_ENCODINGS}")
        self.token_embedding = nn.Embed(self.vocab_size, self.width, embedding_init=normal_init())
        if self.positional == "learned":
            self.position_embedding = LearnedPositionalEmbedding(self.block_size, self.width)
        self.embedding_dropout = nn.Dropout(self.dropout_rate)
        self.blocks = [
            TransformerBlock(
                num_heads=self.num_heads,
                width=self.width,
                hidden_width=4 * self.width,
                pre_norm=True,
                use_bias=self.use_bias,
                dropout_rate=self.dropout_rate,
                residual_init_scale=1.0 / math.sqrt(2 * self.num_layers),
            )
            for _ in range(self.num_layers)
        ]
        self.final_norm = nn.LayerNorm(epsilon=LAYER_NORM_EPSILON, use_bias=self.use_bias)
        if not self.tie_weights:
            self.head = nn.Dense(self.vocab_size, use_bias=False, kernel_init=normal_init())

    def _embed(self, tokens: jax.Array, start: jax.Array | int, deterministic: bool):
        length = tokens.shape[1]
        if self.positional == "learned":
            positions = self.position_embedding(start + jnp.arange(length))
        else:
            positions = sinusoidal_encoding(length, self.width, offset=start)
        h = self.token_embedding(tokens) + positions
        return self.embedding_dropout(h, deterministic=deterministic)

    def _logits(self, h: jax.Array) -> jax.Array:
        h = self.final_norm(h)
        return self.token_embedding.attend(h) if self.tie_weights else self.head(h)

    def __call__(self, tokens: jax.Array, *, deterministic: bool = True) -> jax.Array:
        """Logits ``[B, T, vocab_size]``; position ``t`` sees ``tokens[:, : t + 1]`` only.

        Args:
            tokens: int ``[B, T]`` with ``T <= block_size``.
            deterministic: disable dropout (training passes ``False`` and a ``"dropout"``
                rng).
        """
        if tokens.ndim != 2 or tokens.shape[1] > self.block_size:
            raise ValueError(
                f"tokens has shape {tokens.shape}; GPT expects [B, T] with T <= "
                f"block_size={self.block_size}"
            )
        h = self._embed(tokens, 0, deterministic)
        mask = causal_mask(tokens.shape[1])
        for block in self.blocks:
            h, _ = block(h, mask, deterministic=deterministic)
        return self._logits(h)

    def init_cache(self, batch_size: int, dtype=jnp.float32) -> tuple[KeyValueCache, ...]:
        """Empty key-value caches, one per block: ``[B, block_size, H, width // H]`` each."""
        shape = (batch_size, self.block_size, self.num_heads, self.width // self.num_heads)
        return tuple(
            KeyValueCache(jnp.zeros(shape, dtype), jnp.zeros(shape, dtype))
            for _ in range(self.num_layers)
        )

    def decode(
        self, tokens: jax.Array, caches: tuple[KeyValueCache, ...], cache_index: jax.Array
    ) -> tuple[jax.Array, tuple[KeyValueCache, ...]]:
        """Logits for new tokens at positions ``cache_index ..``, reusing cached keys/values.

        Args:
            tokens: int ``[B, T_new]``, the tokens at positions ``cache_index`` onward.
            caches: from :meth:`init_cache` or the previous call.
            cache_index: int scalar, the position of ``tokens[:, 0]``.

        Returns:
            ``(logits [B, T_new, vocab_size], updated caches)``; equal to the matching rows
            of ``__call__`` on the whole prefix.
        """
        h = self._embed(tokens, cache_index, True)
        new_caches = []
        for block, cache in zip(self.blocks, caches, strict=True):
            h, cache = block(h, cache=cache, cache_index=cache_index)
            new_caches.append(cache)
        return self._logits(h), tuple(new_caches)
