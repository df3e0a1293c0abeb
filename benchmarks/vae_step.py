"""Side-by-side training-step throughput: gen_jax's conv VAE against the same VAE in PyTorch.

The model is the Generative Deep Learning book's digits VAE (Foster, 2019, ch. 3): encoder
Conv2D 32, 64, 64, 64 (kernel 3, strides 1, 2, 2, 1, "same", LeakyReLU 0.3), Dense to the
mean and log-variance of a 2-d code; decoder Dense, reshape to 7x7x64, Conv2DTranspose 64,
64, 32, 1 (strides 1, 2, 2, 1). The loss is the book's
``1000 * mean_{HWC}((sigmoid(logits) - x)^2) + KL``, averaged over the batch, and the
optimiser Adam with learning rate 5e-4. One training step is forward, backward and the
optimiser update, on both sides.

The PyTorch model below reproduces TensorFlow/XLA "same" padding exactly (the extra pixel
of an even-sized stride-2 layer goes to the bottom/right), so copying gen_jax's weights
into it gives the same outputs, loss and gradients; ``--check`` verifies that on the CPU.

Usage::

    python -m benchmarks.vae_step [--batch-size 32 128] [--steps 50] [--image-size 28]
    python -m benchmarks.vae_step --check

Writes ``benchmarks/results/vae_step.json`` and prints one Markdown table row per batch
size.

References:
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 3.
    Kingma & Welling (2014), Auto-Encoding Variational Bayes, arXiv:1312.6114.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import torch
import torch.nn.functional as F
from torch import nn

from benchmarks import harness
from gen_jax.algorithms.vae import make_vae_step, vae_objective
from gen_jax.models.autoencoders.vae import KERAS_LEAKY_RELU_SLOPE, conv_vae

LEARNING_RATE = 5e-4
RECONSTRUCTION_WEIGHT = 1000.0
BOOK_PARAMETER_COUNT = 207_237  # 28x28x1 images, 2-d code
CHECK_TOLERANCE = 1e-9  # relative, in float64, on the loss and on every gradient tensor
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


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow/XLA "SAME" padding ``(before, after)`` of a convolution along one axis."""
    output_size = -(-size // stride)
    total = max((output_size - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def same_transpose_padding(kernel: int, stride: int) -> tuple[int, int]:
    """XLA's "SAME" padding of a transposed convolution's stride-dilated input."""
    total = kernel + stride - 2
    before = kernel - 1 if stride > kernel - 1 else math.ceil(total / 2)
    return before, total - before


class SameConv2d(nn.Conv2d):
    """``nn.Conv2d`` with "same" padding, asymmetric where TensorFlow/XLA pad asymmetrically."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (pad_top, pad_bottom), (pad_left, pad_right) = (
            same_padding(size, kernel, stride)
            for size, kernel, stride in zip(
                x.shape[-2:], self.kernel_size, self.stride, strict=True
            )
        )
        if pad_top == pad_bottom and pad_left == pad_right:
            return F.conv2d(x, self.weight, self.bias, self.stride, (pad_top, pad_left))
        x = F.pad(x, (pad_left, pad_right, pad_top, pad_bottom))
        return F.conv2d(x, self.weight, self.bias, self.stride)


class SameConvTranspose2d(nn.ConvTranspose2d):
    """``nn.ConvTranspose2d`` whose output is ``stride`` times its input, as XLA's "SAME".

    PyTorch crops ``padding`` from both ends of the full transposed convolution; XLA's
    alignment keeps one more row/column at the start than at the end for kernel 3,
    stride 2. So ``padding`` sets the start and the end is cropped to ``stride * size``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int):
        before, after = same_transpose_padding(kernel_size, stride)
        crop = kernel_size - 1 - before
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=crop,
            output_padding=max(after - before, 0),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        y = super().forward(x)
        return y[..., : height * self.stride[0], : width * self.stride[1]]


class TorchConvVAE(nn.Module):
    """The book's convolutional VAE in PyTorch, channels first: ``x [B, C, H, W]``.

    ``forward(x, noise=None)`` returns ``(logits [B, C, H, W], mean, log_var)``; ``noise``
    is the reparameterisation's standard normal draw (fresh when None).
    """

    def __init__(
        self,
        image_shape: tuple[int, int, int],
        latent_dim: int,
        *,
        encoder_filters: Sequence[int] = (32, 64, 64, 64),
        encoder_strides: Sequence[int] = (1, 2, 2, 1),
        decoder_filters: Sequence[int] = (64, 64, 32),
        decoder_strides: Sequence[int] = (1, 2, 2, 1),
        kernel_size: int = 3,
        negative_slope: float = KERAS_LEAKY_RELU_SLOPE,
    ):
        super().__init__()
        height, width, channels = image_shape
        self.negative_slope = negative_slope
        self.encoder_convs = nn.ModuleList()
        for features, stride in zip(encoder_filters, encoder_strides, strict=True):
            self.encoder_convs.append(SameConv2d(channels, features, kernel_size, stride))
            channels, height, width = features, -(-height // stride), -(-width // stride)
        self.encoded_shape = (channels, height, width)
        self.mean = nn.Linear(math.prod(self.encoded_shape), latent_dim)
        self.log_var = nn.Linear(math.prod(self.encoded_shape), latent_dim)

        image_height, image_width, image_channels = image_shape
        upsampling = math.prod(decoder_strides)
        self.initial_shape = (
            decoder_filters[0],
            image_height // upsampling,
            image_width // upsampling,
        )
        self.decoder_dense = nn.Linear(latent_dim, math.prod(self.initial_shape))
        self.decoder_convs = nn.ModuleList()
        channels = decoder_filters[0]
        outputs = (*decoder_filters, image_channels)
        for features, stride in zip(outputs, decoder_strides, strict=True):
            self.decoder_convs.append(SameConvTranspose2d(channels, features, kernel_size, stride))
            channels = features

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        for conv in self.encoder_convs:
            x = F.leaky_relu(conv(x), self.negative_slope)
        x = x.flatten(1)
        return self.mean(x), self.log_var(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        x = self.decoder_dense(z).view(-1, *self.initial_shape)
        last = len(self.decoder_convs) - 1
        for index, conv in enumerate(self.decoder_convs):
            x = conv(x)
            if index < last:
                x = F.leaky_relu(x, self.negative_slope)
        return x

    def forward(self, x: torch.Tensor, noise: torch.Tensor | None = None):
        mean, log_var = self.encode(x)
        if noise is None:
            noise = torch.randn_like(mean)
        z = mean + torch.exp(0.5 * log_var) * noise
        return self.decode(z), mean, log_var


def torch_vae_loss(
    model: TorchConvVAE, x: torch.Tensor, noise: torch.Tensor | None = None
) -> torch.Tensor:
    """The book's loss, reduced as gen_jax's ``vae_objective(likelihood="mse")`` does."""
    logits, mean, log_var = model(x, noise)
    reconstruction = torch.square(torch.sigmoid(logits) - x).mean(dim=(1, 2, 3))
    kl = -0.5 * torch.sum(1.0 + log_var - torch.square(mean) - torch.exp(log_var), dim=1)
    return torch.mean(RECONSTRUCTION_WEIGHT * reconstruction + kl)


def flax_to_torch_tensors(tree: dict[str, Any], model: TorchConvVAE) -> dict[str, np.ndarray]:
    """gen_jax VAE parameters (or gradients) laid out as ``model``'s state dict.

    Conv kernels go from ``[kh, kw, in, out]`` to ``[out, in, kh, kw]``; transposed-conv
    kernels are flipped in space (lax does not flip, PyTorch does) and go to
    ``[in, out, kh, kw]``; Dense layers next to the feature maps are permuted from the
    channels-last to the channels-first flattening order.
    """
    encoder, decoder = tree["encoder"], tree["decoder"]
    tensors: dict[str, np.ndarray] = {}
    for index in range(len(model.encoder_convs)):
        layer = encoder[f"Conv_{index}"]
        tensors[f"encoder_convs.{index}.weight"] = np.transpose(layer["kernel"], (3, 2, 0, 1))
        tensors[f"encoder_convs.{index}.bias"] = np.asarray(layer["bias"])
    channels, height, width = model.encoded_shape
    for name in ("mean", "log_var"):
        kernel = np.reshape(encoder[name]["kernel"], (height, width, channels, -1))
        tensors[f"{name}.weight"] = np.transpose(kernel, (3, 2, 0, 1)).reshape(kernel.shape[-1], -1)
        tensors[f"{name}.bias"] = np.asarray(encoder[name]["bias"])
    channels, height, width = model.initial_shape
    dense = decoder["Dense_0"]
    kernel = np.reshape(dense["kernel"], (-1, height, width, channels))
    tensors["decoder_dense.weight"] = np.transpose(kernel, (3, 1, 2, 0)).reshape(
        -1, kernel.shape[0]
    )
    bias = np.reshape(dense["bias"], (height, width, channels))
    tensors["decoder_dense.bias"] = np.transpose(bias, (2, 0, 1)).reshape(-1)
    for index in range(len(model.decoder_convs)):
        layer = decoder[f"SubPixelConvTranspose_{index}"]
        kernel = np.flip(np.asarray(layer["kernel"]), axis=(0, 1))
        tensors[f"decoder_convs.{index}.weight"] = np.transpose(kernel, (2, 3, 0, 1))
        tensors[f"decoder_convs.{index}.bias"] = np.asarray(layer["bias"])
    return {name: np.array(value, order="C") for name, value in tensors.items()}


def load_flax_params(model: TorchConvVAE, params: dict[str, Any]) -> None:
    """Copy gen_jax VAE parameters into ``model`` (every tensor, strictly)."""
    state = {
        name: torch.from_numpy(value)
        for name, value in flax_to_torch_tensors(params, model).items()
    }
    model.load_state_dict(state, strict=True)


def count_parameters(tree_or_module: Any) -> int:
    if isinstance(tree_or_module, nn.Module):
        return sum(parameter.numel() for parameter in tree_or_module.parameters())
    return sum(int(np.size(leaf)) for leaf in jax.tree.leaves(tree_or_module))


def random_images(batch_size: int, image_size: int, *, seed: int) -> np.ndarray:
    """MNIST-shaped float32 images in [0, 1], ``[B, H, W, 1]`` (channels last)."""
    return np.random.default_rng(seed).random((batch_size, image_size, image_size, 1), np.float32)


def to_channels_first(images: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.transpose(images, (0, 3, 1, 2)))


def gen_jax_vae_step(image_shape: tuple[int, int, int], latent_dim: int):
    model = conv_vae(image_shape, latent_dim)
    step = make_vae_step(
        model,
        optax.adam(LEARNING_RATE),
        likelihood="mse",
        reconstruction_weight=RECONSTRUCTION_WEIGHT,
    )
    return model, step


def _relative_error(reference: np.ndarray, value: np.ndarray) -> float:
    scale = max(float(np.max(np.abs(reference))), 1e-12)
    return float(np.max(np.abs(reference - value))) / scale


def _as_float64(tree: Any) -> Any:
    """Every floating leaf of ``tree`` in float64 (integers, such as step counts, kept)."""
    return jax.tree.map(
        lambda leaf: leaf.astype(jnp.float64) if jnp.issubdtype(leaf.dtype, jnp.floating) else leaf,
        tree,
    )


def check_equivalence(
    *, image_size: int, latent_dim: int, batch_size: int = 32, num_updates: int = 3, seed: int = 0
) -> dict[str, Any]:
    """Copy gen_jax's initial weights into the PyTorch VAE and compare the two on the CPU.

    Both sides compute in float64 (``jax.enable_x64``, ``torch_model.double()``), so the
    comparison measures whether they compute the same function, not how two builds of two
    libraries round in float32 (on another machine's CPU the float32 losses differed by
    4e-4, which would hide nothing and prove nothing). With the same batch and the same
    reparameterisation noise (drawn from the JAX step key, as gen_jax's update draws it) the
    losses and every gradient tensor must agree to :data:`CHECK_TOLERANCE` (relative), then
    both sides take ``num_updates`` Adam steps and the losses must still agree.

    Returns:
        Parameter counts, the largest relative differences, and ``passed``.
    """
    image_shape = (image_size, image_size, 1)
    cpu = jax.devices("cpu")[0]
    images = random_images(batch_size, image_size, seed=seed).astype(np.float64)
    batch = {"image": images}
    with jax.enable_x64(True), jax.default_device(cpu):
        model, step = gen_jax_vae_step(image_shape, latent_dim)
        init_key, run_key = jax.random.split(jax.random.key(seed))
        state = _as_float64(step.init(init_key, batch))

        def loss_fn(params, key):
            return vae_objective(
                params,
                batch,
                key,
                model=model,
                likelihood="mse",
                reconstruction_weight=RECONSTRUCTION_WEIGHT,
            )[0]

        loss_and_grad = jax.jit(jax.value_and_grad(loss_fn))
        update = jax.jit(step.update)

        torch_model = TorchConvVAE(image_shape, latent_dim).double()
        load_flax_params(torch_model, state.params)
        torch_optimizer = torch.optim.Adam(torch_model.parameters(), lr=LEARNING_RATE)
        torch_images = torch.from_numpy(to_channels_first(images))
        gen_jax_count, torch_count = count_parameters(state.params), count_parameters(torch_model)

        loss_errors, gradient_errors = [], []
        for index in range(num_updates + 1):
            key = jax.random.fold_in(run_key, index)
            noise = torch.from_numpy(
                np.array(jax.random.normal(key, (batch_size, latent_dim), jnp.float64))
            )
            gen_jax_loss, gen_jax_grads = loss_and_grad(state.params, key)
            torch_optimizer.zero_grad(set_to_none=True)
            torch_loss = torch_vae_loss(torch_model, torch_images, noise)
            torch_loss.backward()
            loss_errors.append(
                abs(float(gen_jax_loss) - torch_loss.item()) / abs(float(gen_jax_loss))
            )
            if index == 0:
                expected = flax_to_torch_tensors(jax.device_get(gen_jax_grads), torch_model)
                gradient_errors = [
                    _relative_error(expected[name], parameter.grad.numpy())
                    for name, parameter in torch_model.named_parameters()
                ]
            if index < num_updates:
                state, _ = update(state, batch, key)
                torch_optimizer.step()
    max_gradient_error = max(gradient_errors)
    passed = (
        gen_jax_count == torch_count
        and max(loss_errors) <= CHECK_TOLERANCE
        and max_gradient_error <= CHECK_TOLERANCE
    )
    if image_shape == (28, 28, 1) and latent_dim == 2:
        passed = passed and gen_jax_count == BOOK_PARAMETER_COUNT
    return {
        "device": "cpu",
        "dtype": "float64",
        "batch_size": batch_size,
        "parameters": {"gen_jax": gen_jax_count, "torch": torch_count},
        "loss_relative_error_per_update": loss_errors,
        "max_gradient_relative_error": max_gradient_error,
        "tolerance": CHECK_TOLERANCE,
        "passed": passed,
    }


def _torch_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class TorchStep:
    """One PyTorch training step of :class:`TorchConvVAE`: forward, backward, Adam update.

    Built, moved to ``device`` and run once (the first step is timed into
    ``first_step_s``); each call then runs one step and returns the loss tensor. ``sync``
    waits for the device (a no-op on the CPU, whose kernels finish before they return).
    """

    def __init__(self, images: np.ndarray, *, latent_dim: int, device: torch.device, seed: int):
        torch.manual_seed(seed)
        self.device = device
        self.model = TorchConvVAE(images.shape[1:], latent_dim).to(device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE)
        self.images = torch.from_numpy(to_channels_first(images)).to(device)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        start = time.perf_counter()
        self.sync(self())
        self.first_step_s = time.perf_counter() - start

    def __call__(self) -> torch.Tensor:
        self.optimizer.zero_grad(set_to_none=True)
        loss = torch_vae_loss(self.model, self.images)
        loss.backward()
        self.optimizer.step()
        return loss

    def sync(self, _result: Any = None) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def report(self) -> dict[str, Any]:
        with torch.no_grad():
            final_loss = torch_vae_loss(self.model, self.images).item()
        cuda = self.device.type == "cuda"
        return {
            "batch_size": len(self.images),
            "first_step_s": self.first_step_s,
            "device": str(self.device),
            "device_peak_bytes_allocated": torch.cuda.max_memory_allocated(self.device)
            if cuda
            else None,
            "parameters": count_parameters(self.model),
            "final_metrics": {"loss": final_loss},
        }


def compare(
    step, images: np.ndarray, *, args: argparse.Namespace, torch_device: torch.device
) -> dict[str, Any]:
    """Time gen_jax's step and the PyTorch step on ``images``, interleaved in rounds."""
    gen_jax = harness.prepare_step(
        step, {"image": images}, num_calls=args.warmup + args.steps, seed=args.seed
    )
    peer = TorchStep(images, latent_dim=args.latent_dim, device=torch_device, seed=args.seed)
    timings = harness.time_callables(
        {"gen_jax": gen_jax, "torch": peer},
        num_steps=args.steps,
        warmup=args.warmup,
        rounds=args.rounds,
        syncs={"torch": peer.sync},
        examples_per_step=len(images),
    )
    gen_jax_result = {**timings["gen_jax"], **gen_jax.report()}
    torch_result = {**timings["torch"], **peer.report()}
    return {
        "batch_size": len(images),
        "ratio_steps_per_s": gen_jax_result["steps_per_s"]["median"]
        / torch_result["steps_per_s"]["median"],
        "gen_jax": gen_jax_result,
        "torch": torch_result,
    }


def configure_gpu_precision(*, allow_tf32: bool) -> dict[str, Any]:
    """Make both sides use the same float32 arithmetic on a GPU.

    JAX's default precision lets float32 convolutions and matmuls run in TF32 on recent
    NVIDIA GPUs, while PyTorch uses TF32 for convolutions but not matmuls; this sets both
    to full float32 (or both to TF32 with ``allow_tf32``). cuDNN autotuning is on for
    PyTorch, as XLA autotunes its convolutions.
    """
    if jax.default_backend() == "gpu":
        jax.config.update(
            "jax_default_matmul_precision", "tensorfloat32" if allow_tf32 else "float32"
        )
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = allow_tf32
        torch.backends.cudnn.allow_tf32 = allow_tf32
        torch.backends.cudnn.benchmark = True
    return {
        "jax_default_matmul_precision": jax.config.jax_default_matmul_precision,
        "torch_allow_tf32": allow_tf32 if torch.cuda.is_available() else None,
        "torch_cudnn_benchmark": torch.backends.cudnn.benchmark,
    }


def _thread_settings(torch_device: torch.device, torch_threads: int) -> dict[str, str]:
    usable_cores = harness.machine_description()["usable_cores"]
    if jax.default_backend() == "cpu":
        jax_threads = f"XLA:CPU default intra-op thread pool (all {usable_cores} usable cores)"
    else:
        jax_threads = f"{jax.default_backend()} device; host threads: XLA default"
    torch_threads_note = (
        f"torch.set_num_threads({torch_threads}); get_num_threads()={torch.get_num_threads()}, "
        f"interop={torch.get_num_interop_threads()}"
    )
    if torch_device.type == "cuda":
        torch_threads_note += f"; device {torch.cuda.get_device_name(torch_device)}"
    return {"gen_jax": jax_threads, "torch": torch_threads_note}


def _markdown_row(row: dict[str, Any]) -> str:
    gen_jax, peer = row["gen_jax"], row["torch"]
    return (
        f"| {row['batch_size']} "
        f"| {gen_jax['steps_per_s']['median']:.2f} ({gen_jax['steps_per_s']['iqr']:.2f}) "
        f"| {peer['steps_per_s']['median']:.2f} ({peer['steps_per_s']['iqr']:.2f}) "
        f"| {gen_jax['examples_per_s']['median']:.0f} "
        f"| {peer['examples_per_s']['median']:.0f} "
        f"| {row['ratio_steps_per_s']:.2f} "
        f"| {gen_jax['trace_lower_s'] + gen_jax['compile_s']:.1f} "
        f"| {max(gen_jax['peak_rss_mib'], peer['peak_rss_mib']):.0f} |"
    )


MARKDOWN_HEADER = (
    "| batch | gen_jax steps/s (IQR) | torch steps/s (IQR) | gen_jax ex/s | torch ex/s "
    "| ratio gen_jax/torch | gen_jax compile s | process peak RSS MiB |\n"
    "|---|---|---|---|---|---|---|---|"
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.vae_step",
        description="gen_jax conv VAE training step against the same VAE in PyTorch.",
    )
    parser.add_argument("--batch-size", type=int, nargs="+", default=[32, 128])
    parser.add_argument("--steps", type=int, default=50, help="timed steps per side")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps per side")
    parser.add_argument("--image-size", type=int, default=28, help="square, divisible by 4")
    parser.add_argument("--latent-dim", type=int, default=2)
    parser.add_argument(
        "--rounds", type=int, default=5, help="turns the two sides take (interleaving)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--tf32", action="store_true", help="on a GPU, let both sides use TF32 (default: off)"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: usable cores)"
    )
    parser.add_argument("--name", default="vae_step", help="results/NAME.json")
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check that both models agree (counts, loss, gradients) and exit",
    )
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
    usable_cores = harness.machine_description()["usable_cores"]
    torch_threads = args.threads or usable_cores
    torch.set_num_threads(torch_threads)

    check = check_equivalence(
        image_size=args.image_size, latent_dim=args.latent_dim, seed=args.seed
    )
    print(
        f"check: parameters gen_jax={check['parameters']['gen_jax']:,} "
        f"torch={check['parameters']['torch']:,}; loss rel. error per update "
        f"{', '.join(f'{error:.1e}' for error in check['loss_relative_error_per_update'])}; "
        f"max gradient rel. error {check['max_gradient_relative_error']:.1e} "
        f"-> {'passed' if check['passed'] else 'FAILED'}"
    )
    if not check["passed"]:
        print("the two models differ; not benchmarking", file=sys.stderr)
        return 1
    if args.check:
        return 0

    torch_device = _torch_device()
    if (jax.default_backend() == "cpu") != (torch_device.type == "cpu"):
        print(
            f"warning: jax runs on {jax.default_backend()} but torch on {torch_device}; "
            "the ratio compares different hardware",
            file=sys.stderr,
        )
    precision = configure_gpu_precision(allow_tf32=args.tf32)
    load_before = harness.machine_description()["load_average"]
    image_shape = (args.image_size, args.image_size, 1)
    _, step = gen_jax_vae_step(image_shape, args.latent_dim)
    rows = []
    print(MARKDOWN_HEADER)
    for batch_size in args.batch_size:
        images = random_images(batch_size, args.image_size, seed=args.seed)
        row = compare(step, images, args=args, torch_device=torch_device)
        rows.append(row)
        print(_markdown_row(row), flush=True)

    payload = {
        "benchmark": "vae_step",
        "description": (
            "One training step (forward, backward, Adam 5e-4) of the Generative Deep Learning "
            "book's conv VAE, loss 1000*MSE + KL, float32, random MNIST-shaped batch reused "
            "every step; ratio = gen_jax median steps/s / torch median steps/s."
        ),
        "machine": harness.machine_description(),
        "config": {
            "image_shape": list(image_shape),
            "latent_dim": args.latent_dim,
            "batch_sizes": args.batch_size,
            "num_steps": args.steps,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "seed": args.seed,
            "dtype": "float32",
            "gpu_precision": precision,
        },
        "load_average_before": load_before,
        "threads": _thread_settings(torch_device, torch_threads),
        "devices": {"gen_jax": jax.default_backend(), "torch": str(torch_device)},
        "check": check,
        "results": rows,
    }
    path = harness.write_result(args.name, payload)
    print(f"wrote {path}")
    return 0


def summary_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """Table rows (benchmark contract): one per batch size, median training steps/s."""
    shape = "x".join(str(size) for size in result["config"]["image_shape"])
    rows = []
    for row in result["results"]:
        rows.append(
            {
                "benchmark": result.get("benchmark", "vae_step"),
                "case": f"book conv VAE {shape}, z={result['config']['latent_dim']}, "
                f"batch {row['batch_size']}",
                "gen_jax": f"{row['gen_jax']['steps_per_s']['median']:.1f} steps/s",
                "peer": f"torch {row['torch']['steps_per_s']['median']:.1f} steps/s",
                "ratio": f"{row['ratio_steps_per_s']:.2f}x",
            }
        )
    return rows


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
