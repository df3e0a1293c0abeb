r"""The Transformer layer: attention and a position-wise feed-forward net, each in a residual.

One block maps ``[B, T, d]`` to ``[B, T, d]`` with self-attention, optionally
cross-attention to an encoder's output (the original decoder), and the feed-forward net
:math:`\mathrm{FFN}(x) = W_2\,\phi(W_1 x + b_1) + b_2`, the same at every position. Two
placements of layer normalisation:

- post-norm (Vaswani et al. 2017, BERT): :math:`x \leftarrow \mathrm{LN}(x + f(x))`;
- pre-norm (GPT-2, nanoGPT): :math:`x \leftarrow x + f(\mathrm{LN}(x))`, with one more
  LayerNorm after the last block; it trains deep stacks without a learning-rate warm-up.

Weights start as :math:`\mathcal N(0, 0.02^2)`, the projections back into the residual
stream scaled by ``residual_init_scale`` (GPT-2 uses :math:`1/\sqrt{2L}`).

References:
    Vaswani et al. (2017), Attention Is All You Need, arXiv:1706.03762, section 3.
    Radford, Wu, Child, Luan, Amodei & Sutskever (2019), Language Models are Unsupervised
    Multitask Learners (GPT-2; pre-norm and the scaled initialisation).
    Xiong et al. (2020), On Layer Normalization in the Transformer Architecture,
    arXiv:2002.04745.
"""

from __future__ import annotations

import flax.linen as nn
import jax

from gen_jax.models.transformers.attention import KeyValueCache, MultiHeadAttention

__all__ = ["FeedForward", "TransformerBlock", "normal_init"]

INIT_STDDEV = 0.02
LAYER_NORM_EPSILON = 1e-5
ACTIVATIONS = {"gelu": lambda x: nn.gelu(x, approximate=False), "relu": nn.relu}


def normal_init(scale: float = 1.0) -> nn.initializers.Initializer:
    """:math:`\\mathcal N(0, (0.02\\,\\text{scale})^2)`, the GPT-2 / BERT initialiser."""
    return nn.initializers.normal(INIT_STDDEV * scale)


class FeedForward(nn.Module):
    """``[..., width] -> [..., width]`` through ``hidden_width`` units and ``activation``.

    Attributes:
        width: input and output width.
        hidden_width: inner width (:math:`4 d` in GPT and BERT, 2048 for d = 512).
        use_bias: biases in both layers.
        activation: ``"gelu"`` (exact, as PyTorch's ``nn.GELU``) or ``"relu"``.
        dropout_rate: dropout on the output.
        residual_init_scale: scale of the output layer's initial weights.
    """

    width: int
    hidden_width: int
    use_bias: bool = True
    activation: str = "gelu"
    dropout_rate: float = 0.0
    residual_init_scale: float = 1.0

    @nn.compact
    def __call__(self, x: jax.Array, *, deterministic: bool = True) -> jax.Array:
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation={self.activation!r}; use one of {sorted(ACTIVATIONS)}")
        hidden = nn.Dense(
            self.hidden_width, use_bias=self.use_bias, kernel_init=normal_init(), name="hidden"
        )(x)
        hidden = ACTIVATIONS[self.activation](hidden)
        output = nn.Dense(
            self.width,
            use_bias=self.use_bias,
            kernel_init=normal_init(self.residual_init_scale),
            name="output",
        )(hidden)
        return nn.Dropout(self.dropout_rate)(output, deterministic=deterministic)


class TransformerBlock(nn.Module):
    """One encoder or decoder layer, ``x [B, T, width] -> [B, T, width]``.

    Attributes:
        num_heads: attention heads.
        width: :math:`d_\\text{model}`.
        hidden_width: the feed-forward net's inner width.
        pre_norm: LayerNorm before each sub-layer (GPT-2) instead of after the residual sum
            (the original Transformer, BERT).
        cross_attention: add attention to an encoder output (the original decoder).
        use_bias: biases in the projections and the LayerNorms (nanoGPT's ``bias=False``
            drops both).
        activation: the feed-forward activation, ``"gelu"`` or ``"relu"``.
        dropout_rate: dropout on attention weights and on every sub-layer's output.
        residual_init_scale: scale of the initial weights of the projections that write
            into the residual stream.
        sow_weights: record attention weights in ``"intermediates"``.
    """

    num_heads: int
    width: int
    hidden_width: int
    pre_norm: bool = True
    cross_attention: bool = False
    use_bias: bool = True
    activation: str = "gelu"
    dropout_rate: float = 0.0
    residual_init_scale: float = 1.0
    sow_weights: bool = False

    def _attention(self, name: str) -> MultiHeadAttention:
        return MultiHeadAttention(
            num_heads=self.num_heads,
            width=self.width,
            use_bias=self.use_bias,
            dropout_rate=self.dropout_rate,
            sow_weights=self.sow_weights,
            kernel_init=normal_init(),
            output_kernel_init=normal_init(self.residual_init_scale),
            name=name,
        )

    def _norm(self, name: str) -> nn.LayerNorm:
        return nn.LayerNorm(epsilon=LAYER_NORM_EPSILON, use_bias=self.use_bias, name=name)

    def _residual(self, x, name, sublayer):
        if self.pre_norm:
            return x + sublayer(self._norm(f"{name}_norm")(x))
        return self._norm(f"{name}_norm")(x + sublayer(x))

    @nn.compact
    def __call__(
        self,
        x: jax.Array,
        mask: jax.Array | None = None,
        *,
        encoded: jax.Array | None = None,
        cross_mask: jax.Array | None = None,
        cache: KeyValueCache | None = None,
        cache_index: jax.Array | None = None,
        deterministic: bool = True,
    ) -> tuple[jax.Array, KeyValueCache | None]:
        """Apply the layer.

        Args:
            x: ``[B, T, width]``.
            mask: self-attention mask, ``bool`` broadcastable to ``[B, H, T, T]``.
            encoded: ``[B, S, width]``, the encoder output (with ``cross_attention``).
            cross_mask: ``bool`` broadcastable to ``[B, H, T, S]``.
            cache: the self-attention :class:`KeyValueCache` for incremental decoding.
            cache_index: int scalar, the position of ``x[:, 0]`` when decoding.
            deterministic: disable dropout.

        Returns:
            ``(y [B, T, width], updated cache or None)``.
        """
        new_cache = cache

        def self_attention(h):
            nonlocal new_cache
            output, new_cache = self._attention("self_attention")(
                h, None, mask, cache=cache, cache_index=cache_index, deterministic=deterministic
            )
            return output

        x = self._residual(x, "self_attention", self_attention)
        if self.cross_attention:
            if encoded is None:
                raise ValueError("a cross-attention block needs encoded=[B, S, width]")

            def cross(h):
                attention = self._attention("cross_attention")
                return attention(h, encoded, cross_mask, deterministic=deterministic)[0]

            x = self._residual(x, "cross_attention", cross)
        feed_forward = FeedForward(
            self.width,
            self.hidden_width,
            use_bias=self.use_bias,
            activation=self.activation,
            dropout_rate=self.dropout_rate,
            residual_init_scale=self.residual_init_scale,
            name="feed_forward",
        )
        x = self._residual(
            x, "feed_forward", lambda h: feed_forward(h, deterministic=deterministic)
        )
        return x, new_cache
