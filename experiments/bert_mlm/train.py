"""Train BERT's masked language model on sentences; masked-token accuracy, attention maps."""

from __future__ import annotations

import collections
import re
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure
from ml_collections import ConfigDict

from gen_jax.algorithms.transformer import gpt_adamw, make_masked_lm_step
from gen_jax.core.atomic import save_figure_png
from gen_jax.core.loop import Hook, fit
from gen_jax.data import ArraySource, BatchIterator, tokenize
from gen_jax.data.characters import load_text_corpus
from gen_jax.models.transformers import BERT, mask_tokens
from gen_jax.viz import write_report

SPECIAL_TOKENS = ("[PAD]", "[MASK]", "[UNK]")
PAD, MASK, UNKNOWN = range(len(SPECIAL_TOKENS))
SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


def sentences(text: str, *, min_words: int, max_length: int) -> list[list[str]]:
    """Word-token sentences with at least ``min_words`` words, cut to ``max_length``."""
    words = (tokenize(piece) for piece in SENTENCE_END.split(text))
    return [sentence[:max_length] for sentence in words if len(sentence) >= min_words]


def encode(sentence_words: list[list[str]], words: list[str], max_length: int):
    """``{"tokens": int32 [N, max_length], "valid": bool [N, max_length]}``."""
    index = {word: i for i, word in enumerate(words)}
    tokens = np.full((len(sentence_words), max_length), PAD, np.int32)
    for row, sentence in enumerate(sentence_words):
        tokens[row, : len(sentence)] = [index.get(word, UNKNOWN) for word in sentence]
    return {"tokens": tokens, "valid": tokens != PAD}


def save_attention_maps(path: Path, weights: list[np.ndarray], labels: list[str]) -> Path:
    """A grid of ``[T, T]`` attention maps: one row per layer, one column per head."""
    num_layers, num_heads = len(weights), weights[0].shape[0]
    figure = Figure(figsize=(3.2 * num_heads, 3.2 * num_layers))
    axes = figure.subplots(num_layers, num_heads, squeeze=False)
    length = len(labels)
    for layer, layer_weights in enumerate(weights):
        for head in range(num_heads):
            axis = axes[layer, head]
            axis.imshow(layer_weights[head, :length, :length], cmap="viridis", vmin=0.0)
            axis.set_title(f"layer {layer + 1}, head {head + 1}", fontsize=8)
            axis.set_xticks(range(length), labels, rotation=90, fontsize=6)
            axis.set_yticks(range(length), labels, fontsize=6)
    figure.tight_layout()
    return save_figure_png(path, figure)


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, score masked-token accuracy, plot attention; returns the final metrics."""
    workdir = Path(workdir)
    seed, data_config, max_length = config.run.seed, config.data, config.model.max_length
    train_text, held_out_text = load_text_corpus(
        data_config.corpus, data_dir=data_config.data_dir or None
    )
    options = dict(min_words=data_config.min_words, max_length=max_length)
    train_sentences = sentences(train_text, **options)
    held_out_sentences = sentences(held_out_text, **options)
    if config.eval.max_held_out_sentences:
        held_out_sentences = held_out_sentences[: config.eval.max_held_out_sentences]
    counts = collections.Counter(word for sentence in train_sentences for word in sentence)
    num_words = data_config.vocabulary_size - len(SPECIAL_TOKENS)
    words = [*SPECIAL_TOKENS, *(word for word, _ in counts.most_common(num_words))]
    train_data = encode(train_sentences, words, max_length)
    held_out = encode(held_out_sentences, words, max_length)

    model = BERT(vocab_size=len(words), **config.model)
    step = make_masked_lm_step(
        model,
        gpt_adamw(**config.optim),
        vocab_size=len(words),
        mask_token_id=MASK,
        num_special_tokens=len(SPECIAL_TOKENS),
        valid_key="valid",
        **config.loss,
    )
    data = BatchIterator(ArraySource(train_data), data_config.batch_size, seed=seed)
    corrupt = jax.jit(
        lambda tokens, valid, key: mask_tokens(
            tokens,
            key=key,
            vocab_size=len(words),
            mask_token_id=MASK,
            can_mask=valid,
            num_special_tokens=len(SPECIAL_TOKENS),
            **config.loss,
        )
    )
    corrupted, chosen = corrupt(held_out["tokens"], held_out["valid"], jax.random.key(seed + 1))
    chosen = np.asarray(chosen)
    most_frequent_word = len(SPECIAL_TOKENS)  # ids follow training frequency
    unigram_accuracy = float(np.mean(held_out["tokens"][chosen] == most_frequent_word))

    @jax.jit
    def predict(params, tokens, valid):
        return jnp.argmax(model.apply({"params": params}, tokens, valid), axis=-1)

    def masked_accuracy(params) -> float:
        size, valid = config.eval.eval_batch_size, held_out["valid"]
        parts = [
            predict(params, corrupted[i : i + size], valid[i : i + size])
            for i in range(0, len(valid), size)
        ]
        predictions = np.concatenate([np.asarray(part) for part in parts])
        return float(np.mean(predictions[chosen] == held_out["tokens"][chosen]))

    # the held-out sentence with the fewest unknown words (the longest among those)
    unknown_count = np.sum(held_out["tokens"] == UNKNOWN, axis=1)
    length = np.sum(held_out["valid"], axis=1)
    shown = int(np.lexsort((-length, unknown_count))[0])
    sentence = held_out["tokens"][shown : shown + 1]
    labels = [words[t] for t in sentence[0] if t != PAD]
    probe = model.clone(sow_weights=True)

    @jax.jit
    def attention(params):
        variables = {"params": params}
        return probe.apply(variables, sentence, sentence != PAD, mutable=["intermediates"])[1]

    def attention_maps(done: int, state) -> dict[str, float]:
        blocks = attention(state.params)["intermediates"]
        layers = [
            np.asarray(blocks[f"blocks_{i}"]["self_attention"]["attention_weights"][0][0])
            for i in range(config.model.num_layers)
        ]
        save_attention_maps(workdir / "samples" / f"attention_{done:07d}.png", layers, labels)
        return {"held_out_masked_accuracy": masked_accuracy(state.params)}

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(attention_maps)],
        description="bert_mlm",
        **config.run,
    )
    final = {
        "train_loss": result.metrics["loss"],
        "held_out_masked_accuracy": result.metrics["held_out_masked_accuracy"],
        "unigram_masked_accuracy": unigram_accuracy,
        "held_out_chosen_tokens": float(chosen.sum()),
        "vocabulary_size": float(len(words)),
    }
    maps_png = workdir / "samples" / f"attention_{config.run.num_steps:07d}.png"
    write_report(
        workdir,
        title=(
            f"BERT masked language model ({config.model.num_layers} blocks) on {data_config.corpus}"
        ),
        config=config.to_dict(),
        final_metrics=final,
        images={f"Attention of one held-out sentence: {' '.join(labels)}": str(maps_png)},
    )
    return {name: float(value) for name, value in final.items()}
