r"""BERT: a bidirectional Transformer encoder trained as a masked language model.

A fraction (15 %) of the input tokens is chosen; of those, 80 % are replaced by the
``[MASK]`` token, 10 % by a random token and 10 % left unchanged (:func:`mask_tokens`).
The encoder sees the whole corrupted sentence in both directions and is trained to
restore the chosen tokens only,

.. math::
    \mathcal L = -\frac{1}{|C|} \sum_{t \in C} \log p_\theta(x_t \mid \tilde x),

so it must also notice the words that were swapped or kept. The model is token plus
learned position embeddings, LayerNorm, post-norm Transformer blocks with GELU, and the
masked-language-model head: dense, GELU, LayerNorm, then the transposed token embedding
plus an output bias. (BERT's segment embeddings and next-sentence objective are left out:
the corpora here are single texts.)

References:
    Devlin, Chang, Lee & Toutanova (2018), BERT: Pre-training of Deep Bidirectional
    Transformers for Language Understanding, arXiv:1810.04805, section 3.1.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from gen_jax.models.transformers.attention import padding_mask
from gen_jax.models.transformers.blocks import LAYER_NORM_EPSILON, TransformerBlock, normal_init
from gen_jax.models.transformers.positional import LearnedPositionalEmbedding

__all__ = ["BERT", "mask_tokens"]


def mask_tokens(
    tokens: jax.Array,
    *,
    key: jax.Array,
    vocab_size: int,
    mask_token_id: int,
    can_mask: jax.Array | None = None,
    mask_rate: float = 0.15,
    replace_with_mask: float = 0.8,
    replace_with_random: float = 0.1,
    num_special_tokens: int = 0,
) -> tuple[jax.Array, jax.Array]:
    """BERT's corruption: choose tokens, then mask, randomise or keep each chosen one.

    Every maskable position is chosen independently with probability ``mask_rate``; a
    chosen token becomes ``mask_token_id`` with probability ``replace_with_mask``, a
    uniform random id in ``[num_special_tokens, vocab_size)`` with probability
    ``replace_with_random``, and stays as it is otherwise.

    Args:
        tokens: int ``[..., T]``.
        key: PRNG key.
        vocab_size: number of token ids.
        mask_token_id: the ``[MASK]`` id.
        can_mask: ``bool [..., T]``, ``False`` at padding or special positions that are
            never chosen; every position by default.
        mask_rate: the chosen fraction (0.15).
        replace_with_mask: fraction of the chosen that become ``[MASK]`` (0.8).
        replace_with_random: fraction of the chosen that become a random token (0.1).
        num_special_tokens: ids below this are never drawn as random replacements.

    Returns:
        ``(corrupted tokens [..., T], chosen bool [..., T])``; the loss is taken where
        ``chosen``.
    """
    if not 0.0 <= replace_with_mask + replace_with_random <= 1.0:
        raise ValueError(
            f"replace_with_mask={replace_with_mask} + replace_with_random="
            f"{replace_with_random} must lie in [0, 1]; the rest of the chosen stay unchanged"
        )
    choose_key, kind_key, random_key = jax.random.split(key, 3)
    chosen = jax.random.bernoulli(choose_key, mask_rate, tokens.shape)
    if can_mask is not None:
        chosen = chosen & can_mask
    kind = jax.random.uniform(kind_key, tokens.shape)
    random_tokens = jax.random.randint(
        random_key, tokens.shape, num_special_tokens, vocab_size, tokens.dtype
    )
    corrupted = jnp.where(
        kind < replace_with_mask, jnp.asarray(mask_token_id, tokens.dtype), tokens
    )
    randomised = (kind >= replace_with_mask) & (kind < replace_with_mask + replace_with_random)
    corrupted = jnp.where(randomised, random_tokens, corrupted)
    return jnp.where(chosen, corrupted, tokens), chosen


class BERT(nn.Module):
    """``tokens [B, T] int -> logits [B, T, vocab_size]`` of the original token everywhere.

    Attributes:
        vocab_size: number of token ids (including ``[MASK]`` and padding).
        max_length: the longest input (size of the position table).
        num_layers: encoder blocks (BERT-base: 12).
        num_heads: attention heads (BERT-base: 12).
        width: hidden width (BERT-base: 768); the feed-forward net has ``4 * width``.
        dropout_rate: dropout on embeddings, attention weights and sub-layer outputs (0.1).
        sow_weights: record every layer's attention weights in ``"intermediates"``.
    """

    vocab_size: int
    max_length: int
    num_layers: int
    num_heads: int
    width: int
    dropout_rate: float = 0.0
    sow_weights: bool = False

    @nn.compact
    def __call__(
        self, tokens: jax.Array, valid: jax.Array | None = None, *, deterministic: bool = True
    ) -> jax.Array:
        """Masked-language-model logits.

        Args:
            tokens: int ``[B, T]``, ``T <= max_length``.
            valid: ``bool [B, T]``, ``False`` at padding (no query or key there).
            deterministic: disable dropout.
        """
        if tokens.ndim != 2 or tokens.shape[1] > self.max_length:
            raise ValueError(
                f"tokens has shape {tokens.shape}; BERT expects [B, T] with T <= "
                f"max_length={self.max_length}"
            )
        embedding = nn.Embed(
            self.vocab_size, self.width, embedding_init=normal_init(), name="token_embedding"
        )
        positions = LearnedPositionalEmbedding(self.max_length, self.width, name="position")
        h = embedding(tokens) + positions(jnp.arange(tokens.shape[1]))
        h = nn.LayerNorm(epsilon=LAYER_NORM_EPSILON, name="embedding_norm")(h)
        h = nn.Dropout(self.dropout_rate)(h, deterministic=deterministic)
        mask = None if valid is None else padding_mask(valid, valid)
        for index in range(self.num_layers):
            block = TransformerBlock(
                num_heads=self.num_heads,
                width=self.width,
                hidden_width=4 * self.width,
                pre_norm=False,
                dropout_rate=self.dropout_rate,
                sow_weights=self.sow_weights,
                name=f"blocks_{index}",
            )
            h, _ = block(h, mask, deterministic=deterministic)
        h = nn.Dense(self.width, kernel_init=normal_init(), name="head_transform")(h)
        h = nn.LayerNorm(epsilon=LAYER_NORM_EPSILON, name="head_norm")(nn.gelu(h, False))
        output_bias = self.param("output_bias", nn.initializers.zeros, (self.vocab_size,))
        return embedding.attend(h) + output_bias
