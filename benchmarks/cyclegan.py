"""Side-by-side CycleGAN and style-transfer throughput: gen_jax against PyTorch on one machine.

Cases (Foster 2019, ch. 5), batch 1 as in the book:

- ``unet``: one CycleGAN iteration with the U-Net generator (f = 32) and PatchGAN(32) at
  128x128x3 (apple2orange), identity weight 2;
- ``resnet``: the ResNet-9 generator (f = 32) and PatchGAN(64) at 256x256x3 (monet2photo),
  identity weight 5;
- ``style``: one Adam step of neural style transfer (VGG19 forward and backward through the
  image, content + five style layers + total variation) at ``--style-size``.

gen_jax runs ``make_cyclegan_step(pool="none")`` (the PyTorch side has no history pool;
both show the discriminators this step's fakes) and :func:`transfer_style`'s objective;
PyTorch runs :mod:`benchmarks.cyclegan_torch`. Parameter counts are checked equal; values
are not compared (different initialisation). ``--width-divisor`` divides every width on
both sides.

Usage::

    python -m benchmarks.cyclegan [--cases unet resnet style] [--steps 10]

Writes ``benchmarks/results/cyclegan.json``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import torch

from benchmarks import cyclegan_torch, harness
from gen_jax.algorithms.cyclegan import cyclegan_adam, make_cyclegan_step
from gen_jax.algorithms.style_transfer import make_style_transfer_objective
from gen_jax.models.translation import (
    PatchDiscriminator,
    ResNetGenerator,
    UNetGenerator,
    VGG19Features,
    load_vgg19,
)

CASES = ("unet", "resnet", "style")
QUICK_ARGS: tuple[str, ...] = (
    "--width-divisor", "16", "--unet-size", "32", "--resnet-size", "32", "--style-size", "32",
    "--steps", "2", "--warmup", "1", "--rounds", "1",
)  # fmt: skip


def _images(size: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (1, size, size, 3)).astype(np.float32)


def _cyclegan_case(case: str, args) -> dict[str, Any]:
    d = args.width_divisor
    if case == "unet":
        size, identity = args.unet_size, 2.0
        generator, discriminator = UNetGenerator(32 // d), PatchDiscriminator(32 // d)

        def torch_generator():
            return cyclegan_torch.UNet(32 // d)

        def torch_discriminator():
            return cyclegan_torch.patch_discriminator(32 // d)
    else:
        size, identity = args.resnet_size, 5.0
        generator, discriminator = ResNetGenerator(32 // d), PatchDiscriminator(64 // d)

        def torch_generator():
            return cyclegan_torch.resnet(32 // d)

        def torch_discriminator():
            return cyclegan_torch.patch_discriminator(64 // d)

    batch = {"image_a": _images(size, args.seed), "image_b": _images(size, args.seed + 1)}
    step = make_cyclegan_step(
        generator,
        discriminator,
        cyclegan_adam(),
        cyclegan_adam(),
        identity_weight=identity,
        pool="none",
    )
    prepared = harness.prepare_step(step, batch, num_calls=args.warmup + args.steps)
    abstract = jax.eval_shape(step.init, jax.random.key(0), batch)
    count = sum(
        leaf.size for leaf in jax.tree.leaves((abstract.gen.variables, abstract.disc.variables))
    )
    torch.manual_seed(args.seed)
    peer = cyclegan_torch.TorchCycleGANStep(
        torch_generator,
        torch_discriminator,
        *(torch.from_numpy(batch[k]).permute(0, 3, 1, 2).contiguous() for k in batch),
        identity,
    )
    return {
        "fns": {"gen_jax": prepared, "torch": peer},
        "counts": {"gen_jax": int(count), "torch": int(peer.parameter_count())},
        "shape": [size, size, 3],
        "report": prepared.report,
    }


def _style_case(args) -> dict[str, Any]:
    widths = tuple(w // args.width_divisor for w in (64, 128, 256, 512, 512))
    size = args.style_size
    weights = load_vgg19(widths=widths)
    network = VGG19Features(widths, last_layer="block5_conv2")
    rng = np.random.default_rng(args.seed)
    base, style = (rng.uniform(-100, 100, (size, size, 3)).astype(np.float32) for _ in range(2))
    objective = make_style_transfer_objective(network, weights.variables, base=base, style=style)
    optimizer = optax.adam(5.0)

    @jax.jit
    def adam_step(carry):
        x, state = carry
        grad = jax.grad(lambda v: objective(v)[0])(x)
        updates, state = optimizer.update(grad, state, x)
        return optax.apply_updates(x, updates), state

    carry = [(jnp.asarray(base), optimizer.init(jnp.asarray(base)))]

    def gen_jax_step():
        carry[0] = adam_step(carry[0])
        return carry[0][0]

    torch_net = cyclegan_torch.vgg19_features(widths).eval()
    for p in torch_net.parameters():
        p.requires_grad_(False)
    image = torch.from_numpy(base).permute(2, 0, 1)[None].clone().requires_grad_(True)
    torch_optimizer = torch.optim.Adam([image], 5.0)
    target = torch.from_numpy(style).permute(2, 0, 1)[None]
    style_relus = {1, 3, 5, 9, 13}  # block{1..5}_conv1; the 14th ReLU is block5_conv2
    scale = 4.0 * 9 * float(size * size) ** 2

    def torch_step():
        torch_optimizer.zero_grad(set_to_none=True)
        loss, x, y, relus = 0.0, image, target, 0
        for layer in torch_net:
            x, y = layer(x), layer(y)
            if isinstance(layer, torch.nn.ReLU):
                relus += 1
                if relus in style_relus:
                    fx, fy = x.flatten(2), y.flatten(2)
                    gram_x, gram_y = fx @ fx.transpose(1, 2), fy @ fy.transpose(1, 2)
                    loss = loss + 20.0 * ((gram_x - gram_y) ** 2).sum() / scale
        loss = loss + ((x - y) ** 2).sum()
        a = (image[..., :-1, :-1] - image[..., 1:, :-1]) ** 2
        b = (image[..., :-1, :-1] - image[..., :-1, 1:]) ** 2
        loss = loss + 20.0 * ((a + b) ** 1.25).sum()
        loss.backward()
        torch_optimizer.step()
        return loss

    counts = {
        "gen_jax": int(
            sum(
                leaf.size
                for leaf in jax.tree.leaves(
                    jax.eval_shape(network.init, jax.random.key(0), jnp.zeros((1, size, size, 3)))
                )
            )
        ),
        "torch": int(sum(p.numel() for p in torch_net.parameters())),
    }
    return {
        "fns": {"gen_jax": gen_jax_step, "torch": torch_step},
        "counts": counts,
        "shape": [size, size, 3],
        "report": dict,
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cyclegan", description=__doc__)
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--unet-size", type=int, default=128)
    parser.add_argument("--resnet-size", type=int, default=256)
    parser.add_argument("--style-size", type=int, default=128)
    parser.add_argument("--width-divisor", type=int, default=1)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="cyclegan")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(harness.machine_description()["usable_cores"])
    load_before = harness.machine_description()["load_average"]
    rows = []
    for case in args.cases:
        parts = _style_case(args) if case == "style" else _cyclegan_case(case, args)
        if parts["counts"]["gen_jax"] != parts["counts"]["torch"]:
            print(f"{case}: parameter counts differ {parts['counts']}", file=sys.stderr)
            return 1
        timings = harness.time_callables(
            parts["fns"],
            num_steps=args.steps,
            warmup=args.warmup,
            rounds=args.rounds,
            examples_per_step=1,
        )
        ratio = (
            timings["gen_jax"]["steps_per_s"]["median"] / timings["torch"]["steps_per_s"]["median"]
        )
        rows.append(
            {
                "case": case,
                "image_shape": parts["shape"],
                "parameters": parts["counts"],
                "ratio_steps_per_s": ratio,
                "gen_jax": {**timings["gen_jax"], **parts["report"]()},
                "torch": timings["torch"],
            }
        )
        print(
            f"{case}: gen_jax {timings['gen_jax']['steps_per_s']['median']:.2f} it/s, torch "
            f"{timings['torch']['steps_per_s']['median']:.2f} it/s, ratio {ratio:.2f}",
            flush=True,
        )
    payload = {
        "benchmark": "cyclegan",
        "description": (
            "One CycleGAN iteration (U-Net 128, ResNet-9 256, batch 1) and one Adam step of "
            "style transfer, float32 on the CPU; ratio = gen_jax / torch median it/s."
        ),
        "machine": harness.machine_description(),
        "config": vars(args),
        "load_average_before": load_before,
        "results": rows,
    }
    print(f"wrote {harness.write_result(args.name, payload)}")
    return 0


def summary_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """Table rows (benchmark contract): iterations/s against PyTorch per case."""
    names = {"unet": "CycleGAN U-Net", "resnet": "CycleGAN ResNet-9", "style": "style transfer"}
    rows = []
    for row in result["results"]:
        height, width, channels = row["image_shape"]
        rows.append(
            {
                "benchmark": "cyclegan",
                "case": f"{names[row['case']]}, batch 1, {height}x{width}x{channels}, width "
                f"1/{result['config']['width_divisor']}",
                "gen_jax": f"{row['gen_jax']['steps_per_s']['median']:.2f} it/s",
                "peer": f"PyTorch {row['torch']['steps_per_s']['median']:.2f} it/s",
                "ratio": f"{row['ratio_steps_per_s']:.2f}x",
            }
        )
    return rows


if __name__ == "__main__":
    sys.exit(main())
