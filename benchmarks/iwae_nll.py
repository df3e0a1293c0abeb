"""IWAE negative log-likelihood of the beta_vae model on binarised digits, gen_jax vs PyTorch.

Trains ``experiments/beta_vae``'s MLP VAE (its ``demo`` hyperparameters: 28x28 digits
binarised at 0.5, 8-D code, hidden 256, Bernoulli decoder, Adam 1e-3, batch 64;
``--beta`` defaults to 1, the plain VAE whose bound the NLL is meant to tighten) for
``--train-steps`` updates, then evaluates
:func:`gen_jax.eval.iwae.vae_log_likelihood` on the first ``--test-examples`` test images
with ``K = --k`` importance samples (the IWAE paper's protocol is K = 5,000 on the whole
test set). The peer is an independent PyTorch implementation of the same estimator,
``log (1/K) sum_k p(x | z_k) p(z_k) / q(z_k | x)``, run on the same trained weights with
its own random draws: the two NLLs must agree within Monte Carlo error, and the bound
must tighten from K = 1 (the ELBO) to K.

Usage::

    python -m benchmarks.iwae_nll [--train-steps 3000] [--k 5000] [--test-examples 360]

Writes ``benchmarks/results/iwae_nll.json``.

References:
    Burda, Grosse & Salakhutdinov (2016), Importance Weighted Autoencoders,
    arXiv:1509.00519.
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
import numpy as np
import optax
import torch

from benchmarks import harness
from gen_jax.algorithms.vae import make_vae_step
from gen_jax.core.loop import fit
from gen_jax.data import ArraySource, BatchIterator, load_source
from gen_jax.eval.iwae import vae_log_likelihood
from gen_jax.launcher import get_config
from gen_jax.models.autoencoders.vae import VAE, MLPDecoder, MLPEncoder

QUICK_ARGS: tuple[str, ...] = ("--train-steps", "30", "--k", "50", "--test-examples", "64")


def binarised_digits(split: str, *, image_size: int, threshold: float) -> np.ndarray:
    images = load_source("digits", split=split, image_size=image_size).arrays["image"]
    return (images > threshold).astype(np.float32)


def _torch_dense_stack(layers: list[dict[str, Any]]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [
        (
            torch.from_numpy(np.asarray(p["kernel"], np.float64)),
            torch.from_numpy(np.asarray(p["bias"], np.float64)),
        )
        for p in layers
    ]


def torch_iwae_log_likelihood(
    params: dict[str, Any], x: np.ndarray, *, k: int, seed: int, chunk_size: int = 500
) -> np.ndarray:
    """The importance-weighted ``log p(x)`` per example ``[B]`` in float64 PyTorch, from
    gen_jax's MLP VAE parameters (ReLU hidden layers, Bernoulli logits)."""
    encoder, decoder = params["encoder"], params["decoder"]
    hidden = _torch_dense_stack([encoder[n] for n in sorted(encoder) if n.startswith("Dense_")])
    (mean_w, mean_b), (var_w, var_b) = _torch_dense_stack([encoder["mean"], encoder["log_var"]])
    dec = _torch_dense_stack([decoder[f"Dense_{i}"] for i in range(len(decoder))])
    generator = torch.Generator().manual_seed(seed)
    flat = torch.from_numpy(x.reshape(len(x), -1).astype(np.float64))
    h = flat
    for w, b in hidden:
        h = torch.relu(h @ w + b)
    mean, log_var = h @ mean_w + mean_b, h @ var_w + var_b
    log_weights = []
    for start in range(0, k, chunk_size):
        count = min(chunk_size, k - start)
        eps = torch.randn((count, *mean.shape), generator=generator, dtype=torch.float64)
        z = mean + torch.exp(0.5 * log_var) * eps  # [count, B, d]
        out = z
        for index, (w, b) in enumerate(dec):
            out = out @ w + b
            if index < len(dec) - 1:
                out = torch.relu(out)
        log_px = torch.sum(flat * out - torch.nn.functional.softplus(out), dim=-1)
        log_pz = -0.5 * torch.sum(z**2 + math.log(2 * math.pi), dim=-1)
        log_qz = -0.5 * torch.sum(eps**2 + log_var + math.log(2 * math.pi), dim=-1)
        log_weights.append(log_px + log_pz - log_qz)
    log_weights = torch.cat(log_weights)
    return (torch.logsumexp(log_weights, dim=0) - math.log(k)).numpy()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.iwae_nll",
        description="IWAE NLL of the beta_vae model on binarised digits; PyTorch cross-check.",
    )
    parser.add_argument("--train-steps", type=int, default=3000)
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--k", type=int, default=5000, help="importance samples per example")
    parser.add_argument("--test-examples", type=int, default=360, help="first N test images")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="iwae_nll", help="results/NAME.json")
    args = parser.parse_args(argv)
    if min(args.train_steps, args.k, args.test_examples) < 1 or args.beta < 0:
        parser.error("--train-steps, --k and --test-examples must be positive, --beta >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = get_config("beta_vae", "demo")
    load_before = harness.machine_description()["load_average"]
    options = dict(image_size=config.data.image_size, threshold=config.data.binarize_threshold)
    train_x = binarised_digits("train", **options)
    test_x = binarised_digits("test", **options)[: args.test_examples]
    model = VAE(
        encoder=MLPEncoder(
            latent_dim=config.model.latent_dim, hidden_sizes=tuple(config.model.hidden_sizes)
        ),
        decoder=MLPDecoder(
            output_shape=train_x.shape[1:], hidden_sizes=tuple(reversed(config.model.hidden_sizes))
        ),
    )
    step = make_vae_step(model, optax.adam(config.optim.learning_rate), beta=args.beta)
    start = time.perf_counter()
    result = fit(
        step,
        BatchIterator(ArraySource({"image": train_x}), config.data.batch_size, seed=args.seed),
        num_steps=args.train_steps,
        seed=args.seed,
        log_every=args.train_steps,
        progress=False,
    )
    train_s = time.perf_counter() - start
    params = jax.device_get(result.state.params)
    key = jax.random.key(args.seed + 1)
    elbo = vae_log_likelihood(model, params, test_x, key=key, num_samples=1)
    start = time.perf_counter()
    gen_jax = vae_log_likelihood(model, params, test_x, key=key, num_samples=args.k)
    gen_jax_s = time.perf_counter() - start
    start = time.perf_counter()
    peer = torch_iwae_log_likelihood(params, test_x, k=args.k, seed=args.seed)
    peer_s = time.perf_counter() - start
    difference = gen_jax - peer
    summary = {
        "gen_jax_nll_nats": float(-gen_jax.mean()),
        "torch_nll_nats": float(-peer.mean()),
        "difference_nats": float(difference.mean()),
        "difference_standard_error": float(difference.std() / math.sqrt(len(difference))),
        "elbo_k1_nats": float(elbo.mean()),
        "gen_jax_eval_s": gen_jax_s,
        "torch_eval_s": peer_s,
        "train_s": train_s,
    }
    print(
        f"NLL (K={args.k}, {len(test_x)} test digits): gen_jax {summary['gen_jax_nll_nats']:.2f} "
        f"nats ({gen_jax_s:.1f} s), torch {summary['torch_nll_nats']:.2f} nats ({peer_s:.1f} s); "
        f"-ELBO {-summary['elbo_k1_nats']:.2f} nats"
    )
    payload = {
        "benchmark": "iwae_nll",
        "description": (
            "IWAE NLL (nats/example) of experiments/beta_vae's MLP VAE after a short training "
            "run on scikit-learn digits (28x28, binarised at 0.5); peer: an independent "
            "float64 PyTorch estimator on the same weights with its own random draws; "
            "gen_jax's time includes its jit compilation."
        ),
        "machine": harness.machine_description(),
        "load_average_before": load_before,
        "config": {
            "train_steps": args.train_steps,
            "beta": args.beta,
            "k": args.k,
            "test_examples": len(test_x),
            "latent_dim": config.model.latent_dim,
            "hidden_sizes": list(config.model.hidden_sizes),
            "seed": args.seed,
        },
        "results": summary,
    }
    print(f"wrote {harness.write_result(args.name, payload)}")
    return 0


def summary_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """Table rows (benchmark contract): the NLL estimate and the evaluation time."""
    config, values = result["config"], result["results"]
    case = (
        f"K={config['k']}, {config['test_examples']} binarised test digits, "
        f"{config['train_steps']} steps"
    )
    return [
        {
            "benchmark": "iwae_nll",
            "case": f"IWAE NLL, {case} (-ELBO {-values['elbo_k1_nats']:.2f} nats)",
            "gen_jax": f"{values['gen_jax_nll_nats']:.2f} nats",
            "peer": f"torch {values['torch_nll_nats']:.2f} nats",
            "ratio": f"{values['gen_jax_nll_nats'] / values['torch_nll_nats']:.3f}x",
        },
        {
            "benchmark": "iwae_nll",
            "case": f"IWAE evaluation time, {case}",
            "gen_jax": f"{values['gen_jax_eval_s']:.2f} s",
            "peer": f"torch float64 {values['torch_eval_s']:.2f} s",
            "ratio": f"{values['torch_eval_s'] / values['gen_jax_eval_s']:.2f}x",
        },
    ]


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
