"""Side-by-side training-step throughput: the book's conv autoencoder, gen_jax vs PyTorch.

The model is the Generative Deep Learning book's digits autoencoder (Foster, 2019, ch. 3,
listings 3.1-3.3): encoder Conv2D 32, 64, 64, 64 (kernel 3, strides 1, 2, 2, 1, "same",
LeakyReLU 0.3) and a linear Dense to a 2-D code; decoder Dense 3136, reshape 7x7x64,
Conv2DTranspose 64, 64, 32, 1 (strides 1, 2, 2, 1). Loss: the per-image mean squared error
of the sigmoid output, averaged over the batch; Adam 5e-4. One step is forward, backward
and the optimiser update on both sides; the PyTorch network reuses
:mod:`benchmarks.vae_step`'s XLA-"same" layers and weight conversion, with the VAE's
``mean`` head serving as the code layer and no ``log_var`` head. ``--check`` copies
gen_jax's initial weights into PyTorch and compares losses and gradients.

Usage::

    python -m benchmarks.autoencoder_step [--batch-size 32 128] [--steps 50]
    python -m benchmarks.autoencoder_step --check

Writes ``benchmarks/results/autoencoder_step.json``.

References:
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 3.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np
import optax
import torch

from benchmarks import harness
from benchmarks.vae_step import (
    LEARNING_RATE,
    TorchConvVAE,
    count_parameters,
    flax_to_torch_tensors,
    random_images,
    to_channels_first,
)
from gen_jax.algorithms.autoencoding import autoencoder_objective, make_autoencoder_step
from gen_jax.models.autoencoders.autoencoder import conv_autoencoder

BOOK_PARAMETER_COUNT = 98_946 + 102_017  # encoder + decoder, 28x28x1 images, 2-D code
CHECK_TOLERANCE = 1e-4  # relative, on the loss and on every gradient tensor
QUICK_ARGS: tuple[str, ...] = (
    "--batch-size",
    "32",
    "--steps",
    "6",
    "--warmup",
    "1",
    "--rounds",
    "2",
)


class TorchConvAutoencoder(TorchConvVAE):
    """The book's conv autoencoder in PyTorch, channels first: ``forward(x) -> logits``.

    The VAE's ``mean`` head is the code layer; the ``log_var`` head is removed.
    """

    def __init__(self, image_shape: tuple[int, int, int], code_dim: int):
        super().__init__(image_shape, code_dim)
        del self.log_var

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.encoder_convs:
            x = torch.nn.functional.leaky_relu(conv(x), self.negative_slope)
        return self.mean(x.flatten(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def torch_autoencoder_loss(model: TorchConvAutoencoder, x: torch.Tensor) -> torch.Tensor:
    """Batch mean of the per-image mean squared error of ``sigmoid(logits)``."""
    return torch.square(torch.sigmoid(model(x)) - x).mean(dim=(1, 2, 3)).mean()


def autoencoder_tensors(tree: dict[str, Any], model: TorchConvAutoencoder) -> dict[str, Any]:
    """gen_jax autoencoder parameters (or gradients) as ``model``'s state dict (numpy)."""
    encoder = {
        **tree["encoder"],
        "mean": tree["encoder"]["code"],
        "log_var": tree["encoder"]["code"],
    }
    tensors = flax_to_torch_tensors({"encoder": encoder, "decoder": tree["decoder"]}, model)
    return {name: value for name, value in tensors.items() if not name.startswith("log_var.")}


def gen_jax_autoencoder_step(image_shape: tuple[int, int, int], code_dim: int):
    model = conv_autoencoder(image_shape, code_dim)
    return model, make_autoencoder_step(model, optax.adam(LEARNING_RATE), reconstruction="mse")


def _relative_error(reference: np.ndarray, value: np.ndarray) -> float:
    return float(np.max(np.abs(reference - value))) / max(float(np.max(np.abs(reference))), 1e-12)


def check_equivalence(
    *, image_size: int, code_dim: int, batch_size: int = 32, num_updates: int = 3, seed: int = 0
) -> dict[str, Any]:
    """Same initial weights on both sides (CPU): the losses and every gradient tensor must
    agree to :data:`CHECK_TOLERANCE`, and the losses again after ``num_updates`` Adam steps."""
    image_shape = (image_size, image_size, 1)
    images = random_images(batch_size, image_size, seed=seed)
    batch = {"image": images}
    with jax.default_device(jax.devices("cpu")[0]):
        model, step = gen_jax_autoencoder_step(image_shape, code_dim)
        state = step.init(jax.random.key(seed), batch)
        loss_and_grad = jax.jit(
            jax.value_and_grad(
                lambda params: autoencoder_objective(
                    params, batch, jax.random.key(0), model=model, reconstruction="mse"
                )[0]
            )
        )
        update = jax.jit(step.update)
        torch_model = TorchConvAutoencoder(image_shape, code_dim)
        torch_model.load_state_dict(
            {
                k: torch.from_numpy(v)
                for k, v in autoencoder_tensors(state.params, torch_model).items()
            }
        )
        optimizer = torch.optim.Adam(torch_model.parameters(), lr=LEARNING_RATE)
        torch_images = torch.from_numpy(to_channels_first(images))
        counts = {"gen_jax": count_parameters(state.params), "torch": count_parameters(torch_model)}
        loss_errors, gradient_errors = [], []
        for index in range(num_updates + 1):
            loss, grads = loss_and_grad(state.params)
            optimizer.zero_grad(set_to_none=True)
            torch_loss = torch_autoencoder_loss(torch_model, torch_images)
            torch_loss.backward()
            loss_errors.append(abs(float(loss) - torch_loss.item()) / abs(float(loss)))
            if index == 0:
                expected = autoencoder_tensors(jax.device_get(grads), torch_model)
                gradient_errors = [
                    _relative_error(expected[name], parameter.grad.numpy())
                    for name, parameter in torch_model.named_parameters()
                ]
            if index < num_updates:
                state, _ = update(state, batch, jax.random.key(index))
                optimizer.step()
    passed = (
        counts["gen_jax"] == counts["torch"]
        and max(loss_errors) <= CHECK_TOLERANCE
        and max(gradient_errors) <= CHECK_TOLERANCE
    )
    if image_shape == (28, 28, 1) and code_dim == 2:
        passed = passed and counts["gen_jax"] == BOOK_PARAMETER_COUNT
    return {
        "batch_size": batch_size,
        "parameters": counts,
        "loss_relative_error_per_update": loss_errors,
        "max_gradient_relative_error": max(gradient_errors),
        "tolerance": CHECK_TOLERANCE,
        "passed": passed,
    }


class TorchAutoencoderStep:
    """One PyTorch training step (forward, backward, Adam) per call, on the CPU."""

    def __init__(self, images: np.ndarray, *, code_dim: int, seed: int):
        torch.manual_seed(seed)
        self.model = TorchConvAutoencoder(images.shape[1:], code_dim)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE)
        self.images = torch.from_numpy(to_channels_first(images))
        start = time.perf_counter()
        self()
        self.first_step_s = time.perf_counter() - start

    def __call__(self) -> torch.Tensor:
        self.optimizer.zero_grad(set_to_none=True)
        loss = torch_autoencoder_loss(self.model, self.images)
        loss.backward()
        self.optimizer.step()
        return loss


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.autoencoder_step",
        description="gen_jax's book conv autoencoder training step against the same in PyTorch.",
    )
    parser.add_argument("--batch-size", type=int, nargs="+", default=[32, 128])
    parser.add_argument("--steps", type=int, default=50, help="timed steps per side")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps per side")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved turns per side")
    parser.add_argument("--image-size", type=int, default=28, help="square, divisible by 4")
    parser.add_argument("--code-dim", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    parser.add_argument("--name", default="autoencoder_step", help="results/NAME.json")
    parser.add_argument("--check", action="store_true", help="only check equivalence, then exit")
    args = parser.parse_args(argv)
    if args.image_size % 4:
        parser.error(f"--image-size {args.image_size} must be divisible by 4 (two stride-2 layers)")
    if min(args.batch_size) < 1 or args.steps < 1 or args.warmup < 0:
        parser.error("--batch-size and --steps must be positive, --warmup non-negative")
    if not 1 <= args.rounds <= args.steps:
        parser.error(f"--rounds {args.rounds} must be between 1 and --steps {args.steps}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    torch_threads = args.threads or harness.machine_description()["usable_cores"]
    torch.set_num_threads(torch_threads)
    check = check_equivalence(image_size=args.image_size, code_dim=args.code_dim, seed=args.seed)
    print(
        f"check: parameters {check['parameters']}; loss rel. errors "
        f"{', '.join(f'{e:.1e}' for e in check['loss_relative_error_per_update'])}; max "
        f"gradient rel. error {check['max_gradient_relative_error']:.1e} -> "
        f"{'passed' if check['passed'] else 'FAILED'}"
    )
    if not check["passed"]:
        print("the two models differ; not benchmarking", file=sys.stderr)
        return 1
    if args.check:
        return 0
    load_before = harness.machine_description()["load_average"]
    image_shape = (args.image_size, args.image_size, 1)
    _, step = gen_jax_autoencoder_step(image_shape, args.code_dim)
    rows = []
    for batch_size in args.batch_size:
        images = random_images(batch_size, args.image_size, seed=args.seed)
        gen_jax = harness.prepare_step(
            step, {"image": images}, num_calls=args.warmup + args.steps, seed=args.seed
        )
        peer = TorchAutoencoderStep(images, code_dim=args.code_dim, seed=args.seed)
        timings = harness.time_callables(
            {"gen_jax": gen_jax, "torch": peer},
            num_steps=args.steps,
            warmup=args.warmup,
            rounds=args.rounds,
            examples_per_step=batch_size,
        )
        row = {
            "batch_size": batch_size,
            "gen_jax": {**timings["gen_jax"], **gen_jax.report()},
            "torch": {**timings["torch"], "first_step_s": peer.first_step_s},
        }
        row["ratio_steps_per_s"] = (
            row["gen_jax"]["steps_per_s"]["median"] / row["torch"]["steps_per_s"]["median"]
        )
        rows.append(row)
        print(
            f"batch {batch_size}: gen_jax {row['gen_jax']['steps_per_s']['median']:.1f} "
            f"steps/s, torch {row['torch']['steps_per_s']['median']:.1f} steps/s, ratio "
            f"{row['ratio_steps_per_s']:.2f}",
            flush=True,
        )
    payload = {
        "benchmark": "autoencoder_step",
        "description": (
            "One training step (forward, backward, Adam 5e-4) of the book's conv autoencoder "
            "(2-D code, per-image MSE), float32, a random batch reused every step; ratio = "
            "gen_jax median steps/s / torch median steps/s, same process, interleaved rounds."
        ),
        "machine": harness.machine_description(),
        "config": {
            "image_shape": list(image_shape),
            "code_dim": args.code_dim,
            "batch_sizes": args.batch_size,
            "num_steps": args.steps,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "seed": args.seed,
            "torch_threads": torch_threads,
        },
        "load_average_before": load_before,
        "check": check,
        "results": rows,
    }
    print(f"wrote {harness.write_result(args.name, payload)}")
    return 0


def summary_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """Table rows (benchmark contract): one per batch size, median training steps/s."""
    shape = "x".join(str(size) for size in result["config"]["image_shape"])
    return [
        {
            "benchmark": "autoencoder_step",
            "case": f"book conv autoencoder {shape}, code {result['config']['code_dim']}, "
            f"batch {row['batch_size']}",
            "gen_jax": f"{row['gen_jax']['steps_per_s']['median']:.1f} steps/s",
            "peer": f"torch {row['torch']['steps_per_s']['median']:.1f} steps/s",
            "ratio": f"{row['ratio_steps_per_s']:.2f}x",
        }
        for row in result["results"]
    ]


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
