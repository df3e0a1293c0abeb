r"""The training Step of the recurrent window language models (Foster 2019, ch. 6).

A batch holds windows ``tokens [B, T + 1]``: ``T`` input tokens and the one after. The
objective is the mean next-token cross-entropy in nats,

.. math::
    \mathcal L(\theta) = -\frac{1}{|S|} \sum_{(b, t) \in S}
    \log p_\theta(w_{b, t+1} \mid w_{b, 1..t}),

over the scored positions :math:`S`: only the last one of each window, as in the book
(``predict_every_position=False``; the only choice for a bidirectional model), or every
position, which gives ``T`` targets per window for the cost of one. An optional
``"length"`` entry ``[B]`` (valid tokens in the row, targets included) right-pads rows of
different lengths; padded positions change nothing and cost nothing.

References:
    Foster (2019), Generative Deep Learning, ch. 6 (Listing 6.3: categorical
    cross-entropy, RMSprop 1e-3, batch 32).
    Goodfellow, Bengio & Courville (2016), Deep Learning, ch. 10 (teacher forcing).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from gen_jax.algorithms.gradient import make_gradient_step
from gen_jax.algorithms.transformer import masked_token_cross_entropy
from gen_jax.core.rng import split_named
from gen_jax.core.step import Step
from gen_jax.models.sequence.language_model import RecurrentLanguageModel

__all__ = ["language_model_objective", "make_language_model_step"]


def _inputs(batch) -> tuple[jax.Array, jax.Array]:
    if "tokens" not in batch:
        raise KeyError(f"batch has keys {sorted(batch)}; the language-model Step expects 'tokens'")
    tokens = batch["tokens"]
    length = batch.get("length")
    if length is None:
        length = jnp.full(tokens.shape[:1], tokens.shape[1], jnp.int32)
    return tokens, length


def language_model_objective(
    model: RecurrentLanguageModel,
    params,
    batch,
    key: jax.Array,
    *,
    predict_every_position: bool = False,
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """Mean next-token cross-entropy of ``batch`` and its metrics.

    Args:
        model: the language model.
        params: its parameters.
        batch: ``{"tokens": int [B, T + 1]}``, optionally ``"length": int [B]`` (at least 2).
        key: the step key (dropout).
        predict_every_position: score every position instead of the window's last.

    Returns:
        ``(loss, {"loss", "bits_per_token", "accuracy", "perplexity"})``.
    """
    tokens, length = _inputs(batch)
    inputs, input_length = tokens[:, :-1], length - 1
    apply_options = dict(
        deterministic=False, rngs={"dropout": split_named(key, "dropout")["dropout"]}
    )
    if predict_every_position:
        logits = model.apply(
            {"params": params},
            inputs,
            input_length,
            method=RecurrentLanguageModel.sequence_logits,
            **apply_options,
        )
        targets = tokens[:, 1:]
        weights = jnp.arange(targets.shape[1])[None, :] < input_length[:, None]
    else:
        logits = model.apply({"params": params}, inputs, input_length, **apply_options)[:, None]
        targets = jnp.take_along_axis(tokens, length[:, None] - 1, axis=1)
        weights = jnp.ones(targets.shape, bool)
    loss, metrics = masked_token_cross_entropy(logits, targets, weights)
    return loss, {**metrics, "perplexity": jnp.exp(loss)}


def make_language_model_step(
    model: RecurrentLanguageModel,
    optimizer: optax.GradientTransformation,
    *,
    predict_every_position: bool = False,
) -> Step:
    """A gradient Step of :func:`language_model_objective`.

    Args:
        model: the language model.
        optimizer: the optax optimiser (the book: ``optax.rmsprop(1e-3, decay=0.9,
            eps=1e-7)``).
        predict_every_position: see :func:`language_model_objective`.

    Returns:
        A Step over ``TrainState``; metrics ``loss`` (nats per token), ``bits_per_token``,
        ``accuracy``, ``perplexity`` and ``grad_norm``.
    """

    def objective(params, batch, key):
        return language_model_objective(
            model, params, batch, key, predict_every_position=predict_every_position
        )

    def init(key, batch):
        tokens, length = _inputs(batch)
        variables = model.init(split_named(key, "params")["params"], tokens[:, :-1], length - 1)
        return variables["params"]

    return make_gradient_step(objective, init, optimizer)
