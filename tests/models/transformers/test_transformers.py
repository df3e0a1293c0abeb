"""Transformers: exact parameter counts, masks, attention and positional closed forms, the
BERT masker's proportions, and cached generation equal to uncached generation."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gen_jax.core.sharding import largest_axis_shardings, make_mesh
from gen_jax.models.transformers import (
    BERT,
    GPT,
    EncoderDecoderTransformer,
    MultiHeadAttention,
    generate,
    mask_tokens,
    sample_next_token,
    sinusoidal_encoding,
    sinusoidal_shift_rotation,
)


def _num_params(model, *inputs):
    shapes = jax.eval_shape(lambda: model.init(jax.random.key(0), *inputs))
    return sum(math.prod(leaf.shape) for leaf in jax.tree.leaves(shapes["params"]))


@pytest.mark.parametrize(
    "options, expected",
    [
        (
            dict(vocab_size=50257, block_size=1024, num_layers=12, num_heads=12, width=768),
            124_439_808,
        ),
        (
            dict(
                vocab_size=50257,
                block_size=1024,
                num_layers=12,
                num_heads=12,
                width=768,
                positional="sinusoidal",
            ),
            123_653_376,
        ),
        (
            dict(
                vocab_size=65, block_size=64, num_layers=4, num_heads=4, width=128, use_bias=False
            ),
            804_096,
        ),
    ],
    ids=["gpt2_small", "gpt2_small_without_position_table", "nanogpt_cpu"],
)
def test_gpt_parameter_counts_are_exact(options, expected):
    assert _num_params(GPT(**options), jnp.zeros((1, 8), jnp.int32)) == expected


def test_untied_head_adds_vocab_times_width():
    options = dict(vocab_size=65, block_size=64, num_layers=4, num_heads=4, width=128)
    tokens = jnp.zeros((1, 8), jnp.int32)
    tied = _num_params(GPT(**options, use_bias=False), tokens)
    untied = _num_params(GPT(**options, use_bias=False, tie_weights=False), tokens)
    assert untied - tied == 65 * 128


@pytest.fixture(scope="module")
def small_gpt():
    model = GPT(vocab_size=11, block_size=12, num_layers=1, num_heads=2, width=16)
    params = jax.jit(model.init)(jax.random.key(0), jnp.zeros((1, 12), jnp.int32))["params"]
    return model, params


def test_causal_mask_logits_at_t_ignore_later_tokens(small_gpt):
    model, params = small_gpt
    tokens = jax.random.randint(jax.random.key(1), (2, 12), 0, 11)
    changed = tokens.at[:, 6:].set((tokens[:, 6:] + 3) % 11)
    logits = jax.jit(model.apply)({"params": params}, jnp.concatenate([tokens, changed]))
    np.testing.assert_array_equal(logits[:2, :6], logits[2:, :6])
    assert not np.allclose(logits[:2, 6:], logits[2:, 6:])


def test_cached_generation_equals_uncached(small_gpt):
    model, params = small_gpt
    prompt = jnp.array([[1, 2, 3], [4, 5, 6]], jnp.int32)
    options = dict(key=jax.random.key(2), temperature=0.7, top_k=3)
    cached = generate(model, params, prompt, 9, **options)
    uncached = generate(model, params, prompt, 9, **options, use_cache=False)
    np.testing.assert_array_equal(cached, uncached)
    np.testing.assert_array_equal(cached[:, :3], prompt)


def test_top_k_and_zero_temperature_restrict_the_draw():
    logits = jnp.log(jnp.array([[0.1, 0.5, 0.15, 0.25]] * 2000))
    sample = jax.jit(sample_next_token, static_argnames=("temperature", "top_k"))
    top_two = np.asarray(sample(logits, key=jax.random.key(3), top_k=2))
    assert set(top_two) == {1, 3} and abs(np.mean(top_two == 1) - 0.5 / 0.75) < 0.05
    greedy = sample(logits, key=jax.random.key(4), temperature=0.0)
    assert np.all(np.asarray(greedy) == 1)


def test_one_head_with_identity_projections_is_softmax_attention():
    width = 6
    x = np.asarray(jax.random.normal(jax.random.key(8), (2, 5, width)))
    y = np.asarray(jax.random.normal(jax.random.key(9), (2, 7, width)))
    attention = MultiHeadAttention(num_heads=1, width=width, use_bias=False)
    identity = np.eye(width, dtype=np.float32)
    params = {name: {"kernel": identity[:, None, :]} for name in ("query", "key", "value")} | {
        "output": {"kernel": identity[None, :, :]}
    }
    output, _ = jax.jit(attention.apply)({"params": params}, x, y)
    scores = np.einsum("bqd,bkd->bqk", x, y) / np.sqrt(width)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    np.testing.assert_allclose(output, np.einsum("bqk,bkd->bqd", weights, y), atol=1e-5)


def test_sinusoidal_encoding_is_rotated_by_a_fixed_map_per_shift():
    width, shift = 16, 5
    encoding = np.asarray(sinusoidal_encoding(40, width))
    pairs = encoding.reshape(40, width // 2, 2)
    np.testing.assert_allclose(np.linalg.norm(pairs, axis=-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(encoding[0, 1::2], 1.0)  # cos(0) in every odd column
    rotation = np.asarray(sinusoidal_shift_rotation(shift, width))
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(width), atol=1e-5)
    np.testing.assert_allclose(encoding[:-shift] @ rotation.T, encoding[shift:], atol=1e-4)


def test_masker_proportions_over_a_million_tokens():
    tokens = jnp.full((1000, 1000), 5, jnp.int32)
    masker = jax.jit(
        mask_tokens, static_argnames=("vocab_size", "mask_token_id", "num_special_tokens")
    )
    corrupted, chosen = masker(
        tokens, key=jax.random.key(10), vocab_size=50, mask_token_id=1, num_special_tokens=2
    )
    chosen, corrupted = np.asarray(chosen), np.asarray(corrupted)
    assert abs(chosen.mean() - 0.15) < 0.001
    picked = corrupted[chosen]
    masked, kept = np.mean(picked == 1), np.mean(picked == 5)
    randomised = np.mean((picked != 1) & (picked != 5))
    assert abs(masked - 0.8) < 0.005
    # a random replacement equals the original 1 time in 48, which counts as "kept"
    assert abs(kept - (0.1 + 0.1 / 48)) < 0.005 and abs(randomised - 0.1 * 47 / 48) < 0.005
    assert np.all(corrupted[~chosen] == 5) and corrupted.min() >= 1


def test_masker_never_chooses_padding():
    tokens = jnp.arange(2000, dtype=jnp.int32).reshape(20, 100) % 30 + 2
    can_mask = jnp.arange(100)[None] < 60
    masker = jax.jit(mask_tokens, static_argnames=("vocab_size", "mask_token_id"))
    _, chosen = masker(
        tokens, key=jax.random.key(11), vocab_size=32, mask_token_id=1, can_mask=can_mask
    )
    assert not np.any(np.asarray(chosen)[:, 60:]) and np.any(chosen)


def test_bert_ignores_padding_and_sees_both_directions():
    model = BERT(vocab_size=20, max_length=10, num_layers=1, num_heads=2, width=16)
    tokens = jax.random.randint(jax.random.key(12), (1, 10), 2, 20)
    valid = jnp.arange(10)[None] < 7
    params = jax.jit(model.init)(jax.random.key(13), tokens, valid)
    pad_changed = tokens.at[:, 7:].set(3)
    late_changed = tokens.at[:, 5].set((tokens[0, 5] + 1) % 20)
    logits = jax.jit(model.apply)(
        params, jnp.concatenate([tokens, pad_changed, late_changed]), valid
    )
    np.testing.assert_allclose(logits[0, :7], logits[1, :7], atol=1e-5)
    assert not np.allclose(logits[0, 0], logits[2, 0])  # position 0 sees position 5


def test_encoder_decoder_is_causal_in_the_target():
    model = EncoderDecoderTransformer(
        source_vocab_size=9, target_vocab_size=9, num_layers=1, num_heads=2, width=16,
        hidden_width=32,
    )  # fmt: skip
    source = jax.random.randint(jax.random.key(14), (2, 6), 2, 9)
    target = jax.random.randint(jax.random.key(15), (2, 6), 2, 9)
    changed = target.at[:, 4:].set(2)
    source, target = jnp.tile(source, (2, 1)), jnp.concatenate([target, changed])
    params = jax.jit(model.init)(jax.random.key(16), source, target)
    logits = jax.jit(model.apply)(params, source, target)
    np.testing.assert_allclose(logits[:2, :4], logits[2:, :4], atol=1e-5)
    assert not np.allclose(logits[:2, 4:], logits[2:, 4:])


def test_largest_axis_shardings_split_parameters_over_the_devices(small_gpt):
    _, params = small_gpt
    specs = jax.tree.map(lambda s: s.spec, largest_axis_shardings(params, make_mesh(8)))
    assert specs["token_embedding"]["embedding"] == jax.sharding.PartitionSpec(None, "data")
    assert specs["blocks_0"]["feed_forward"]["hidden"]["kernel"][1] == "data"  # [16, 64]
    assert specs["blocks_0"]["self_attention"]["query"]["bias"][1] == "data"  # [2, 8]
    odd = {"scalar": jnp.zeros(()), "odd": jnp.zeros((3, 5))}
    odd_specs = largest_axis_shardings(odd, make_mesh(8))
    assert all(s.spec == jax.sharding.PartitionSpec() for s in jax.tree.leaves(odd_specs))
    single = largest_axis_shardings(params, make_mesh(1))
    assert all(s.spec == jax.sharding.PartitionSpec() for s in jax.tree.leaves(single))
