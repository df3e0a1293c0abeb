"""Train the encoder-decoder Transformer on a generated string task; report exact matches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ml_collections import ConfigDict

from gen_jax.algorithms.transformer import gpt_adamw, make_sequence_to_sequence_step
from gen_jax.core.loop import Hook, fit
from gen_jax.data import ArraySource, BatchIterator
from gen_jax.data.sequence_tasks import (
    END_TOKEN,
    FIRST_SYMBOL,
    PADDING_TOKEN,
    START_TOKEN,
    sequence_task,
)
from gen_jax.models.transformers import EncoderDecoderTransformer, greedy_decode
from gen_jax.viz import write_report
from gen_jax.viz.text import save_text_panel


def task_data(data: ConfigDict, num_examples: int, seed: int) -> dict[str, np.ndarray]:
    """Pairs of the configured task: ``{"source": [N, L], "target": [N, L + 1]}`` int32."""
    return sequence_task(
        data.task,
        num_examples,
        num_symbols=data.num_symbols,
        min_length=data.min_length,
        max_length=data.max_length,
        seed=seed,
    )


def as_text(tokens: np.ndarray) -> str:
    """Symbols as letters ``a, b, ...``; the end token as ``|``, padding as ``.``."""
    special = {PADDING_TOKEN: ".", START_TOKEN: "^", END_TOKEN: "|"}
    return "".join(special.get(int(t)) or chr(ord("a") + int(t) - FIRST_SYMBOL) for t in tokens)


def save_examples(path: Path, test: dict[str, np.ndarray], decoded: np.ndarray) -> Path:
    """One line per example: source, target, decoded and whether it matches exactly."""
    lines = ["source -> target | decoded"]
    for source, target, output in zip(test["source"], test["target"], decoded, strict=True):
        mark = "ok" if np.array_equal(target, output) else "WRONG"
        lines.append(f"{as_text(source)} -> {as_text(target)}   {as_text(output)}  {mark}")
    return save_text_panel(path, lines, width_inches=8, font_size=9)


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, decode the held-out strings greedily, and report; returns the final metrics."""
    workdir = Path(workdir)
    seed, data_config = config.run.seed, config.data
    train_data = task_data(data_config, data_config.num_train_examples, seed)
    test = task_data(data_config, data_config.num_test_examples, seed + 1)
    vocab_size = data_config.num_symbols + FIRST_SYMBOL
    model = EncoderDecoderTransformer(
        source_vocab_size=vocab_size, target_vocab_size=vocab_size, **config.model
    )
    step = make_sequence_to_sequence_step(
        model,
        gpt_adamw(**config.optim),
        start_token=START_TOKEN,
        padding_token=PADDING_TOKEN,
        **config.loss,
    )
    data = BatchIterator(ArraySource(train_data), data_config.batch_size, seed=seed)
    source_valid = test["source"] != PADDING_TOKEN

    def decode_held_out(done: int, state) -> dict[str, float]:
        decoded = np.asarray(
            greedy_decode(
                model,
                state.params,
                test["source"],
                length=data_config.max_length + 1,
                start_token=START_TOKEN,
                source_valid=source_valid,
            )
        )
        shown = {name: values[: config.eval.num_shown] for name, values in test.items()}
        save_examples(
            workdir / "samples" / f"step_{done:07d}.png", shown, decoded[: config.eval.num_shown]
        )
        # positions up to the end token count; what follows it is never read
        scored = test["target"] != PADDING_TOKEN
        right = (decoded == test["target"]) | ~scored
        return {
            "held_out_exact_match": float(np.mean(np.all(right, axis=1))),
            "held_out_token_accuracy": float(np.sum(right & scored) / np.sum(scored)),
        }

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(decode_held_out)],
        description="transformer_copy",
        **config.run,
    )
    final = {
        "train_loss": result.metrics["loss"],
        "held_out_exact_match": result.metrics["held_out_exact_match"],
        "held_out_token_accuracy": result.metrics["held_out_token_accuracy"],
    }
    examples_png = workdir / "samples" / f"step_{config.run.num_steps:07d}.png"
    write_report(
        workdir,
        title=(
            f"Encoder-decoder Transformer on '{data_config.task}' "
            f"(strings of {data_config.min_length}-{data_config.max_length} symbols)"
        ),
        config=config.to_dict(),
        final_metrics=final,
        images={
            "Greedy decoding of held-out strings ('|' ends a string, '.' is padding)": str(
                examples_png
            )
        },
    )
    return {name: float(value) for name, value in final.items()}
