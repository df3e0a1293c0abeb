"""GPT: training tokens/s against nanoGPT in PyTorch, and cached against uncached sampling.

The character GPT at nanoGPT's CPU configuration (4 layers, 4 heads, width 128, block 64,
batch 12, no biases, tied head) on Python's help text (``gen_jax.data.characters``):

- training: gen_jax's compiled ``make_next_token_step`` (AdamW, clipping) and the same
  model written in PyTorch (:mod:`benchmarks.gpt_torch`, nanoGPT's ``model.py`` layout),
  started from the same weights (their logits are compared first) and timed interleaved
  on the same batch; the ratio of tokens/s;
- optionally (``--train-steps N``) both trained for N steps on the same batches, and their
  held-out loss in nats per character compared;
- sampling ``--num-samples`` sequences of ``block_size - 1`` new characters with the
  key-value cache and by re-running the prefix (``generate(..., use_cache=False)``).

Usage::

    python -m benchmarks.transformer [--steps 30] [--train-steps 0]

References:
    Karpathy (2023), nanoGPT (``config/train_shakespeare_char.py``, CPU settings).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import torch

from benchmarks import harness
from benchmarks.gpt_torch import (
    check_gpt,
    copy_gen_jax_weights,
    torch_gpt_for,
    torch_next_token_loss,
)
from benchmarks.vae_step import configure_gpu_precision
from gen_jax.algorithms.transformer import gpt_adamw, make_next_token_step
from gen_jax.core.step import compile_step
from gen_jax.data import BatchIterator
from gen_jax.data.characters import CharacterVocabulary, TextWindows, load_text_corpus
from gen_jax.models.transformers import GPT, generate

QUICK_ARGS: tuple[str, ...] = (
    "--steps", "3", "--warmup", "1", "--rounds", "1", "--sample-repeats", "1",
    "--num-samples", "2", "--layers", "1", "--width", "32", "--block-size", "16",
)  # fmt: skip
LEARNING_RATE = 1e-3


def corpus(block_size: int, held_out_characters: int):
    """``(vocabulary, training windows, held-out blocks [N, block_size + 1])``."""
    train_text, held_out_text = load_text_corpus("pydoc")
    vocabulary = CharacterVocabulary.from_text(train_text + held_out_text)
    held_out = vocabulary.encode(held_out_text)[:held_out_characters]
    count = (len(held_out) - 1) // block_size
    blocks = held_out[np.arange(count)[:, None] * block_size + np.arange(block_size + 1)]
    return vocabulary, TextWindows(vocabulary.encode(train_text), block_size + 1), blocks


def torch_optimizer(peer: torch.nn.Module) -> torch.optim.Optimizer:
    """nanoGPT's AdamW: weight decay 0.1 on matrices and embeddings only."""
    matrices = [p for p in peer.parameters() if p.dim() >= 2]
    vectors = [p for p in peer.parameters() if p.dim() < 2]
    groups = [{"params": matrices, "weight_decay": 0.1}, {"params": vectors, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=LEARNING_RATE, betas=(0.9, 0.99))


def torch_train_step(peer, optimizer, tokens: torch.Tensor) -> torch.Tensor:
    optimizer.zero_grad(set_to_none=True)
    loss = torch_next_token_loss(peer, tokens)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(peer.parameters(), 1.0)
    optimizer.step()
    return loss


def compare_training(args, model: GPT, params, batch: np.ndarray) -> dict[str, Any]:
    """Tokens/s of both sides' training step on one batch, timed interleaved."""
    step = make_next_token_step(model, gpt_adamw(learning_rate=LEARNING_RATE))
    prepared = harness.prepare_step(
        step, {"tokens": batch}, num_calls=args.warmup + args.steps, seed=args.seed
    )
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    peer = torch_gpt_for(model)
    copy_gen_jax_weights(params, peer)
    peer.to(device)
    optimizer = torch_optimizer(peer)
    tokens = torch.from_numpy(batch).long().to(device)
    synchronize = torch.cuda.synchronize if device.type == "cuda" else lambda: None
    timings = harness.time_callables(
        {"gen_jax": prepared, "torch": lambda: torch_train_step(peer, optimizer, tokens)},
        num_steps=args.steps,
        warmup=args.warmup,
        rounds=min(args.rounds, args.steps),
        syncs={"torch": lambda _: synchronize()},
    )
    tokens_per_step = batch.shape[0] * (batch.shape[1] - 1)
    rates = {name: timings[name]["steps_per_s"]["median"] * tokens_per_step for name in timings}
    return {
        "tokens_per_s": rates,
        "ratio": rates["gen_jax"] / rates["torch"],
        "compile_s": prepared.info["compile_s"],
        "torch_threads": torch.get_num_threads(),
        "torch_device": device.type,
        "gen_jax": {**timings["gen_jax"], **prepared.report()},
    }


def train_both(args, model: GPT, params, windows: TextWindows, blocks: np.ndarray):
    """Train both sides from the same weights on the same batches; held-out nats/char."""
    schedule = dict(warmup_steps=min(100, args.train_steps // 10), decay_steps=args.train_steps)
    step = make_next_token_step(model, gpt_adamw(learning_rate=LEARNING_RATE, **schedule))
    learning_rate = optax.warmup_cosine_decay_schedule(
        0.0, LEARNING_RATE, schedule["warmup_steps"], args.train_steps, end_value=1e-4
    )
    update = compile_step(step.update)
    data = BatchIterator(windows, args.batch_size, seed=args.seed)
    state = jax.jit(step.init)(jax.random.key(args.seed), data.peek())
    state = state.replace(params=jax.tree.map(jnp.copy, params))  # the update donates it
    peer = torch_gpt_for(model)
    copy_gen_jax_weights(params, peer)
    optimizer = torch_optimizer(peer)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda index: float(learning_rate(index)) / LEARNING_RATE
    )
    for index in range(args.train_steps):
        batch = next(data)["tokens"]
        state, _ = update(state, {"tokens": batch}, jax.random.key(index))
        torch_train_step(peer, optimizer, torch.from_numpy(batch).long())
        scheduler.step()

    @jax.jit
    def held_out_loss(params):
        logits = model.apply({"params": params}, blocks[:, :-1])
        log_probs = jax.nn.log_softmax(logits)
        return -jnp.mean(jnp.take_along_axis(log_probs, blocks[:, 1:, None], axis=-1))

    with torch.no_grad():
        theirs = float(torch_next_token_loss(peer, torch.from_numpy(blocks).long()))
    return {"gen_jax": float(held_out_loss(state.params)), "torch": theirs}


def compare_sampling(args, model: GPT, params) -> dict[str, Any]:
    """Seconds to draw ``num_samples`` x ``block_size - 1`` characters, cached or not."""
    prompt = jnp.ones((args.num_samples, 1), jnp.int32)
    new = model.block_size - 1

    def sample(use_cache):
        return generate(model, params, prompt, new, key=jax.random.key(0), use_cache=use_cache)

    return {
        name: harness.time_callable(
            lambda use_cache=use_cache: sample(use_cache), num_steps=args.sample_repeats, warmup=1
        )["step_ms"]["median"]
        / 1e3
        for name, use_cache in (("cached", True), ("uncached", False))
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.transformer",
        description="Character GPT: tokens/s against nanoGPT in PyTorch; cached sampling.",
    )
    parser.add_argument("--batch-size", type=int, default=12)
    parser.add_argument("--block-size", type=int, default=64)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--steps", type=int, default=30, help="timed training steps")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="turns gen_jax and torch take")
    parser.add_argument("--train-steps", type=int, default=0, help="train both, compare loss")
    parser.add_argument("--held-out-characters", type=int, default=20_000)
    parser.add_argument("--sample-repeats", type=int, default=3)
    parser.add_argument("--num-samples", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--torch-threads", type=int, default=None)
    parser.add_argument("--name", default="transformer", help="results/NAME.json")
    args = parser.parse_args(argv)
    if min(args.batch_size, args.steps, args.sample_repeats, args.num_samples) < 1:
        parser.error("--batch-size, --steps, --sample-repeats, --num-samples must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    precision = configure_gpu_precision(allow_tf32=False)
    torch.set_num_threads(args.torch_threads or harness.machine_description()["usable_cores"])
    load_before = harness.machine_description()["load_average"]
    vocabulary, windows, blocks = corpus(args.block_size, args.held_out_characters)
    model = GPT(
        vocab_size=vocabulary.size,
        block_size=args.block_size,
        num_layers=args.layers,
        num_heads=args.heads,
        width=args.width,
        use_bias=False,
    )
    batch = next(BatchIterator(windows, args.batch_size, seed=args.seed))["tokens"]
    params = model.init(jax.random.key(args.seed), batch[:, :-1])["params"]
    check = check_gpt(model, params, batch)
    print(f"check: logits rel. error {check['logits_relative_error']:.1e}", flush=True)
    if not check["passed"]:
        print("the two GPTs differ; not benchmarking", file=sys.stderr)
        return 1
    training = compare_training(args, model, params, batch)
    print(f"training tokens/s {training['tokens_per_s']}, ratio {training['ratio']:.2f}")
    held_out = train_both(args, model, params, windows, blocks) if args.train_steps else None
    sampling = compare_sampling(args, model, params)
    print(f"sampling seconds {sampling}", flush=True)
    payload = {
        "benchmark": "transformer",
        "description": (
            "Character GPT at nanoGPT's CPU configuration on pydoc text: training tokens/s "
            "of gen_jax and nanoGPT's model in PyTorch from identical weights on one batch "
            "(interleaved), optional held-out loss after equal training, and sampling time "
            "with and without the key-value cache."
        ),
        "machine": harness.machine_description(),
        "load_average_before": load_before,
        "config": vars(args),
        "gpu_precision": precision,
        "vocabulary_size": vocabulary.size,
        "check": check,
        "training": training,
        "held_out_nats_per_character": held_out,
        "sampling_s": sampling,
    }
    path = harness.write_result(args.name, payload)
    print(f"wrote {path}")
    return 0


def summary_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """Table rows (benchmark contract): training vs torch, sampling cached vs uncached."""
    config, training, sampling = result["config"], result["training"], result["sampling_s"]
    size = f"{config['layers']}L/{config['heads']}H/{config['width']}, block {config['block_size']}"
    rows = [
        {
            "benchmark": "transformer",
            "case": f"char GPT training ({size}, batch {config['batch_size']})",
            "gen_jax": f"{training['tokens_per_s']['gen_jax']:,.0f} tokens/s",
            "peer": f"torch {training['tokens_per_s']['torch']:,.0f} tokens/s "
            + (
                "(GPU)"
                if training.get("torch_device") == "cuda"
                else f"({training['torch_threads']} threads)"
            ),
            "ratio": f"{training['ratio']:.2f}",
        },
        {
            "benchmark": "transformer",
            "case": f"GPT sampling {config['num_samples']} x {config['block_size'] - 1} chars, "
            "KV cache vs uncached",
            "gen_jax": f"{sampling['cached']:.3f} s",
            "peer": f"uncached {sampling['uncached']:.3f} s",
            "ratio": f"{sampling['uncached'] / sampling['cached']:.1f}x faster",
        },
    ]
    held_out = result.get("held_out_nats_per_character")
    if held_out:
        rows.append(
            {
                "benchmark": "transformer",
                "case": f"held-out nats/char after {config['train_steps']} equal steps",
                "gen_jax": f"{held_out['gen_jax']:.3f}",
                "peer": f"torch {held_out['torch']:.3f}",
                "ratio": f"{held_out['gen_jax'] - held_out['torch']:+.3f} nats",
            }
        )
    return rows


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
