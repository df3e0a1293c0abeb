"""Step-contract cases of the Transformers: GPT (replicated and parameter-sharded), BERT's
masked language model and the encoder-decoder."""

import numpy as np
import optax

from gen_jax.algorithms.transformer import (
    make_masked_lm_step,
    make_next_token_step,
    make_sequence_to_sequence_step,
)
from gen_jax.core.sharding import largest_axis_shardings
from gen_jax.models.transformers import BERT, GPT, EncoderDecoderTransformer

VOCAB_SIZE = 17


def _tokens(shape, seed):
    return np.random.default_rng(seed).integers(0, VOCAB_SIZE, shape).astype(np.int32)


def gpt_step_and_batch():
    """A 1-layer GPT without biases, with dropout, on 16 windows of 8 + 1 tokens, its
    parameters and AdamW moments split over the devices (``largest_axis_shardings``)."""
    model = GPT(
        vocab_size=VOCAB_SIZE,
        block_size=8,
        num_layers=1,
        num_heads=2,
        width=16,
        use_bias=False,
        dropout_rate=0.1,
    )
    step = make_next_token_step(model, optax.adamw(1e-3))
    batch = {"tokens": _tokens((16, 9), 0)}
    return step, batch, largest_axis_shardings


def bert_step_and_batch():
    """A 1-layer BERT on 16 padded sentences (ids 0 = padding, 1 = [MASK])."""
    model = BERT(vocab_size=VOCAB_SIZE, max_length=12, num_layers=1, num_heads=2, width=16)
    step = make_masked_lm_step(
        model,
        optax.adam(1e-3),
        vocab_size=VOCAB_SIZE,
        mask_token_id=1,
        num_special_tokens=2,
        valid_key="valid",
    )
    tokens = _tokens((16, 12), 1) % (VOCAB_SIZE - 2) + 2
    valid = np.arange(12)[None] < np.random.default_rng(2).integers(6, 13, (16, 1))
    return step, {"tokens": np.where(valid, tokens, 0).astype(np.int32), "valid": valid}


def sequence_to_sequence_step_and_batch():
    """A 1+1-layer encoder-decoder with label smoothing on 16 padded reversal pairs."""
    model = EncoderDecoderTransformer(
        source_vocab_size=VOCAB_SIZE,
        target_vocab_size=VOCAB_SIZE,
        num_layers=1,
        num_heads=2,
        width=16,
        hidden_width=32,
        dropout_rate=0.0,
    )
    step = make_sequence_to_sequence_step(
        model, optax.adam(1e-3), start_token=1, padding_token=0, label_smoothing=0.1
    )
    source = _tokens((16, 8), 3) % (VOCAB_SIZE - 2) + 2
    source[::3, 6:] = 0
    return step, {"source": source, "target": source[:, ::-1].copy()}
