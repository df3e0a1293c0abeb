"""Train the book's LSTM on word windows; samples, next-word table, perplexity, variants."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from matplotlib.figure import Figure
from ml_collections import ConfigDict

from gen_jax.algorithms.language_model import make_language_model_step
from gen_jax.core.atomic import save_figure_png
from gen_jax.core.loop import Hook, fit
from gen_jax.data import BatchIterator
from gen_jax.data.characters import TextWindows
from gen_jax.data.text import (
    STORY_SEPARATOR,
    TokenVocabulary,
    aesop_stories,
    pydoc_stories,
    seed_window,
    story_word_tokens,
)
from gen_jax.models.sequence import (
    RecurrentLanguageModel,
    generate_from_window,
    most_likely_next_tokens,
    ngram_cross_entropy,
)
from gen_jax.viz import write_report
from gen_jax.viz.text import save_text_panel

AESOP_VOCABULARY_SIZE = 4169
AESOP_NUM_WINDOWS = 50_416
VARIANT_MODELS = {  # metric name: (plot label, model options)
    "lstm": ("LSTM", dict(cell="lstm")),
    "stacked_lstm": ("2 x LSTM", dict(cell="lstm", num_layers=2)),
    "gru": ("GRU (reset before)", dict(cell="gru")),
    "bidirectional_lstm": ("Bidirectional LSTM", dict(cell="lstm", bidirectional=True)),
}


def load_token_stream(data: ConfigDict) -> tuple[list[str], TokenVocabulary]:
    """The corpus's word tokens and its vocabulary (built on the whole stream, as in the
    book; the Aesop counts are checked against the book's)."""
    if data.corpus == "pydoc":
        stories = pydoc_stories()
    elif data.corpus == "aesop":
        stories = aesop_stories(data.path)
    else:
        raise ValueError(f"data.corpus={data.corpus!r}; choose 'pydoc' or 'aesop'")
    tokens = story_word_tokens(stories, separator_length=data.window)
    vocabulary = TokenVocabulary.from_tokens(tokens)
    num_windows = len(tokens) - data.window
    if data.corpus == "aesop" and (len(vocabulary), num_windows) != (
        AESOP_VOCABULARY_SIZE,
        AESOP_NUM_WINDOWS,
    ):
        raise ValueError(
            f"{data.path} gives {len(vocabulary)} words and {num_windows} windows, not the "
            f"book's {AESOP_VOCABULARY_SIZE} and {AESOP_NUM_WINDOWS}: is it Gutenberg #11339?"
        )
    return tokens, vocabulary


def held_out_loss_fn(model, windows: np.ndarray, batch_size: int):
    """``params -> nats per token``: the last-position cross-entropy on ``windows``."""

    @jax.jit
    def batch_nats(params, batch):
        logits = model.apply({"params": params}, batch[:, :-1])
        return optax.softmax_cross_entropy_with_integer_labels(logits, batch[:, -1]).sum()

    def evaluate(params) -> float:
        total = sum(
            float(batch_nats(params, jnp.asarray(windows[start : start + batch_size])))
            for start in range(0, len(windows), batch_size)
        )
        return total / len(windows)

    return evaluate


def detokenize(words: list[str]) -> str:
    """Words joined by spaces, with no space before closing punctuation."""
    text = " ".join(word for word in words if word)
    for mark in ".,;:!?)":
        text = text.replace(f" {mark}", mark)
    return text


def save_variant_curves(path: Path, curves: dict[str, list[tuple[int, float]]]) -> Path:
    figure = Figure(figsize=(6.4, 4.0), layout="constrained")
    axis = figure.add_subplot()
    for name, points in curves.items():
        steps, losses = zip(*points, strict=True)
        axis.plot(steps, losses, marker="o", markersize=3, label=VARIANT_MODELS[name][0])
    axis.set_xlabel("training step (batch 32)")
    axis.set_ylabel("held-out nats per word (last position)")
    axis.set_title("Four recurrent cells on the same windows", fontsize=10)
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize=8)
    return save_figure_png(path, figure)


def train_variants(config, vocabulary, train_ids, held_out) -> dict[str, list]:
    """The held-out loss curve of each variant of ``VARIANT_MODELS``, trained alike (the
    bidirectional model is scored at the last position only: it reads the whole window)."""
    evaluation, curves = config.eval, {}
    for name, (label, options) in VARIANT_MODELS.items():
        model_options = {**config.model, **options}
        model = RecurrentLanguageModel(len(vocabulary), **model_options)
        every_position = config.loss.predict_every_position and not options.get("bidirectional")
        step = make_language_model_step(
            model, optax.rmsprop(**config.optim), predict_every_position=every_position
        )
        evaluate = held_out_loss_fn(model, held_out, evaluation.eval_batch_size)
        points = []

        def record(done, state, points=points, evaluate=evaluate):
            points.append((done, evaluate(state.params)))

        windows = TextWindows(train_ids, config.data.window + 1)
        data = BatchIterator(windows, config.data.batch_size, seed=config.run.seed)
        fit(
            step,
            data,
            num_steps=evaluation.variant_steps,
            seed=config.run.seed,
            log_every=evaluation.variant_steps,
            hooks=[Hook(record, every=evaluation.variant_eval_every)],
            progress=False,
            description=label,
        )
        curves[name] = points
    return curves


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, sample, tabulate and compare; returns the final metrics."""
    workdir = Path(workdir)
    data_config, evaluation, seed = config.data, config.eval, config.run.seed
    window = data_config.window
    tokens, vocabulary = load_token_stream(data_config)
    vocabulary.save(workdir / "vocabulary.json")
    ids = vocabulary.encode(tokens)
    cut = int(len(ids) * (1.0 - data_config.held_out_fraction))
    train_ids, held_out_ids = ids[:cut], ids[cut:]
    held_out = np.lib.stride_tricks.sliding_window_view(held_out_ids, window + 1)
    held_out = held_out[: evaluation.max_held_out_windows]
    model = RecurrentLanguageModel(len(vocabulary), **config.model)
    step = make_language_model_step(model, optax.rmsprop(**config.optim), **config.loss)
    data = BatchIterator(TextWindows(train_ids, window + 1), data_config.batch_size, seed=seed)
    held_out_loss = held_out_loss_fn(model, held_out, evaluation.eval_batch_size)
    stop = vocabulary.id(STORY_SEPARATOR)
    seed_ids = vocabulary.encode(story_word_tokens([evaluation.seed_text], separator_length=0))
    seed_buffer = seed_window(seed_ids, window, fill_id=stop)

    per_temperature = evaluation.samples_per_temperature
    temperatures = np.repeat(np.asarray(evaluation.temperatures, np.float32), per_temperature)
    seed_rows = jnp.asarray(np.repeat(seed_buffer[None], temperatures.size, axis=0))

    def draw_samples(params) -> list[str]:
        generated, lengths = generate_from_window(
            model,
            params,
            seed_rows,
            key=jax.random.key(seed + 1),
            num_new_tokens=evaluation.num_generated_tokens,
            temperature=jnp.asarray(temperatures),
            stop_token=stop,
        )
        lines = []
        for temperature, row, length in zip(
            temperatures, np.asarray(generated), np.asarray(lengths), strict=True
        ):
            text = detokenize(vocabulary.decode(row[:length]))
            wrapped = textwrap.wrap(f"T = {temperature:.1f}: {evaluation.seed_text} {text}", 110)
            lines.extend([*wrapped, ""])
        return lines

    def evaluate_and_sample(done: int, state) -> dict[str, float]:
        save_text_panel(
            workdir / "samples" / f"step_{done:07d}.png",
            draw_samples(state.params),
            title=f"Samples after {done} steps (seed text: {evaluation.seed_text!r})",
        )
        nats = held_out_loss(state.params)
        return {"held_out_nats_per_word": nats, "held_out_perplexity": math.exp(nats)}

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(evaluate_and_sample)],
        description="text_lstm",
        **config.run,
    )
    params = result.state.params
    next_ids, probabilities = most_likely_next_tokens(
        model, params, jnp.asarray(seed_buffer), num_tokens=evaluation.num_next_tokens
    )
    table = [
        f"{word!r:>16}  {probability:6.1%}"
        for word, probability in zip(
            vocabulary.decode(np.asarray(next_ids)), np.asarray(probabilities), strict=True
        )
    ]
    save_text_panel(
        workdir / "next_words.png",
        table,
        title=f"Most likely next words after {evaluation.seed_text!r}",
    )
    (workdir / "next_words.txt").write_text("\n".join(table) + "\n")
    scored_stream = held_out_ids[window - 1 : len(held_out) + window]  # the LSTM's targets
    baselines = ngram_cross_entropy(train_ids, scored_stream, len(vocabulary))
    images = {
        "Samples at each temperature": str(
            workdir / "samples" / f"step_{config.run.num_steps:07d}.png"
        ),
        "The most likely next words (human-led mode)": str(workdir / "next_words.png"),
    }
    curves = {}
    if evaluation.variant_steps:
        curves = train_variants(config, vocabulary, train_ids, held_out)
        images["Held-out loss of the four variants"] = str(
            save_variant_curves(workdir / "variants.png", curves)
        )
    nats = float(result.metrics["held_out_nats_per_word"])
    final = {
        "train_nats_per_word": float(result.metrics["loss"]),
        "held_out_nats_per_word": nats,
        "held_out_perplexity": math.exp(nats),
        "unigram_perplexity": math.exp(baselines["unigram"]),
        "bigram_perplexity": math.exp(baselines["bigram"]),
        "vocabulary_size": len(vocabulary),
        "num_parameters": sum(leaf.size for leaf in jax.tree.leaves(params)),
        **{f"{name}_held_out_nats": points[-1][1] for name, points in curves.items()},
    }
    write_report(
        workdir,
        title=f"Word LSTM on {data_config.corpus} ({len(vocabulary)} words)",
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final
