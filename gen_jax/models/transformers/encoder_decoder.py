r"""The original Transformer: an encoder over the source, a decoder that attends to it.

The encoder maps the source tokens through :math:`N` self-attention blocks; the decoder
predicts the target left to right,

.. math::
    p(y \mid x) = \prod_{t} p(y_t \mid y_{<t}, \mathrm{Enc}(x)),

with masked (causal) self-attention over the target prefix, then cross-attention whose
queries come from the decoder and whose keys and values are the encoder output. Token
embeddings are scaled by :math:`\sqrt{d}` and summed with the sinusoidal positional
encoding; the blocks are post-norm with ReLU feed-forward nets, and the output projection
shares the target embedding's weights (section 3.4 of the paper). The base model has
N = 6, d = 512, h = 8, d_ff = 2048, dropout 0.1.

References:
    Vaswani et al. (2017), Attention Is All You Need, arXiv:1706.03762, sections 3 and 5.
"""

from __future__ import annotations

import functools

import flax.linen as nn
import jax
import jax.numpy as jnp

from gen_jax.models.transformers.attention import causal_mask, padding_mask
from gen_jax.models.transformers.blocks import LAYER_NORM_EPSILON, TransformerBlock, normal_init
from gen_jax.models.transformers.positional import sinusoidal_encoding

__all__ = ["EncoderDecoderTransformer", "greedy_decode"]


class EncoderDecoderTransformer(nn.Module):
    """``(source [B, S], target_inputs [B, T]) -> logits [B, T, target_vocab_size]``.

    Attributes:
        source_vocab_size: source token ids.
        target_vocab_size: target token ids (the decoder's input and output).
        num_layers: :math:`N`, blocks in the encoder and in the decoder.
        num_heads: :math:`h`.
        width: :math:`d_\\text{model}`.
        hidden_width: :math:`d_{ff}`.
        dropout_rate: :math:`P_\\text{drop}`, on embeddings and every sub-layer.
        pre_norm: place LayerNorm before each sub-layer instead of after it.
    """

    source_vocab_size: int
    target_vocab_size: int
    num_layers: int = 6
    num_heads: int = 8
    width: int = 512
    hidden_width: int = 2048
    dropout_rate: float = 0.1
    pre_norm: bool = False

    def setup(self):
        def blocks(cross_attention):
            return [
                TransformerBlock(
                    num_heads=self.num_heads,
                    width=self.width,
                    hidden_width=self.hidden_width,
                    pre_norm=self.pre_norm,
                    cross_attention=cross_attention,
                    activation="relu",
                    dropout_rate=self.dropout_rate,
                )
                for _ in range(self.num_layers)
            ]

        init = normal_init()
        self.source_embedding = nn.Embed(self.source_vocab_size, self.width, embedding_init=init)
        self.target_embedding = nn.Embed(self.target_vocab_size, self.width, embedding_init=init)
        self.encoder_blocks = blocks(cross_attention=False)
        self.decoder_blocks = blocks(cross_attention=True)
        self.dropout = nn.Dropout(self.dropout_rate)
        if self.pre_norm:
            self.encoder_norm = nn.LayerNorm(epsilon=LAYER_NORM_EPSILON)
            self.decoder_norm = nn.LayerNorm(epsilon=LAYER_NORM_EPSILON)

    def _embed(self, embedding: nn.Embed, tokens: jax.Array, deterministic: bool) -> jax.Array:
        h = embedding(tokens) * jnp.sqrt(jnp.float32(self.width))
        h = h + sinusoidal_encoding(tokens.shape[1], self.width)
        return self.dropout(h, deterministic=deterministic)

    def encode(
        self, source: jax.Array, source_valid: jax.Array, *, deterministic: bool = True
    ) -> jax.Array:
        """``[B, S, width]`` encoder output; ``source_valid`` is ``bool [B, S]``."""
        h = self._embed(self.source_embedding, source, deterministic)
        mask = padding_mask(source_valid, source_valid)
        for block in self.encoder_blocks:
            h, _ = block(h, mask, deterministic=deterministic)
        return self.encoder_norm(h) if self.pre_norm else h

    def decode(
        self,
        target_inputs: jax.Array,
        encoded: jax.Array,
        source_valid: jax.Array,
        *,
        deterministic: bool = True,
    ) -> jax.Array:
        """``[B, T, target_vocab_size]`` logits of the next target token at every position."""
        h = self._embed(self.target_embedding, target_inputs, deterministic)
        target_valid = jnp.ones(target_inputs.shape, jnp.bool_)
        cross_mask = padding_mask(target_valid, source_valid)
        mask = causal_mask(target_inputs.shape[1])
        for block in self.decoder_blocks:
            h, _ = block(
                h, mask, encoded=encoded, cross_mask=cross_mask, deterministic=deterministic
            )
        h = self.decoder_norm(h) if self.pre_norm else h
        return self.target_embedding.attend(h)

    def __call__(
        self,
        source: jax.Array,
        target_inputs: jax.Array,
        source_valid: jax.Array | None = None,
        *,
        deterministic: bool = True,
    ) -> jax.Array:
        """Teacher-forced logits ``[B, T, target_vocab_size]``.

        Args:
            source: int ``[B, S]``.
            target_inputs: int ``[B, T]``, the target shifted right (a start token first).
            source_valid: ``bool [B, S]``, ``False`` at source padding; all ``True`` if
                omitted.
            deterministic: disable dropout.
        """
        if source_valid is None:
            source_valid = jnp.ones(source.shape, jnp.bool_)
        encoded = self.encode(source, source_valid, deterministic=deterministic)
        return self.decode(target_inputs, encoded, source_valid, deterministic=deterministic)


@functools.partial(jax.jit, static_argnames=("model", "length", "start_token"))
def greedy_decode(
    model: EncoderDecoderTransformer,
    params,
    source: jax.Array,
    *,
    length: int,
    start_token: int,
    source_valid: jax.Array | None = None,
) -> jax.Array:
    """``[B, length]`` int32: the most probable next token, one position at a time.

    The source is encoded once; each of the ``length`` steps of a ``lax.fori_loop`` runs
    the decoder on the prefix decoded so far (causal, so later placeholder tokens do not
    matter).
    """
    if source_valid is None:
        source_valid = jnp.ones(source.shape, jnp.bool_)
    variables = {"params": params}
    encoded = model.apply(variables, source, source_valid, method=model.encode)
    batch_size = source.shape[0]
    inputs = jnp.full((batch_size, length + 1), start_token, jnp.int32)

    def body(t, inputs):
        logits = model.apply(
            variables, inputs[:, :length], encoded, source_valid, method=model.decode
        )
        next_token = jnp.argmax(logits[:, t], axis=-1).astype(jnp.int32)
        return inputs.at[:, t + 1].set(next_token)

    return jax.lax.fori_loop(0, length, body, inputs)[:, 1:]
