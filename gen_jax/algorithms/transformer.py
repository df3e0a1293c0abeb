r"""Training Steps of the Transformers: next-token GPT, masked-language-model BERT, and the
teacher-forced encoder-decoder.

All three minimise a token cross-entropy :math:`-\log p_\theta(y_t \mid \cdot)` averaged
over the positions that count:

- GPT (``make_next_token_step``): every position of ``tokens [B, T + 1]``, the targets
  being the inputs shifted left by one;
- BERT (``make_masked_lm_step``): only the 15 % of positions chosen by
  :func:`~gen_jax.models.transformers.bert.mask_tokens`, which runs inside the update with
  the step key, so every step sees a fresh corruption;
- encoder-decoder (``make_sequence_to_sequence_step``): every non-padding target position,
  with optional label smoothing (0.1 in the paper).

Metrics are nats per token (``loss``), bits per token and, where a target is defined,
token accuracy. Each is a :func:`~gen_jax.algorithms.gradient.make_gradient_step` over a
``TrainState``; for parameter-sharded training pass
:func:`~gen_jax.core.sharding.largest_axis_shardings` as the state sharding.

References:
    Radford et al. (2019), Language Models are Unsupervised Multitask Learners (GPT-2).
    Devlin et al. (2018), BERT, arXiv:1810.04805 (masked language model).
    Vaswani et al. (2017), Attention Is All You Need, arXiv:1706.03762 (label smoothing).
    Szegedy et al. (2016), Rethinking the Inception Architecture, arXiv:1512.00567
    (label smoothing).
"""

from __future__ import annotations

import math

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from gen_jax.algorithms.gradient import make_gradient_step
from gen_jax.core.rng import split_named
from gen_jax.core.step import Step
from gen_jax.models.transformers.bert import mask_tokens

__all__ = [
    "gpt_adamw",
    "make_masked_lm_step",
    "make_next_token_step",
    "make_sequence_to_sequence_step",
    "masked_token_cross_entropy",
]


def masked_token_cross_entropy(
    logits: jax.Array, targets: jax.Array, weights: jax.Array, *, label_smoothing: float = 0.0
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """Mean cross-entropy in nats over the weighted positions, and accuracy metrics.

    Args:
        logits: ``[B, T, V]``.
        targets: int ``[B, T]``.
        weights: ``[B, T]``, 1 where the position counts and 0 elsewhere.
        label_smoothing: :math:`\\epsilon`; the target distribution puts :math:`1 -
            \\epsilon` on the target and spreads :math:`\\epsilon` uniformly.

    Returns:
        ``(loss, {"loss", "bits_per_token", "accuracy"})``.
    """
    vocab_size = logits.shape[-1]
    one_hot = jax.nn.one_hot(targets, vocab_size, dtype=logits.dtype)
    smoothed = optax.smooth_labels(one_hot, label_smoothing) if label_smoothing else one_hot
    per_token = optax.softmax_cross_entropy(logits, smoothed)
    weights = weights.astype(logits.dtype)
    count = jnp.maximum(jnp.sum(weights), 1.0)
    loss = jnp.sum(per_token * weights) / count
    correct = (jnp.argmax(logits, axis=-1) == targets).astype(logits.dtype)
    return loss, {
        "loss": loss,
        "bits_per_token": loss / math.log(2.0),
        "accuracy": jnp.sum(correct * weights) / count,
    }


def gpt_adamw(
    *,
    learning_rate: float = 1e-3,
    min_learning_rate: float = 1e-4,
    warmup_steps: int = 100,
    decay_steps: int = 2000,
    b1: float = 0.9,
    b2: float = 0.99,
    weight_decay: float = 0.1,
    grad_clip: float = 1.0,
) -> optax.GradientTransformation:
    """nanoGPT's optimiser: AdamW, warm-up then cosine decay, gradient clipping.

    The learning rate rises linearly from 0 to ``learning_rate`` over ``warmup_steps``,
    then follows a cosine down to ``min_learning_rate`` at ``decay_steps``; weight decay
    applies to matrices and embeddings only (parameters with two or more axes), and the
    gradient's global norm is clipped to ``grad_clip`` first. The defaults are nanoGPT's
    ``shakespeare_char`` values for its CPU run.
    """
    schedule = optax.warmup_cosine_decay_schedule(
        0.0, learning_rate, warmup_steps, decay_steps, end_value=min_learning_rate
    )
    adamw = optax.adamw(
        schedule,
        b1=b1,
        b2=b2,
        weight_decay=weight_decay,
        mask=lambda params: jax.tree.map(lambda leaf: leaf.ndim >= 2, params),
    )
    return optax.chain(optax.clip_by_global_norm(grad_clip), adamw)


def _tokens(batch, name: str, step: str) -> jax.Array:
    if name not in batch:
        raise KeyError(f"batch has keys {sorted(batch)}; {step} expects {name!r}")
    return batch[name]


def make_next_token_step(
    model: nn.Module, optimizer: optax.GradientTransformation, *, token_key: str = "tokens"
) -> Step:
    r"""A Step training a causal language model (``GPT``) to predict the next token.

    Args:
        model: ``model.apply({"params": p}, tokens [B, T], deterministic=...) -> [B, T, V]``.
        optimizer: the optax optimiser (nanoGPT: AdamW, betas (0.9, 0.99), clipping 1.0).
        token_key: the batch entry holding int ``tokens [B, T + 1]``; inputs are
            ``tokens[:, :-1]``, targets ``tokens[:, 1:]``.

    Returns:
        A gradient Step; metrics ``loss`` (nats per token), ``bits_per_token``,
        ``accuracy`` and ``grad_norm``.
    """

    def objective(params, batch, key):
        tokens = _tokens(batch, token_key, "make_next_token_step")
        logits = model.apply(
            {"params": params},
            tokens[:, :-1],
            deterministic=False,
            rngs={"dropout": split_named(key, "dropout")["dropout"]},
        )
        targets = tokens[:, 1:]
        return masked_token_cross_entropy(logits, targets, jnp.ones(targets.shape))

    def init(key, batch):
        tokens = _tokens(batch, token_key, "make_next_token_step")
        return model.init(split_named(key, "params")["params"], tokens[:, :-1])["params"]

    return make_gradient_step(objective, init, optimizer)


def make_masked_lm_step(
    model: nn.Module,
    optimizer: optax.GradientTransformation,
    *,
    vocab_size: int,
    mask_token_id: int,
    num_special_tokens: int = 0,
    mask_rate: float = 0.15,
    token_key: str = "tokens",
    valid_key: str | None = None,
) -> Step:
    r"""A Step training ``BERT`` as a masked language model.

    Each update draws BERT's corruption with the step key (15 % chosen; 80 % ``[MASK]``,
    10 % random, 10 % kept) and scores the model's reconstruction at the chosen positions.

    Args:
        model: ``model.apply({"params": p}, tokens [B, T], valid, deterministic=...)``
            returning ``[B, T, V]``.
        optimizer: the optax optimiser.
        vocab_size: number of token ids.
        mask_token_id: the ``[MASK]`` id.
        num_special_tokens: ids below this (padding, ``[MASK]``) are never random
            replacements.
        mask_rate: the chosen fraction.
        token_key: the batch entry holding int ``tokens [B, T]``.
        valid_key: the batch entry holding ``bool [B, T]`` (``False`` at padding, which is
            neither attended to nor chosen), or ``None`` when nothing is padded.

    Returns:
        A gradient Step; metrics ``loss`` (nats per chosen token), ``bits_per_token``,
        ``accuracy`` (of the chosen tokens), ``masked_fraction`` and ``grad_norm``.
    """

    def inputs(batch):
        tokens = _tokens(batch, token_key, "make_masked_lm_step")
        valid = None if valid_key is None else _tokens(batch, valid_key, "make_masked_lm_step")
        return tokens, valid

    def objective(params, batch, key):
        tokens, valid = inputs(batch)
        keys = split_named(key, "mask", "dropout")
        corrupted, chosen = mask_tokens(
            tokens,
            key=keys["mask"],
            vocab_size=vocab_size,
            mask_token_id=mask_token_id,
            can_mask=valid,
            mask_rate=mask_rate,
            num_special_tokens=num_special_tokens,
        )
        logits = model.apply(
            {"params": params},
            corrupted,
            valid,
            deterministic=False,
            rngs={"dropout": keys["dropout"]},
        )
        loss, metrics = masked_token_cross_entropy(logits, tokens, chosen)
        return loss, {**metrics, "masked_fraction": jnp.mean(chosen.astype(jnp.float32))}

    def init(key, batch):
        tokens, valid = inputs(batch)
        return model.init(split_named(key, "params")["params"], tokens, valid)["params"]

    return make_gradient_step(objective, init, optimizer)


def make_sequence_to_sequence_step(
    model: nn.Module,
    optimizer: optax.GradientTransformation,
    *,
    start_token: int,
    padding_token: int | None = None,
    label_smoothing: float = 0.0,
) -> Step:
    r"""A Step training an ``EncoderDecoderTransformer`` by teacher forcing.

    The decoder reads the target shifted right behind ``start_token`` and predicts every
    target token.

    Args:
        model: ``model.apply({"params": p}, source [B, S], target_inputs [B, T],
            source_valid, deterministic=...) -> [B, T, V]``.
        optimizer: the optax optimiser (the paper: Adam, betas (0.9, 0.98), warm-up).
        start_token: the id that starts every decoder input.
        padding_token: the id of padding in ``source`` and ``target`` (not attended to
            and not scored), or ``None`` when sequences have fixed lengths.
        label_smoothing: :math:`\epsilon_{ls}` (0.1 in the paper).

    Returns:
        A gradient Step over batches ``{"source": int [B, S], "target": int [B, T]}``;
        metrics ``loss``, ``bits_per_token``, ``accuracy`` (per target token) and
        ``grad_norm``.
    """

    def prepare(batch):
        source = _tokens(batch, "source", "make_sequence_to_sequence_step")
        target = _tokens(batch, "target", "make_sequence_to_sequence_step")
        start = jnp.full((target.shape[0], 1), start_token, target.dtype)
        target_inputs = jnp.concatenate([start, target[:, :-1]], axis=1)
        if padding_token is None:
            return source, target, target_inputs, jnp.ones(source.shape, jnp.bool_), None
        return source, target, target_inputs, source != padding_token, target != padding_token

    def objective(params, batch, key):
        source, target, target_inputs, source_valid, target_valid = prepare(batch)
        logits = model.apply(
            {"params": params},
            source,
            target_inputs,
            source_valid,
            deterministic=False,
            rngs={"dropout": split_named(key, "dropout")["dropout"]},
        )
        weights = jnp.ones(target.shape) if target_valid is None else target_valid
        return masked_token_cross_entropy(logits, target, weights, label_smoothing=label_smoothing)

    def init(key, batch):
        source, _, target_inputs, source_valid, _ = prepare(batch)
        params_key = split_named(key, "params")["params"]
        return model.init(params_key, source, target_inputs, source_valid)["params"]

    return make_gradient_step(objective, init, optimizer)
