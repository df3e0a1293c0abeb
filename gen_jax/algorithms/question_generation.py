r"""The training Step of the question generator: answer tagging plus teacher-forced questions.

The objective is the book's two cross-entropies with equal weights (Keras ``loss_weights
[1, 1]``), each a mean over its unpadded positions,

.. math::
    \mathcal L = \lambda_\text{tag}\,
    \overline{-\log p_\theta(a_j \mid \text{document})}^{\,j < |d|}
    + \lambda_\text{question}\,
    \overline{-\log p_\theta(q_t \mid q_{<t}, \text{answer})}^{\,t \le |q|},

with :math:`a_j \in \{0, 1\}` the answer label of document token :math:`j` and the
question :math:`q` followed by ``<END>``. Padded positions (id 0 in the targets, or past a
document's length) weigh nothing.

References:
    Foster (2019), Generative Deep Learning, ch. 6 (Experiment 6.2: Adam 1e-3, loss
    weights [1, 1]).
    Du, Shao & Cardie (2017), Learning to Ask, arXiv:1705.00106.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from gen_jax.algorithms.gradient import make_gradient_step
from gen_jax.algorithms.transformer import masked_token_cross_entropy
from gen_jax.core.rng import split_named
from gen_jax.core.step import Step
from gen_jax.models.sequence.question_generator import (
    QuestionGenerator,
    with_pretrained_embedding,
)

__all__ = ["QUESTION_BATCH_KEYS", "make_question_generation_step", "question_generation_objective"]

QUESTION_BATCH_KEYS = (
    "document",
    "document_length",
    "answer_labels",
    "answer_mask",
    "answer_length",
    "question_input",
    "question_output",
)


def _model_inputs(batch) -> tuple[jax.Array, ...]:
    missing = [key for key in QUESTION_BATCH_KEYS if key not in batch]
    if missing:
        raise KeyError(f"batch has keys {sorted(batch)}; the question Step also needs {missing}")
    return tuple(batch[key] for key in QUESTION_BATCH_KEYS[:2] + QUESTION_BATCH_KEYS[3:6])


def question_generation_objective(
    model: QuestionGenerator,
    params,
    batch,
    *,
    tag_weight: float = 1.0,
    question_weight: float = 1.0,
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """The weighted sum of the tagging and question cross-entropies and their metrics.

    Args:
        model, params: the question generator and its parameters.
        batch: ``document [B, D]``, ``document_length [B]``, ``answer_labels [B, D]`` (0/1),
            ``answer_mask [B, A, D]``, ``answer_length [B]``, ``question_input [B, Q]``
            (``<START>`` and the question) and ``question_output [B, Q]`` (the question and
            ``<END>``), all right-padded with 0.
        tag_weight, question_weight: the two losses' weights (1 and 1 in the book).

    Returns:
        ``(loss, {"loss", "tag_loss", "tag_accuracy", "question_loss",
        "question_accuracy"})``; the accuracies are per unpadded token.
    """
    tag_logits, question_logits = model.apply({"params": params}, *_model_inputs(batch))
    document_length = batch["document_length"]
    in_document = jnp.arange(tag_logits.shape[1])[None, :] < document_length[:, None]
    tag_loss, tag_metrics = masked_token_cross_entropy(
        tag_logits, batch["answer_labels"].astype(jnp.int32), in_document
    )
    question_output = batch["question_output"]
    question_loss, question_metrics = masked_token_cross_entropy(
        question_logits, question_output, question_output != 0
    )
    loss = tag_weight * tag_loss + question_weight * question_loss
    return loss, {
        "loss": loss,
        "tag_loss": tag_loss,
        "tag_accuracy": tag_metrics["accuracy"],
        "question_loss": question_loss,
        "question_accuracy": question_metrics["accuracy"],
    }


def make_question_generation_step(
    model: QuestionGenerator,
    optimizer: optax.GradientTransformation,
    *,
    tag_weight: float = 1.0,
    question_weight: float = 1.0,
    initial_embedding: np.ndarray | None = None,
) -> Step:
    """A gradient Step of :func:`question_generation_objective`.

    Args:
        model: the question generator.
        optimizer: the optax optimiser (the book: ``optax.adam(1e-3, eps=1e-7)``).
        tag_weight, question_weight: see :func:`question_generation_objective`.
        initial_embedding: ``[V, E]`` vectors (GloVe) that start the shared embedding.
    """

    def objective(params, batch, key):
        del key  # the model has no dropout
        return question_generation_objective(
            model, params, batch, tag_weight=tag_weight, question_weight=question_weight
        )

    def init(key, batch):
        inputs = _model_inputs(batch)
        params = model.init(split_named(key, "params")["params"], *inputs)["params"]
        if initial_embedding is None:
            return params
        return with_pretrained_embedding(params, initial_embedding)

    return make_gradient_step(objective, init, optimizer)
