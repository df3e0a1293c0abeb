"""Transformers: attention and its masks (``attention``), positional encodings
(``positional``), pre- and post-norm blocks (``blocks``), the GPT decoder (``gpt``) and its
samplers with and without a key-value cache (``generation``), the BERT masked language
model (``bert``) and the original encoder-decoder (``encoder_decoder``).
"""

from gen_jax.models.transformers.attention import (
    KeyValueCache,
    MultiHeadAttention,
    attention_weights,
    causal_mask,
    dot_product_attention,
    padding_mask,
)
from gen_jax.models.transformers.bert import BERT, mask_tokens
from gen_jax.models.transformers.blocks import FeedForward, TransformerBlock
from gen_jax.models.transformers.encoder_decoder import EncoderDecoderTransformer, greedy_decode
from gen_jax.models.transformers.generation import generate, sample_next_token
from gen_jax.models.transformers.gpt import GPT
from gen_jax.models.transformers.positional import (
    LearnedPositionalEmbedding,
    sinusoidal_encoding,
    sinusoidal_shift_rotation,
)

__all__ = [
    "BERT",
    "GPT",
    "EncoderDecoderTransformer",
    "FeedForward",
    "KeyValueCache",
    "LearnedPositionalEmbedding",
    "MultiHeadAttention",
    "TransformerBlock",
    "attention_weights",
    "causal_mask",
    "dot_product_attention",
    "generate",
    "greedy_decode",
    "mask_tokens",
    "padding_mask",
    "sample_next_token",
    "sinusoidal_encoding",
    "sinusoidal_shift_rotation",
]
