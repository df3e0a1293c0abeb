"""Train a character-level GPT; report held-out bits per character, baselines and samples."""

from __future__ import annotations

import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.language_model import make_language_model_step
from gen_jax.algorithms.transformer import gpt_adamw, make_next_token_step
from gen_jax.core.loop import Hook, fit
from gen_jax.data import BatchIterator
from gen_jax.data.characters import CharacterVocabulary, TextWindows, load_text_corpus
from gen_jax.models.sequence import RecurrentLanguageModel
from gen_jax.models.transformers import GPT, generate
from gen_jax.viz import write_report
from gen_jax.viz.text import save_text_panel

LN2 = math.log(2.0)


def held_out_blocks(ids: np.ndarray, block_size: int, max_characters: int) -> np.ndarray:
    """int32 ``[N, block_size + 1]``: the held-out ids cut into consecutive windows that
    overlap by one character, so every character after the first is predicted once."""
    if max_characters:
        ids = ids[:max_characters]
    num_blocks = (len(ids) - 1) // block_size
    starts = np.arange(num_blocks) * block_size
    return ids[starts[:, None] + np.arange(block_size + 1)[None, :]]


def held_out_bits_per_character(model: GPT, blocks: np.ndarray, batch_size: int):
    """A function ``params -> bits per character`` on ``blocks`` (a jitted forward pass per
    batch of blocks)."""

    @jax.jit
    def total_nats(params, tokens):
        logits = model.apply({"params": params}, tokens[:, :-1])
        log_probs = jax.nn.log_softmax(logits, axis=-1)
        picked = jnp.take_along_axis(log_probs, tokens[:, 1:, None], axis=-1)
        return -jnp.sum(picked)

    def evaluate(params) -> float:
        nats = sum(
            float(total_nats(params, blocks[start : start + batch_size]))
            for start in range(0, len(blocks), batch_size)
        )
        return nats / (blocks[:, 1:].size * LN2)

    return evaluate


def lstm_baseline_bits_per_character(
    train_ids: np.ndarray,
    blocks: np.ndarray,
    vocab_size: int,
    baseline: ConfigDict,
    *,
    seed: int,
    workdir: Path,
) -> float:
    """Train the chapter-6 LSTM on the GPT's training windows; its held-out bits/char.

    The book's language model (embedding, one LSTM layer, softmax) at character level,
    trained with RMSprop on every position of the same windows the GPT sees, and scored on
    exactly the held-out blocks the GPT is scored on (the same contexts). Checkpoints in
    ``workdir / "lstm_baseline"``, so a rerun resumes instead of training again.
    """
    model = RecurrentLanguageModel(
        vocab_size=vocab_size,
        embedding_size=baseline.embedding_size,
        hidden_size=baseline.hidden_size,
        cell="lstm",
    )
    step = make_language_model_step(
        model, optax.rmsprop(baseline.learning_rate, decay=0.9), predict_every_position=True
    )
    data = BatchIterator(TextWindows(train_ids, blocks.shape[1]), baseline.batch_size, seed=seed)
    result = fit(
        step,
        data,
        num_steps=baseline.num_steps,
        workdir=workdir / "lstm_baseline",
        seed=seed,
        log_every=max(1, baseline.num_steps // 10),
        description="lstm baseline",
    )

    @jax.jit
    def total_nats(params, tokens):
        logits = model.apply(
            {"params": params}, tokens[:, :-1], method=RecurrentLanguageModel.sequence_logits
        )
        log_probs = jax.nn.log_softmax(logits, axis=-1)
        return -jnp.sum(jnp.take_along_axis(log_probs, tokens[:, 1:, None], axis=-1))

    nats = sum(
        float(total_nats(result.state.params, blocks[start : start + baseline.batch_size * 8]))
        for start in range(0, len(blocks), baseline.batch_size * 8)
    )
    return nats / (blocks[:, 1:].size * LN2)


def count_baselines(train_ids: np.ndarray, blocks: np.ndarray, vocab_size: int):
    """Bits per character of add-one-smoothed unigram and bigram models fitted on the
    training ids and scored on exactly the characters the GPT is scored on."""
    unigram = np.bincount(train_ids, minlength=vocab_size) + 1.0
    unigram = np.log(unigram / unigram.sum())
    pairs = np.zeros((vocab_size, vocab_size)) + 1.0
    np.add.at(pairs, (train_ids[:-1], train_ids[1:]), 1.0)
    bigram = np.log(pairs / pairs.sum(axis=1, keepdims=True))
    previous, current = blocks[:, :-1].reshape(-1), blocks[:, 1:].reshape(-1)
    return {
        "unigram_bits_per_character": float(-np.mean(unigram[current]) / LN2),
        "bigram_bits_per_character": float(-np.mean(bigram[previous, current]) / LN2),
    }


def save_text_samples(path: Path, samples: dict[float, list[str]]) -> Path:
    """Render samples, grouped by temperature, in a monospace PNG."""
    lines = []
    for temperature, texts in samples.items():
        lines.append(f"temperature {temperature}:")
        lines += [f"  {text!r}"[:110] for text in texts]
    return save_text_panel(path, lines, width_inches=12, font_size=8)


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, evaluate and sample; returns the final metrics."""
    workdir = Path(workdir)
    seed, evaluation = config.run.seed, config.eval
    train_text, held_out_text = load_text_corpus(
        config.data.corpus, data_dir=config.data.data_dir or None
    )
    vocabulary = CharacterVocabulary.from_text(train_text + held_out_text)
    train_ids, held_out_ids = vocabulary.encode(train_text), vocabulary.encode(held_out_text)
    model = GPT(vocab_size=vocabulary.size, **config.model)
    block_size = config.model.block_size
    data = BatchIterator(TextWindows(train_ids, block_size + 1), config.data.batch_size, seed=seed)
    step = make_next_token_step(model, gpt_adamw(**config.optim))
    blocks = held_out_blocks(held_out_ids, block_size, evaluation.max_held_out_characters)
    bits_per_character = held_out_bits_per_character(model, blocks, evaluation.eval_batch_size)
    prompt = jnp.asarray(held_out_ids[: evaluation.samples_per_temperature, None])
    top_k = evaluation.top_k or None

    def draw_samples(params) -> dict[float, list[str]]:
        samples = {}
        for index, temperature in enumerate(evaluation.temperatures):
            tokens = generate(
                model,
                params,
                prompt,
                block_size - 1,
                key=jax.random.key(seed + 1 + index),
                temperature=float(temperature),
                top_k=top_k,
            )
            samples[float(temperature)] = [vocabulary.decode(row) for row in np.asarray(tokens)]
        return samples

    def evaluate_and_sample(done: int, state) -> dict[str, float]:
        save_text_samples(workdir / "samples" / f"step_{done:07d}.png", draw_samples(state.params))
        return {"held_out_bits_per_character": bits_per_character(state.params)}

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(evaluate_and_sample)],
        description="gpt_text",
        **config.run,
    )
    num_params = sum(leaf.size for leaf in jax.tree.leaves(result.state.params))
    final = {
        "train_nats_per_character": result.metrics["loss"],
        "held_out_bits_per_character": result.metrics["held_out_bits_per_character"],
        "held_out_nats_per_character": result.metrics["held_out_bits_per_character"] * LN2,
        **count_baselines(train_ids, blocks, vocabulary.size),
        "lstm_bits_per_character": lstm_baseline_bits_per_character(
            train_ids, blocks, vocabulary.size, config.baseline, seed=seed, workdir=workdir
        ),
        "vocabulary_size": vocabulary.size,
        "num_parameters": num_params,
    }
    final = {name: float(value) for name, value in final.items()}
    samples_png = workdir / "samples" / f"step_{config.run.num_steps:07d}.png"
    write_report(
        workdir,
        title=(
            f"Character GPT ({config.model.num_layers} layers, width {config.model.width}, "
            f"{num_params:,} parameters) on {config.data.corpus}"
        ),
        config=config.to_dict(),
        final_metrics=final,
        images={
            "Samples at several temperatures (each row starts from one held-out character)": str(
                samples_png
            )
        },
    )
    return final
