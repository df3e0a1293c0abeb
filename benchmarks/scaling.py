"""Data-parallel scaling of a gradient Step and an EM Step over 1, 2, 4 and 8 devices.

``python -m benchmarks.scaling [--devices 1 2 4 8] [--steps 20]``

Two Steps are timed with ``harness.time_step`` on meshes of the first N devices:

- **conv VAE**: the book's convolutional VAE (``conv_vae``, Foster 2019 ch. 3) trained by
  ``make_vae_step`` with Adam, MSE reconstruction;
- **GMM EM**: one full EM iteration of a full-covariance Gaussian mixture
  (``GaussianMixtureEM``) through ``make_em_step``.

Each runs in two modes. **Weak scaling** keeps the per-device batch fixed (the global batch
grows with N); **strong scaling** keeps the global batch fixed. Reported: examples/s
(median over the timed steps), speedup ``S_N = rate_N / rate_1`` and efficiency ``S_N / N``
(1.0 is perfect; for weak scaling it equals ``time_1 / time_N``).

On a CPU the devices are fake: ``jax_num_cpu_devices`` splits the host into N XLA devices
that share its cores, so the figures measure the sharding's overhead, not a speedup (on
this 2-core machine 8 devices cannot be faster than 2). On a GPU or TPU host the same
command uses the real accelerators; counts above ``jax.device_count()`` are skipped.
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

from benchmarks import harness

# Arguments for a smoke run of well under a minute (`python -m benchmarks run --quick`).
QUICK_ARGS: tuple[str, ...] = (
    "--devices", "1", "2", "--modes", "strong", "--steps", "2", "--warmup", "1",
    "--image-size", "8", "--vae-batch-per-device", "4", "--em-points-per-device", "256",
)  # fmt: skip
MODELS = ("conv_vae", "gmm_em")
MODES = ("weak", "strong")


def _use_devices(count: int) -> None:
    """Ask for ``count`` CPU devices; possible only before JAX's backend starts."""
    try:
        jax.config.update("jax_num_cpu_devices", count)
    except RuntimeError:
        pass  # the backend is already up: use what it has (checked by the caller)


def _vae_step(image_size: int):
    from gen_jax.algorithms.vae import make_vae_step
    from gen_jax.models.autoencoders.vae import conv_vae

    model = conv_vae((image_size, image_size, 1), 2)
    return make_vae_step(model, optax.adam(5e-4), likelihood="mse", reconstruction_weight=1000.0)


def _em_step(num_components: int):
    from gen_jax.algorithms.em import make_em_step
    from gen_jax.models.mixture.gaussian import GaussianMixtureEM

    model = GaussianMixtureEM("full")

    def init_params(key, x):
        resp = jax.random.dirichlet(key, jnp.ones(num_components), (x.shape[0],)).astype(x.dtype)
        return model.m_step(model.statistics(x, resp, jnp.ones_like(x[:, 0])))

    return make_em_step(model, init_params)


def _batches(args: argparse.Namespace, global_size: int, kind: str) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(args.seed)
    if kind == "conv_vae":
        shape = (global_size, args.image_size, args.image_size, 1)
        return {"image": rng.random(shape, dtype=np.float32)}
    centres = rng.normal(scale=4.0, size=(args.em_components, args.em_dim))
    labels = rng.integers(0, args.em_components, global_size)
    points = centres[labels] + rng.normal(size=(global_size, args.em_dim))
    return {"x": points.astype(np.float32)}


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Time every (model, mode, device count); rows with rates, speedups and efficiencies."""
    from gen_jax.core.sharding import make_mesh

    counts = [n for n in args.devices if n <= jax.device_count()]
    skipped = sorted(set(args.devices) - set(counts))
    if skipped:
        print(f"skipping device counts {skipped}: only {jax.device_count()} visible", flush=True)
    largest = max(counts)
    makers = {
        "conv_vae": lambda: _vae_step(args.image_size),
        "gmm_em": lambda: _em_step(args.em_components),
    }
    steps = {kind: makers[kind]() for kind in args.models}
    per_device = {"conv_vae": args.vae_batch_per_device, "gmm_em": args.em_points_per_device}
    rows = []
    for kind, step in steps.items():
        for mode in args.modes:
            base_rate = None
            for count in counts:
                size = per_device[kind] * (count if mode == "weak" else largest)
                stats = harness.time_step(
                    step,
                    _batches(args, size, kind),
                    num_steps=args.steps,
                    warmup=args.warmup,
                    mesh=make_mesh(count),
                    seed=args.seed,
                )
                rate = stats["examples_per_s"]["median"]
                base_rate = rate if base_rate is None else base_rate
                row = {
                    "model": kind,
                    "mode": mode,
                    "devices": count,
                    "global_batch": size,
                    "examples_per_s": rate,
                    "examples_per_s_iqr": stats["examples_per_s"]["iqr"],
                    "step_ms": stats["step_ms"]["median"],
                    "speedup": rate / base_rate,
                    "efficiency": rate / base_rate / (count / counts[0]),
                    "compile_s": stats["compile_s"],
                }
                rows.append(row)
                print(
                    f"{kind:8s} {mode:6s} devices={count} batch={size}: {rate:.0f} ex/s, "
                    f"efficiency {row['efficiency']:.2f}",
                    flush=True,
                )
    return rows


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scaling", description=__doc__)
    parser.add_argument("--devices", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per point")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps per point")
    parser.add_argument("--image-size", type=int, default=28, help="VAE images, divisible by 4")
    parser.add_argument("--vae-batch-per-device", type=int, default=16)
    parser.add_argument("--em-points-per-device", type=int, default=8192)
    parser.add_argument("--em-components", type=int, default=8)
    parser.add_argument("--em-dim", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="scaling", help="results/NAME.json")
    args = parser.parse_args(argv)
    if sorted(set(args.devices)) != args.devices or args.devices[0] < 1:
        parser.error("--devices must be increasing positive counts, e.g. 1 2 4 8")
    if args.image_size % 4:
        parser.error(f"--image-size={args.image_size} must be divisible by 4")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    _use_devices(max(args.devices))
    machine = harness.machine_description()
    rows = run(args)
    payload = {
        "benchmark": "scaling",
        "description": (
            "Data-parallel scaling over the first N devices: examples/s (median), speedup "
            "over the smallest count, efficiency = speedup / (N / smallest N). Weak: fixed "
            "per-device batch; strong: fixed global batch. CPU devices are fake "
            "(jax_num_cpu_devices) and share the host's cores."
        ),
        "machine": machine,
        "config": vars(args),
        "rows": rows,
    }
    print(f"wrote {harness.write_result(args.name, payload)}")
    return 0


def summary_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """Table rows (benchmark contract): examples/s and efficiency per device count."""
    fake = result["machine"].get("jax_backend") == "cpu"
    return [
        {
            "benchmark": "scaling",
            "case": f"{row['model']} {row['mode']}, {row['devices']} "
            f"{'fake CPU ' if fake else ''}device(s), batch {row['global_batch']}",
            "gen_jax": f"{row['examples_per_s']:.0f} ex/s",
            "peer": "-",
            "ratio": f"efficiency {row['efficiency']:.2f}",
        }
        for row in result["rows"]
    ]


if __name__ == "__main__":
    sys.exit(main())
