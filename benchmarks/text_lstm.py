"""The book's word LSTM: training and generation tokens/s against the same model in PyTorch.

``Embedding(V, 100) -> LSTM(256) -> Dense(V)`` on windows of 20 words of Python's pydoc
topics (the book's pipeline; V = 3,484), trained as in the book: the next word after each
window, RMSprop 1e-3, batch 32. gen_jax runs ``make_language_model_step`` jitted; the peer
is ``torch.nn.LSTM`` with the same shapes and optimiser. Both training steps are timed
interleaved on the same batches (tokens/s counts the window tokens read). Generation
continues a batch of seed windows by ``--new-tokens`` sampled words at T = 1: gen_jax in
one jitted ``lax.scan`` over a token buffer (``generate_from_window``), PyTorch in a Python
loop over the same window model under ``torch.no_grad``.

Usage::

    python -m benchmarks.text_lstm [--steps 30] [--new-tokens 100] [--rows 8]

References:
    Foster (2019), Generative Deep Learning, ch. 6, Listings 6.3-6.4.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import torch

from benchmarks import harness
from gen_jax.algorithms.language_model import make_language_model_step
from gen_jax.data.characters import TextWindows
from gen_jax.data.text import TokenVocabulary, pydoc_stories, story_word_tokens
from gen_jax.models.sequence import RecurrentLanguageModel, generate_from_window

QUICK_ARGS: tuple[str, ...] = (
    "--steps", "3", "--warmup", "1", "--new-tokens", "5", "--rows", "2", "--hidden-size", "32",
)  # fmt: skip
WINDOW = 20


class TorchWindowLSTM(torch.nn.Module):
    """The same window model in PyTorch: the last LSTM state to next-word logits."""

    def __init__(self, vocab_size: int, embedding_size: int, hidden_size: int) -> None:
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab_size, embedding_size)
        self.lstm = torch.nn.LSTM(embedding_size, hidden_size, batch_first=True)
        self.output = torch.nn.Linear(hidden_size, vocab_size)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        states, _ = self.lstm(self.embedding(tokens))
        return self.output(states[:, -1])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="timed training steps per side")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--hidden-size", type=int, default=256)
    parser.add_argument("--new-tokens", type=int, default=100, help="generated per row")
    parser.add_argument("--rows", type=int, default=8, help="seed windows generated at once")
    parser.add_argument("--torch-threads", type=int, default=0, help="0: the usable cores")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="text_lstm")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    threads = args.torch_threads or harness.machine_description()["usable_cores"]
    torch.set_num_threads(threads)
    torch.manual_seed(args.seed)
    tokens = story_word_tokens(pydoc_stories(), separator_length=WINDOW)
    vocabulary = TokenVocabulary.from_tokens(tokens)
    windows = TextWindows(vocabulary.encode(tokens), WINDOW + 1)
    rng = np.random.default_rng(args.seed)
    batches = [windows[rng.integers(0, len(windows), args.batch_size)]["tokens"] for _ in range(8)]
    load_before = harness.machine_description()["load_average"]

    model = RecurrentLanguageModel(len(vocabulary), 100, args.hidden_size)
    step = make_language_model_step(model, optax.rmsprop(1e-3, decay=0.9, eps=1e-7))
    update = jax.jit(step.update, donate_argnums=0)
    jax_side = {"state": step.init(jax.random.key(args.seed), {"tokens": batches[0]}), "t": 0}
    key = jax.random.key(args.seed + 1)

    def jax_train():
        batch = {"tokens": batches[jax_side["t"] % len(batches)]}
        jax_side["state"], metrics = update(jax_side["state"], batch, key)
        jax_side["t"] += 1
        return metrics["loss"]

    peer = TorchWindowLSTM(len(vocabulary), 100, args.hidden_size)
    optimizer = torch.optim.RMSprop(peer.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    torch_batches = [torch.as_tensor(batch, dtype=torch.long) for batch in batches]
    torch_side = {"t": 0}

    def torch_train():
        batch = torch_batches[torch_side["t"] % len(batches)]
        loss = torch.nn.functional.cross_entropy(peer(batch[:, :-1]), batch[:, -1])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        torch_side["t"] += 1
        return loss

    tokens_per_step = args.batch_size * WINDOW
    training = harness.time_callables(
        {"gen_jax": jax_train, "torch": torch_train},
        num_steps=args.steps,
        warmup=args.warmup,
        rounds=min(3, args.steps),
        syncs={"gen_jax": jax.block_until_ready, "torch": lambda loss: loss.item()},
        examples_per_step=tokens_per_step,
    )

    seeds = batches[0][: args.rows, :WINDOW]
    params = jax_side["state"].params

    def jax_generate():
        return generate_from_window(
            model, params, jnp.asarray(seeds), key=key, num_new_tokens=args.new_tokens
        )

    def torch_generate():
        buffer = torch.as_tensor(seeds, dtype=torch.long)
        generated = []
        with torch.no_grad():
            for _ in range(args.new_tokens):
                probabilities = torch.softmax(peer(buffer), dim=-1)
                token = torch.multinomial(probabilities, 1)
                generated.append(token)
                buffer = torch.cat([buffer[:, 1:], token], dim=1)
        return torch.cat(generated, dim=1)

    generation = harness.time_callables(
        {"gen_jax": jax_generate, "torch": torch_generate},
        num_steps=max(3, args.steps // 10),
        warmup=1,
        syncs={"gen_jax": jax.block_until_ready, "torch": lambda result: result},
        examples_per_step=args.rows * args.new_tokens,
    )
    for name, timings in (("training", training), ("generation", generation)):
        rates = {side: timings[side]["examples_per_s"]["median"] for side in timings}
        print(f"{name}: gen_jax {rates['gen_jax']:.0f} tokens/s, torch {rates['torch']:.0f}")
    payload: dict[str, Any] = {
        "benchmark": "text_lstm",
        "description": __doc__.splitlines()[0],
        "machine": harness.machine_description(),
        "load_average_before": load_before,
        "config": {**vars(args), "vocab_size": len(vocabulary), "torch_threads": threads},
        "training": training,
        "generation": generation,
    }
    path = harness.write_result(args.name, payload)
    print(f"wrote {path}")
    return 0


def summary_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """Table rows (benchmark contract): training and generation tokens/s against torch."""
    config, rows = result["config"], []
    cases = {
        "training": f"word LSTM({config['hidden_size']}) training, batch "
        f"{config['batch_size']} x {WINDOW} tokens, V = {config['vocab_size']}",
        "generation": f"word LSTM generation, {config['rows']} rows x {config['new_tokens']} "
        "tokens, window 20",
    }
    for name, case in cases.items():
        rates = {
            side: result[name][side]["examples_per_s"]["median"] for side in ("gen_jax", "torch")
        }
        rows.append(
            {
                "benchmark": "text_lstm",
                "case": case,
                "gen_jax": f"{rates['gen_jax']:.0f} tokens/s",
                "peer": f"torch {rates['torch']:.0f} tokens/s ({config['torch_threads']} threads)",
                "ratio": f"{rates['gen_jax'] / rates['torch']:.2f}",
            }
        )
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
