"""Train a conditional WaveNet on mu-law signals; cached vs naive generation; waveform plots."""

from __future__ import annotations

import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from matplotlib.figure import Figure
from ml_collections import ConfigDict

from gen_jax.algorithms.likelihood import make_likelihood_step
from gen_jax.core.atomic import save_figure_png
from gen_jax.core.loop import Hook, fit
from gen_jax.data import ArraySource, BatchIterator
from gen_jax.data.signals import mu_law_decode, signal_dataset
from gen_jax.models.autoregressive.wavenet import (
    WaveNet,
    wavenet_log_prob,
    wavenet_sample_fast,
    wavenet_sample_naive,
)
from gen_jax.viz import write_report

KINDS = ("sum of sines", "AR(2)")


def _plot(path: Path, real: np.ndarray, generated: np.ndarray, mu: int) -> Path:
    """Rows: signal families; left: training examples, right: generated samples."""
    figure = Figure(figsize=(10, 2.2 * len(KINDS)))
    axes = figure.subplots(len(KINDS), 2, sharey=True, squeeze=False)
    for row, kind in enumerate(KINDS):
        for col, (title, signals) in enumerate((("data", real), ("WaveNet", generated))):
            for signal in signals[row]:
                axes[row, col].plot(mu_law_decode(signal, mu), linewidth=0.8)
            axes[row, col].set_title(f"{kind}: {title}", fontsize=9)
    figure.tight_layout()
    return save_figure_png(path, figure)


def _timed(sampler, *args, **kwargs) -> tuple[np.ndarray, float]:
    jax.block_until_ready(sampler(*args, **kwargs))  # compile
    start = time.perf_counter()
    samples = jax.block_until_ready(sampler(*args, **kwargs))
    return np.asarray(samples), time.perf_counter() - start


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, generate (cached and naive), plot; returns the final metrics."""
    workdir = Path(workdir)
    samples_dir = workdir / "samples"
    signals, seed = config.data, config.run.seed
    dataset = signal_dataset(signals.num_per_kind, signals.length, mu=signals.mu, seed=seed)
    condition = np.eye(len(KINDS), dtype=np.float32)[dataset["label"]]
    source = ArraySource({"signal": dataset["signal"], "condition": condition})
    data = BatchIterator(source, signals.batch_size, seed=seed)
    model = WaveNet(num_levels=signals.mu + 1, **config.model)
    step = make_likelihood_step(
        model,
        optax.adam(**config.optim),
        wavenet_log_prob,
        data_key="signal",
        condition_key="condition",
    )
    per_kind = config.eval.samples_per_kind
    sample_condition = jnp.repeat(jnp.eye(len(KINDS), dtype=jnp.float32), per_kind, axis=0)
    num_samples = int(sample_condition.shape[0])
    sample_key = jax.random.key(seed + 1)
    real = np.stack([dataset["signal"][dataset["label"] == k][:per_kind] for k in range(2)])

    def generate(params, sampler):
        return sampler(
            model, params, signals.length, num_samples, key=sample_key, condition=sample_condition
        )

    def sample_hook(done: int, state) -> dict[str, float]:
        samples = np.asarray(generate(state.params, wavenet_sample_fast))
        _plot(
            samples_dir / f"step_{done:07d}.png", real, samples.reshape(2, per_kind, -1), signals.mu
        )
        return {}

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(sample_hook)],
        description="wavenet_signals",
        **config.run,
    )
    params = result.state.params
    fast, fast_seconds = _timed(generate, params, wavenet_sample_fast)
    naive, naive_seconds = _timed(generate, params, wavenet_sample_naive)
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    final.update(
        sample_seconds_cached=fast_seconds,
        sample_seconds_naive=naive_seconds,
        cached_equals_naive=float(np.array_equal(fast, naive)),
    )
    write_report(
        workdir,
        title=f"WaveNet on generated signals ({signals.mu + 1} mu-law levels)",
        config=config.to_dict(),
        final_metrics=final,
        images={
            "Training signals (left) and cached-generation samples (right), per family": str(
                samples_dir / f"step_{config.run.num_steps:07d}.png"
            ),
        },
    )
    return final
