"""Autoregressive models: training steps/s, held-out bits/dim, sampling with and without caches.

Three models from ``gen_jax.models``, each trained by ``make_likelihood_step`` with Adam:

- MADE (one hidden layer, natural order) on scikit-learn's 8x8 digits binarised at 0.5;
- the plain PixelCNN (7x7 type-A, residual 3x3 type-B blocks) on the same digits;
- WaveNet (dilations 1..32) on the generated mu-law signals of ``gen_jax.data.signals``.

For each: the median training steps/s on one fixed batch (``harness.time_step``); the
held-out bits/dim after ``--train-steps`` steps on the training split; and the time to draw
a batch of samples. PixelCNN: the jitted ``lax.scan`` sampler (``pixelcnn_sample``) against
a naive Python loop that runs a jitted full forward pass per pixel; WaveNet: the cached
ring-buffer sampler (``wavenet_sample_fast``, O(T)) against regenerating the whole prefix
every step (``wavenet_sample_naive``, O(T^2)); MADE: the scan sampler only.

Peer: the same plain PixelCNN in PyTorch (:class:`TorchPixelCNN`). With gen_jax's initial
weights copied into it, the logits and the loss agree (``--check``); the training steps/s
of both are then timed interleaved on the same batch and their ratio reported.

Usage::

    python -m benchmarks.autoregressive [--train-steps 300] [--steps 30]
    python -m benchmarks.autoregressive --check

References:
    Germain, Gregor, Murray & Larochelle (2015), MADE, arXiv:1502.03509.
    van den Oord, Kalchbrenner & Kavukcuoglu (2016), Pixel Recurrent Neural Networks,
    arXiv:1601.06759.
    van den Oord et al. (2016), WaveNet, arXiv:1609.03499; Paine et al. (2016), Fast
    Wavenet Generation Algorithm, arXiv:1611.09482 (cached generation).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import numpy as np
import optax
import torch

from benchmarks import harness
from benchmarks.pixelcnn_torch import TorchPixelCNN, check_pixelcnn, torch_nll
from gen_jax.algorithms.likelihood import make_likelihood_step
from gen_jax.core.step import Step, compile_step
from gen_jax.data import ArraySource, BatchIterator, load_source
from gen_jax.data.signals import signal_dataset
from gen_jax.eval import bits_per_dimension
from gen_jax.models.autoregressive.made import MADE, made_log_prob, made_sample
from gen_jax.models.autoregressive.pixelcnn import PixelCNN, pixelcnn_log_prob, pixelcnn_sample
from gen_jax.models.autoregressive.wavenet import (
    WaveNet,
    wavenet_log_prob,
    wavenet_sample_fast,
    wavenet_sample_naive,
)

QUICK_ARGS: tuple[str, ...] = (
    "--train-steps", "5", "--steps", "3", "--warmup", "1", "--sample-repeats", "1",
    "--num-samples", "4", "--signal-length", "64", "--features", "16",
)  # fmt: skip
LEARNING_RATE = 1e-3


class Case(NamedTuple):
    """One model: its Step, data, held-out log-likelihood and samplers."""

    name: str
    step: Step
    train: dict[str, np.ndarray]
    test: dict[str, np.ndarray]
    num_dims: int
    log_prob: Callable[[Any, dict[str, np.ndarray]], jax.Array]
    samplers: dict[str, Callable[[Any], Any]]


def binary_digits(split: str) -> np.ndarray:
    """float32 ``[N, 8, 8, 1]`` in {0, 1}: scikit-learn's digits thresholded at 0.5."""
    source = load_source("digits", split=split, image_size=8, value_range=(0.0, 1.0))
    return (source[np.arange(len(source))]["image"] > 0.5).astype(np.float32)


def made_case(args) -> Case:
    model = MADE(num_inputs=64, hidden_sizes=(4 * args.features,))
    train, test = binary_digits("train"), binary_digits("test")
    sample = jax.jit(made_sample, static_argnames=("model", "num_samples"))
    return Case(
        name="made",
        step=make_likelihood_step(model, optax.adam(LEARNING_RATE), made_log_prob),
        train={"image": train},
        test={"image": test},
        num_dims=64,
        log_prob=jax.jit(lambda params, batch: made_log_prob(model, params, batch["image"])),
        samplers={
            "scan": lambda params: sample(model, params, args.num_samples, key=jax.random.key(0))
        },
    )


def naive_pixelcnn_sampler(model: PixelCNN, image_shape, num_samples: int):
    """A Python loop over pixels, each running the jitted network on the whole image."""
    forward = jax.jit(lambda params, images: model.apply({"params": params}, images))
    height, width, channels = image_shape

    def sample(params):
        rng = np.random.default_rng(0)
        images = np.zeros((num_samples, height, width, channels), np.float32)
        for position in range(height * width):
            row, col = divmod(position, width)
            logits = np.asarray(forward(params, images))[:, row, col]
            probabilities = 1.0 / (1.0 + np.exp(-logits))
            images[:, row, col] = rng.random(probabilities.shape) < probabilities
        return images

    return sample


def pixelcnn_case(args) -> Case:
    model = PixelCNN(features=args.features, num_layers=args.pixelcnn_layers)
    train, test = binary_digits("train"), binary_digits("test")
    shape = tuple(train.shape[1:])
    return Case(
        name="pixelcnn",
        step=make_likelihood_step(model, optax.adam(LEARNING_RATE), pixelcnn_log_prob),
        train={"image": train},
        test={"image": test},
        num_dims=64,
        log_prob=jax.jit(lambda params, batch: pixelcnn_log_prob(model, params, batch["image"])),
        samplers={
            "scan": lambda params: pixelcnn_sample(
                model, params, shape, args.num_samples, key=jax.random.key(0)
            ),
            "naive_loop": naive_pixelcnn_sampler(model, shape, args.num_samples),
        },
    )


def wavenet_case(args) -> Case:
    mu = 63
    model = WaveNet(
        num_levels=mu + 1,
        residual_channels=args.features,
        skip_channels=2 * args.features,
        dilations=(1, 2, 4, 8, 16, 32),
    )
    train = signal_dataset(256, args.signal_length, mu=mu, seed=0)["signal"]
    test = signal_dataset(64, args.signal_length, mu=mu, seed=1)["signal"]
    length, count = args.signal_length, args.num_samples
    key = jax.random.key(0)
    return Case(
        name="wavenet",
        step=make_likelihood_step(
            model, optax.adam(LEARNING_RATE), wavenet_log_prob, data_key="signal"
        ),
        train={"signal": train},
        test={"signal": test},
        num_dims=length,
        log_prob=jax.jit(lambda params, batch: wavenet_log_prob(model, params, batch["signal"])),
        samplers={
            "cached": lambda params: wavenet_sample_fast(model, params, length, count, key=key),
            "naive": lambda params: wavenet_sample_naive(model, params, length, count, key=key),
        },
    )


def train_briefly(case: Case, *, num_steps: int, batch_size: int, seed: int):
    """``num_steps`` Adam steps over shuffled training batches; returns the parameters."""
    data = BatchIterator(ArraySource(case.train), batch_size, seed=seed)
    root = jax.random.key(seed)
    state = jax.jit(case.step.init)(root, next(data))
    update = compile_step(case.step.update)
    for index in range(num_steps):
        state, _ = update(state, next(data), jax.random.fold_in(root, index))
    return state.params


def run_case(case: Case, args) -> dict[str, Any]:
    """Steps/s, held-out bits/dim after brief training, and the samplers' times."""
    batch = {name: values[: args.batch_size] for name, values in case.train.items()}
    timing = harness.time_step(case.step, batch, num_steps=args.steps, warmup=args.warmup)
    params = train_briefly(
        case, num_steps=args.train_steps, batch_size=args.batch_size, seed=args.seed
    )
    log_prob = np.asarray(case.log_prob(params, case.test), np.float64)
    sampling = {
        name: harness.time_callable(
            lambda sampler=sampler: sampler(params),
            num_steps=args.sample_repeats,
            warmup=1,
            sync=jax.block_until_ready,
        )
        for name, sampler in case.samplers.items()
    }
    return {
        "model": case.name,
        "steps_per_s": timing["steps_per_s"]["median"],
        "compile_s": timing["trace_lower_s"] + timing["compile_s"],
        "train_steps": args.train_steps,
        "test_bits_per_dim": float(
            np.mean(bits_per_dimension(log_prob, num_dimensions=case.num_dims))
        ),
        "test_nll_nats": float(-np.mean(log_prob)),
        "sampling_s": {name: stats["step_ms"]["median"] / 1e3 for name, stats in sampling.items()},
        "timing": timing,
    }


def compare_pixelcnn(args) -> dict[str, Any]:
    """Training steps/s of gen_jax's PixelCNN and the PyTorch copy, interleaved."""
    model = PixelCNN(features=args.features, num_layers=args.pixelcnn_layers)
    images = binary_digits("train")[: args.batch_size]
    step = make_likelihood_step(model, optax.adam(LEARNING_RATE), pixelcnn_log_prob)
    prepared = harness.prepare_step(
        step, {"image": images}, num_calls=args.warmup + args.steps, seed=args.seed
    )
    torch.manual_seed(args.seed)
    peer = TorchPixelCNN(args.features, args.pixelcnn_layers)
    optimizer = torch.optim.Adam(peer.parameters(), lr=LEARNING_RATE)
    x = torch.from_numpy(np.ascontiguousarray(np.transpose(images, (0, 3, 1, 2))))

    def torch_step():
        optimizer.zero_grad(set_to_none=True)
        loss = torch_nll(peer, x)
        loss.backward()
        optimizer.step()
        return loss

    timings = harness.time_callables(
        {"gen_jax": prepared, "torch": torch_step},
        num_steps=args.steps,
        warmup=args.warmup,
        rounds=min(args.rounds, args.steps),
        syncs={"torch": lambda _: None},
        examples_per_step=len(images),
    )
    rates = {name: timings[name]["steps_per_s"]["median"] for name in timings}
    return {
        "steps_per_s": rates,
        "ratio": rates["gen_jax"] / rates["torch"],
        "torch_threads": torch.get_num_threads(),
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.autoregressive",
        description="MADE, PixelCNN and WaveNet: steps/s, bits/dim, cached vs naive sampling.",
    )
    parser.add_argument("--models", nargs="+", default=["made", "pixelcnn", "wavenet"])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30, help="timed training steps")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="turns gen_jax and torch take")
    parser.add_argument("--train-steps", type=int, default=300, help="before bits/dim")
    parser.add_argument("--sample-repeats", type=int, default=3)
    parser.add_argument("--num-samples", type=int, default=16)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--pixelcnn-layers", type=int, default=3)
    parser.add_argument("--signal-length", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--torch-threads", type=int, default=None, help="torch threads (default: usable cores)"
    )
    parser.add_argument("--name", default="autoregressive", help="results/NAME.json")
    parser.add_argument("--check", action="store_true", help="only check the PyTorch copy")
    args = parser.parse_args(argv)
    unknown = set(args.models) - {"made", "pixelcnn", "wavenet"}
    if unknown:
        parser.error(f"--models {sorted(unknown)}: choose from made, pixelcnn, wavenet")
    if min(args.batch_size, args.steps, args.sample_repeats, args.num_samples) < 1:
        parser.error("--batch-size, --steps, --sample-repeats, --num-samples must be positive")
    if args.train_steps < 0 or args.warmup < 0:
        parser.error("--train-steps and --warmup must be non-negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.torch_threads or harness.machine_description()["usable_cores"])
    check = check_pixelcnn(
        features=args.features,
        num_layers=args.pixelcnn_layers,
        batch_size=args.batch_size,
        images=binary_digits("train"),
        seed=args.seed,
    )
    print(
        f"check: PixelCNN logits rel. error {check['logits_relative_error']:.1e}, loss rel. "
        f"error {check['loss_relative_error']:.1e} -> {'passed' if check['passed'] else 'FAILED'}"
    )
    if not check["passed"]:
        print("the two PixelCNNs differ; not benchmarking", file=sys.stderr)
        return 1
    if args.check:
        return 0
    load_before = harness.machine_description()["load_average"]
    builders = {"made": made_case, "pixelcnn": pixelcnn_case, "wavenet": wavenet_case}
    rows = []
    for name in args.models:
        row = run_case(builders[name](args), args)
        rows.append(row)
        print(
            f"{name}: {row['steps_per_s']:.1f} steps/s, test {row['test_bits_per_dim']:.3f} "
            f"bits/dim after {args.train_steps} steps, sampling "
            + ", ".join(f"{k} {v:.3f} s" for k, v in row["sampling_s"].items()),
            flush=True,
        )
    peer = compare_pixelcnn(args) if "pixelcnn" in args.models else None
    if peer is not None:
        print(f"pixelcnn vs torch: ratio {peer['ratio']:.2f}", flush=True)
    payload = {
        "benchmark": "autoregressive",
        "description": (
            "MADE, plain PixelCNN (binarised 8x8 digits) and WaveNet (64-level mu-law signals): "
            "training steps/s on one fixed batch, held-out bits/dim after a short training, "
            "and sampling time with and without caching; PixelCNN steps/s against the same "
            "model in PyTorch (identical logits from copied weights)."
        ),
        "machine": harness.machine_description(),
        "load_average_before": load_before,
        "config": {key: value for key, value in vars(args).items() if key != "check"},
        "check": check,
        "results": rows,
        "peer": peer,
    }
    path = harness.write_result(args.name, payload)
    print(f"wrote {path}")
    return 0


def summary_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """Table rows (benchmark contract): one per model and one per sampler comparison."""
    rows = []
    peer = result.get("peer")
    for row in result["results"]:
        model = row["model"]
        is_pixelcnn = model == "pixelcnn" and peer is not None
        # with a peer, both sides' rates come from the same interleaved run
        rate = peer["steps_per_s"]["gen_jax"] if is_pixelcnn else row["steps_per_s"]
        rows.append(
            {
                "benchmark": "autoregressive",
                "case": f"{model} training, batch {result['config']['batch_size']}; "
                f"{row['test_bits_per_dim']:.3f} bits/dim after {row['train_steps']} steps",
                "gen_jax": f"{rate:.1f} steps/s",
                "peer": f"torch {peer['steps_per_s']['torch']:.1f} steps/s "
                f"({peer.get('torch_threads', '?')} threads)"
                if is_pixelcnn
                else "-",
                "ratio": f"{peer['ratio']:.2f}" if is_pixelcnn else "-",
            }
        )
        times = row["sampling_s"]
        fast, slow = {"pixelcnn": ("scan", "naive_loop"), "wavenet": ("cached", "naive")}.get(
            model, (next(iter(times)), None)
        )
        rows.append(
            {
                "benchmark": "autoregressive",
                "case": f"{model} sampling {result['config']['num_samples']}, "
                f"{fast}" + (f" vs {slow}" if slow else ""),
                "gen_jax": f"{times[fast]:.3f} s",
                "peer": f"{slow} {times[slow]:.3f} s" if slow else "-",
                "ratio": f"{times[slow] / times[fast]:.1f}x faster" if slow else "-",
            }
        )
    return rows


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
