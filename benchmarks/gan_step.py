"""Side-by-side GAN training-step throughput: gen_jax against the same GANs in PyTorch.

Two cases from Foster (2019), ch. 4:

- ``dcgan``: the camel GAN (Listings 4.1-4.5; :class:`~gen_jax.models.gans.dcgan.CamelGenerator`
  and :class:`~gen_jax.models.gans.dcgan.CamelDiscriminator`), 28x28x1, batch 64, non-saturating
  loss, one discriminator and one generator update per iteration, RMSprop 8e-4 (D) and 4e-4
  (G) with Keras' rho 0.9 and epsilon 1e-7 outside the square root.
- ``wgan_gp``: the CelebA WGAN-GP (:mod:`gen_jax.models.gans.wgan_gp`), batch 64, Wasserstein
  loss with gradient penalty weight 10, 5 critic updates per generator update, Adam(2e-4,
  beta_1 0.5, epsilon 1e-7); 64x64x3 by default, ``--image-size`` (a multiple of 16) makes
  the starting map ``size/16`` so the quick run can be small.

One iteration is what ``make_gan_step`` does (critic updates on one real batch with fresh
noise, then the generator update through the frozen critic), on both sides, on a random
batch reused every step. ``--width-divisor`` divides every layer width on both sides.
The PyTorch twins live in :mod:`benchmarks.gan_torch`.

``--check`` copies gen_jax's initial weights into the twins and compares, from the same
noise (and the same interpolation weights), the discriminator/critic loss, the generator
loss and every gradient tensor (dropout off for the comparison); the benchmark refuses to
time models that differ.

Usage::

    python -m benchmarks.gan_step [--cases dcgan wgan_gp] [--image-size 64] [--steps 20]
    python -m benchmarks.gan_step --check

Writes ``benchmarks/results/gan_step.json``.

References:
    Foster (2019), Generative Deep Learning, O'Reilly, ch. 4.
    Gulrajani et al. (2017), Improved Training of Wasserstein GANs, arXiv:1704.00028.
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

from benchmarks import gan_torch, harness
from benchmarks.vae_step import configure_gpu_precision, to_channels_first
from gen_jax.algorithms.adversarial import make_gan_step
from gen_jax.losses import adversarial as adv
from gen_jax.models.gans.dcgan import CamelDiscriminator, CamelGenerator
from gen_jax.models.gans.wgan_gp import FacesCritic, FacesGenerator

QUICK_ARGS: tuple[str, ...] = (
    "--image-size", "16", "--width-divisor", "16", "--steps", "2", "--warmup", "1",
    "--rounds", "1",
)  # fmt: skip
CASES = ("dcgan", "wgan_gp")
LATENT_DIM = 100
LOSS_TOLERANCE = 1e-9  # relative, in float64
GRADIENT_TOLERANCE = 1e-9  # largest difference over the network's largest gradient, float64


def build(case: str, *, image_size: int, divisor: int, dropout: float = 0.4) -> dict[str, Any]:
    """Both sides' networks, optimisers and training settings for ``case``."""
    if case == "dcgan":
        d_filters = tuple(f // divisor for f in (64, 64, 128, 128))
        g_shape, g_filters = (
            (7, 7, 64 // divisor),
            (128 // divisor, 64 // divisor, 64 // divisor, 1),
        )
        return {
            "image_shape": (28, 28, 1),
            "generator": CamelGenerator(initial_shape=g_shape, filters=g_filters),
            "critic": CamelDiscriminator(filters=d_filters, dropout_rate=dropout),
            "torch_generator": lambda: gan_torch.TorchCamelGenerator(g_shape, g_filters),
            "torch_critic": lambda: gan_torch.TorchCamelDiscriminator(
                d_filters, dropout_rate=dropout
            ),
            "optimizers": (
                optax.rmsprop(4e-4, decay=0.9, eps=1e-7, eps_in_sqrt=False),
                optax.rmsprop(8e-4, decay=0.9, eps=1e-7, eps_in_sqrt=False),
            ),
            "torch_optimizers": lambda g, d: (
                torch.optim.RMSprop(g.parameters(), lr=4e-4, alpha=0.9, eps=1e-7),
                torch.optim.RMSprop(d.parameters(), lr=8e-4, alpha=0.9, eps=1e-7),
            ),
            "settings": dict(loss="nonsaturating", num_critic_steps=1, gp_weight=0.0),
        }
    side = image_size // 16
    c_filters = tuple(f // divisor for f in (64, 128, 256, 512))
    g_shape, g_filters = (side, side, 512 // divisor), (*(f // divisor for f in (256, 128, 64)), 3)
    image_shape = (image_size, image_size, 3)
    return {
        "image_shape": image_shape,
        "generator": FacesGenerator(initial_shape=g_shape, filters=g_filters),
        "critic": FacesCritic(filters=c_filters),
        "torch_generator": lambda: gan_torch.TorchFacesGenerator(g_shape, g_filters),
        "torch_critic": lambda: gan_torch.TorchFacesCritic(image_shape, c_filters),
        "optimizers": tuple(optax.adam(2e-4, b1=0.5, eps=1e-7) for _ in range(2)),
        "torch_optimizers": lambda g, d: tuple(
            torch.optim.Adam(m.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-7) for m in (g, d)
        ),
        "settings": dict(loss="wasserstein", num_critic_steps=5, gp_weight=10.0),
    }


def gen_jax_step(parts: dict[str, Any]):
    return make_gan_step(
        parts["generator"], parts["critic"], *parts["optimizers"], latent_dim=LATENT_DIM,
        **parts["settings"],
    )  # fmt: skip


def random_images(batch_size: int, image_shape, *, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (batch_size, *image_shape)).astype(np.float32)


def _relative(reference, value) -> float:
    reference, value = np.asarray(reference, np.float64), np.asarray(value, np.float64)
    return float(np.max(np.abs(reference - value)) / max(np.max(np.abs(reference)), 1e-12))


def check_equivalence(case: str, *, image_size: int, divisor: int, seed: int = 0) -> dict:
    """Losses and gradients of both sides from the same weights, noise and interpolates.

    Both sides compute in float64 (``jax.enable_x64``, ``.double()`` models), so the check
    tells whether they compute the same function rather than how two builds round in
    float32 (on another machine's CPU the float32 gradients differed by 6e-3 through the
    batch normalisations).
    """
    with jax.enable_x64(True):
        return _check_in_float64(case, image_size=image_size, divisor=divisor, seed=seed)


def _as_float64(tree: Any) -> Any:
    return jax.tree.map(
        lambda leaf: leaf.astype(jnp.float64) if jnp.issubdtype(leaf.dtype, jnp.floating) else leaf,
        tree,
    )


def _check_in_float64(case: str, *, image_size: int, divisor: int, seed: int) -> dict:
    parts = build(case, image_size=image_size, divisor=divisor, dropout=0.0)
    wasserstein, gp_weight = (
        parts["settings"]["loss"] == "wasserstein",
        parts["settings"]["gp_weight"],
    )
    generator, critic = parts["generator"], parts["critic"]
    images = random_images(8, parts["image_shape"], seed=seed).astype(np.float64)
    keys = jax.random.split(jax.random.key(seed), 3)
    state = gen_jax_step(parts).init(keys[0], {"image": images})
    z = np.asarray(jax.random.normal(keys[1], (len(images), LATENT_DIM), jnp.float64))
    epsilon = np.asarray(jax.random.uniform(keys[2], (len(images), 1, 1, 1), jnp.float64))
    g_vars, d_vars = _as_float64(state.gen.variables), _as_float64(state.disc.variables)

    def critic_fn(params, x):
        return critic.apply({"params": params}, x, train=True, rngs={"dropout": keys[0]})[:, 0]

    def fake_images(params):
        variables = {**g_vars, "params": params}
        return generator.apply(variables, z, train=True, mutable=["batch_stats"])[0]

    def d_loss_fn(params):
        fake = fake_images(g_vars["params"])
        real_s, fake_s = critic_fn(params, images), critic_fn(params, fake)
        if wasserstein:
            loss = jnp.mean(adv.wasserstein_critic_loss(real_scores=real_s, fake_scores=fake_s))
        else:
            loss = jnp.mean(adv.discriminator_loss(real_logits=real_s, fake_logits=fake_s))
        if gp_weight > 0:  # gradient_penalty draws its epsilon from keys[2], as above
            penalty = adv.gradient_penalty(
                lambda x: critic_fn(params, x), images, fake, key=keys[2]
            )
            loss = loss + gp_weight * jnp.mean(penalty)
        return loss

    def g_loss_fn(params):
        scores = critic_fn(d_vars["params"], fake_images(params))
        if wasserstein:
            return jnp.mean(adv.wasserstein_generator_loss(fake_scores=scores))
        return jnp.mean(adv.nonsaturating_generator_loss(fake_logits=scores))

    d_loss, d_grads = jax.value_and_grad(d_loss_fn)(d_vars["params"])
    g_loss, g_grads = jax.value_and_grad(g_loss_fn)(g_vars["params"])

    torch_g, torch_d = parts["torch_generator"]().double(), parts["torch_critic"]().double()
    gan_torch.load_flax_variables(torch_g, jax.device_get(g_vars))
    gan_torch.load_flax_variables(torch_d, jax.device_get(d_vars))
    real, noise = torch.from_numpy(to_channels_first(images)), torch.from_numpy(z.copy())
    torch_fake = torch_g(noise)
    torch_d_loss = gan_torch.critic_loss(
        torch_d, real, torch_fake.detach(), wasserstein=wasserstein, gp_weight=gp_weight,
        epsilon=torch.from_numpy(epsilon.copy()),
    )  # fmt: skip
    torch_d_loss.backward()
    torch_g.zero_grad(set_to_none=True)
    torch_d_grads = {k: p.grad.numpy().copy() for k, p in torch_d.named_parameters()}
    torch_g_loss = gan_torch.generator_loss(torch_d, torch_fake, wasserstein=wasserstein)
    torch_g_loss.backward()
    errors = {
        "d_loss": _relative(d_loss, torch_d_loss.item()),
        "g_loss": _relative(g_loss, torch_g_loss.item()),
    }
    gradient_errors = []
    for model, grads, torch_grads in (
        (torch_d, d_grads, torch_d_grads),
        (torch_g, g_grads, {k: p.grad.numpy() for k, p in torch_g.named_parameters()}),
    ):
        # Biases feeding a batch norm have zero gradient up to rounding, so each difference
        # is scaled by the network's largest gradient entry, not by its own tensor's.
        expected = gan_torch.flax_to_torch(model, jax.device_get(grads))
        scale = max(float(np.max(np.abs(value))) for value in expected.values())
        gradient_errors += [
            float(np.max(np.abs(expected[name] - torch_grads[name]))) / scale for name in expected
        ]
    counts = {
        "gen_jax": sum(int(np.size(x)) for x in jax.tree.leaves((g_vars["params"], d_vars))),
        "torch": sum(p.numel() for m in (torch_g, torch_d) for p in m.parameters()),
    }
    passed = (
        max(errors.values()) <= LOSS_TOLERANCE
        and max(gradient_errors) <= GRADIENT_TOLERANCE
        and counts["gen_jax"] == counts["torch"]
    )
    return {
        "case": case,
        "trainable_parameters": counts,
        "loss_relative_errors": errors,
        "max_gradient_relative_error": max(gradient_errors),
        "passed": passed,
    }


def compare(case: str, args: argparse.Namespace, device: torch.device) -> dict[str, Any]:
    """Time both sides' training iteration on one random batch, interleaved in rounds."""
    parts = build(case, image_size=args.image_size, divisor=args.width_divisor)
    images = random_images(args.batch_size, parts["image_shape"], seed=args.seed)
    gen_jax = harness.prepare_step(
        gen_jax_step(parts), {"image": images}, num_calls=args.warmup + args.steps, seed=args.seed
    )
    torch.manual_seed(args.seed)
    torch_g, torch_d = parts["torch_generator"]().to(device), parts["torch_critic"]().to(device)
    settings = parts["settings"]
    peer = gan_torch.TorchGanStep(
        torch_g,
        torch_d,
        parts["torch_optimizers"](torch_g, torch_d),
        torch.from_numpy(to_channels_first(images)).to(device),
        num_critic_steps=settings["num_critic_steps"],
        wasserstein=settings["loss"] == "wasserstein",
        gp_weight=settings["gp_weight"],
    )

    def sync(_result):
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    timings = harness.time_callables(
        {"gen_jax": gen_jax, "torch": peer},
        num_steps=args.steps,
        warmup=args.warmup,
        rounds=args.rounds,
        syncs={"torch": sync},
        examples_per_step=args.batch_size,
    )
    gen_jax_result = {**timings["gen_jax"], **gen_jax.report()}
    return {
        "case": case,
        "image_shape": list(parts["image_shape"]),
        "num_critic_steps": settings["num_critic_steps"],
        "ratio_steps_per_s": gen_jax_result["steps_per_s"]["median"]
        / timings["torch"]["steps_per_s"]["median"],
        "gen_jax": gen_jax_result,
        "torch": timings["torch"],
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.gan_step",
        description="The book's DCGAN and WGAN-GP training steps: gen_jax against PyTorch.",
    )
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--image-size", type=int, default=64, help="WGAN-GP; multiple of 16")
    parser.add_argument("--width-divisor", type=int, default=1, help="divides every width")
    parser.add_argument("--steps", type=int, default=20, help="timed iterations per side")
    parser.add_argument("--warmup", type=int, default=2, help="untimed iterations per side")
    parser.add_argument("--rounds", type=int, default=4, help="turns the two sides take")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--tf32", action="store_true", help="on a GPU, TF32 on both sides")
    parser.add_argument("--name", default="gan_step", help="results/NAME.json")
    parser.add_argument("--check", action="store_true", help="only check, then exit")
    args = parser.parse_args(argv)
    if args.image_size < 16 or args.image_size % 16:
        parser.error(f"--image-size {args.image_size} must be a positive multiple of 16")
    if args.width_divisor < 1 or 64 % args.width_divisor:
        parser.error(f"--width-divisor {args.width_divisor} must divide 64")
    if args.batch_size < 1 or args.steps < 1 or args.warmup < 0:
        parser.error("--batch-size and --steps must be positive, --warmup non-negative")
    if not 1 <= args.rounds <= args.steps:
        parser.error(f"--rounds {args.rounds} must be between 1 and --steps {args.steps}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads or harness.machine_description()["usable_cores"])
    checks = []
    with jax.default_device(jax.devices("cpu")[0]):
        for case in args.cases:
            check = check_equivalence(
                case, image_size=args.image_size, divisor=args.width_divisor, seed=args.seed
            )
            checks.append(check)
            print(
                f"check {case}: {check['trainable_parameters']['gen_jax']:,} parameters; loss "
                f"rel. errors {check['loss_relative_errors']}; max gradient rel. error "
                f"{check['max_gradient_relative_error']:.1e} -> "
                f"{'passed' if check['passed'] else 'FAILED'}",
                flush=True,
            )
    if not all(check["passed"] for check in checks):
        print("the two sides differ; not benchmarking", file=sys.stderr)
        return 1
    if args.check:
        return 0
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    precision = configure_gpu_precision(allow_tf32=args.tf32)
    load_before = harness.machine_description()["load_average"]
    rows = []
    for case in args.cases:
        row = compare(case, args, device)
        rows.append(row)
        print(
            f"{case}: gen_jax {row['gen_jax']['steps_per_s']['median']:.2f} it/s, torch "
            f"{row['torch']['steps_per_s']['median']:.2f} it/s, ratio "
            f"{row['ratio_steps_per_s']:.2f}",
            flush=True,
        )
    payload = {
        "benchmark": "gan_step",
        "description": (
            "One training iteration of the Generative Deep Learning book's camel DCGAN "
            "(num_critic_steps 1, RMSprop) and CelebA WGAN-GP (num_critic_steps 5, "
            "gradient penalty 10, "
            "Adam), float32, random batch reused; ratio = gen_jax / torch median it/s."
        ),
        "machine": harness.machine_description(),
        "config": {**vars(args), "gpu_precision": precision},
        "load_average_before": load_before,
        "devices": {"gen_jax": jax.default_backend(), "torch": str(device)},
        "checks": checks,
        "results": rows,
    }
    print(f"wrote {harness.write_result(args.name, payload)}")
    return 0


def summary_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """Table rows (benchmark contract): training iterations/s against PyTorch per case."""
    rows = []
    for row in result["results"]:
        height, width, channels = row["image_shape"]
        rows.append(
            {
                "benchmark": "gan_step",
                "case": f"{row['case']}, batch {result['config']['batch_size']}, "
                f"{height}x{width}x{channels}, num_critic_steps {row['num_critic_steps']}, width "
                f"1/{result['config']['width_divisor']}",
                "gen_jax": f"{row['gen_jax']['steps_per_s']['median']:.2f} it/s",
                "peer": f"PyTorch {row['torch']['steps_per_s']['median']:.2f} it/s",
                "ratio": f"{row['ratio_steps_per_s']:.2f}x",
            }
        )
    return rows


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
