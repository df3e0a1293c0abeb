"""Feature-network throughput and the Fréchet distance against the SciPy reference formula.

Three measurements in one run:

1. images/s of :func:`gen_jax.eval.digits_feature_network` (the bundled digits CNN) on
   28x28 grey images (resized inside to 8x8), batch by batch, host arrays in and out;
2. images/s of FID's InceptionV3 (:class:`gen_jax.eval.InceptionFeatures`, random weights,
   pool3 features) on 299x299 RGB images;
3. :func:`gen_jax.eval.frechet_distance` (eigendecomposition of a symmetric PSD matrix)
   against pytorch-fid's formula (``scipy.linalg.sqrtm`` of the covariance product, with
   its ``eps`` retry) on correlated Gaussian features of several sizes: both times and the
   absolute difference of the two distances.

Run: ``python -m benchmarks.eval_features`` (writes ``benchmarks/results/eval_features.json``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from scipy import linalg

from benchmarks import harness
from gen_jax.eval import digits_feature_network, frechet_distance
from gen_jax.eval.inception import InceptionFeatures
from gen_jax.eval.inception_v3 import FIDInceptionV3

QUICK_ARGS: tuple[str, ...] = (
    *("--digits-batches", "2", "--inception-batch", "1", "--inception-batches", "1"),
    *("--frechet-cases", "64x500", "--repeats", "1", "--name", "eval_features_quick"),
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits-batch", type=int, default=500)
    parser.add_argument("--digits-batches", type=int, default=10, help="timed batches")
    parser.add_argument("--inception-batch", type=int, default=4)
    parser.add_argument("--inception-batches", type=int, default=3, help="timed batches")
    parser.add_argument(
        "--frechet-cases",
        default="64x500,256x2000,2048x2500",
        help="comma-separated DIMxSAMPLES feature sets",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed Fréchet calls per side")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="eval_features", help="results file stem")
    return parser.parse_args(argv)


def scipy_frechet(features_a: np.ndarray, features_b: np.ndarray, eps: float = 1e-6) -> float:
    """pytorch-fid's ``calculate_frechet_distance`` on raw features, rewritten with SciPy."""
    mu1, mu2 = features_a.mean(axis=0), features_b.mean(axis=0)
    sigma1 = np.cov(features_a, rowvar=False)
    sigma2 = np.cov(features_b, rowvar=False)
    covmean = linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    covmean = covmean.real
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def _features_rate(network, images: np.ndarray, batches: int) -> dict:
    timing = harness.time_callable(
        lambda: network.features(images, batch_size=len(images)),
        num_steps=batches,
        warmup=1,
        sync=lambda _: None,  # features() returns host numpy arrays
        examples_per_step=len(images),
    )
    return {
        "images_per_s": timing["examples_per_s"],
        "batch_ms": timing["step_ms"],
        "durations_s": timing["durations_s"],
        "batch_size": len(images),
    }


def _frechet_case(dim: int, num_samples: int, repeats: int, rng) -> dict:
    mixing = rng.normal(size=(dim, dim)) / np.sqrt(dim)
    features_a = rng.normal(size=(num_samples, dim)) @ mixing
    features_b = (rng.normal(size=(num_samples, dim)) + 0.1) @ (mixing + 0.05 * np.eye(dim))
    timings = harness.time_callables(
        {
            "gen_jax": lambda: frechet_distance(features_a, features_b),
            "scipy": lambda: scipy_frechet(features_a, features_b),
        },
        num_steps=repeats,
        warmup=0,
        rounds=repeats,
        syncs={"gen_jax": lambda _: None, "scipy": lambda _: None},
    )
    ours, theirs = frechet_distance(features_a, features_b), scipy_frechet(features_a, features_b)
    return {
        "dim": dim,
        "num_samples": num_samples,
        "gen_jax": ours,
        "scipy": theirs,
        "abs_difference": abs(ours - theirs),
        "time_ms": {name: t["step_ms"]["median"] for name, t in timings.items()},
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    machine = harness.machine_description()
    print(f"machine: {machine['cpu_model']}, {machine['usable_cores']} usable cores, "
          f"load {machine['load_average']}", flush=True)  # fmt: skip

    digits_images = rng.random((args.digits_batch, 28, 28, 1), dtype=np.float32)
    digits = _features_rate(digits_feature_network(), digits_images, args.digits_batches)
    print(f"digits CNN: {digits['images_per_s']['median']:.0f} images/s", flush=True)

    variables = FIDInceptionV3().init(jax.random.key(args.seed), jnp.zeros((1, 75, 75, 3)))
    inception_images = rng.random((args.inception_batch, 299, 299, 3), dtype=np.float32)
    start = time.perf_counter()
    network = InceptionFeatures(variables)
    network.features(inception_images, batch_size=args.inception_batch)
    first_call_s = time.perf_counter() - start
    inception = _features_rate(network, inception_images, args.inception_batches)
    inception["first_call_s"] = first_call_s
    print(f"InceptionV3: {inception['images_per_s']['median']:.2f} images/s", flush=True)

    frechet = []
    for case in args.frechet_cases.split(","):
        dim, num_samples = (int(part) for part in case.split("x"))
        frechet.append(_frechet_case(dim, num_samples, args.repeats, rng))
        row = frechet[-1]
        print(f"Fréchet d={dim} N={num_samples}: |diff| {row['abs_difference']:.2e} "
              f"(value {row['gen_jax']:.4f}); ms gen_jax {row['time_ms']['gen_jax']:.1f}, "
              f"scipy {row['time_ms']['scipy']:.1f}", flush=True)  # fmt: skip

    payload = {
        "benchmark": "eval_features",
        "description": "Feature networks' images/s (host numpy in and out, medians over "
        "batches after one warm-up) and the Fréchet distance against pytorch-fid's formula "
        "(scipy.linalg.sqrtm) on the same correlated Gaussian features, float64.",
        "machine": machine,
        "config": vars(args),
        "digits": digits,
        "inception": inception,
        "frechet": frechet,
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
    }
    print(f"wrote {harness.write_result(args.name, payload)}")
    return 0


def summary_rows(result: dict) -> list[dict[str, str]]:
    """Table rows (benchmark contract): features/s, then Fréchet time and agreement."""
    digits, inception = result["digits"], result["inception"]
    rows = [
        {
            "benchmark": "eval_features",
            "case": f"digits CNN features, 28x28 -> 8x8, batch {digits['batch_size']}",
            "gen_jax": f"{digits['images_per_s']['median']:.0f} images/s",
            "peer": "-",
            "ratio": "-",
        },
        {
            "benchmark": "eval_features",
            "case": f"InceptionV3 pool3, 299x299, batch {inception['batch_size']}",
            "gen_jax": f"{inception['images_per_s']['median']:.2f} images/s",
            "peer": "-",
            "ratio": "-",
        },
    ]
    for case in result["frechet"]:
        times = case["time_ms"]
        rows.append(
            {
                "benchmark": "eval_features",
                "case": f"Fréchet distance d={case['dim']}, N={case['num_samples']} "
                f"(abs. difference {case['abs_difference']:.1e})",
                "gen_jax": f"{times['gen_jax']:.1f} ms",
                "peer": f"scipy sqrtm {times['scipy']:.1f} ms",
                "ratio": f"{times['gen_jax'] / times['scipy']:.2f}x scipy's time",
            }
        )
    return rows


if __name__ == "__main__":
    sys.exit(main())
