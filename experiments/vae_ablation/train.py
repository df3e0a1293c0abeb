"""Train the same 2-D VAE on each loss term alone and on both; scatter the codes."""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.vae_family import elbo_objective, make_elbo_step
from gen_jax.core.loop import Hook, fit
from gen_jax.data import BatchIterator, load_source
from gen_jax.models.autoencoders.vae import VAE, MLPDecoder, MLPEncoder
from gen_jax.viz import save_image_grid, save_latent_scatter, write_report
from gen_jax.viz.latent_tools import latent_grid

from .ring import train_ring_panel

# name -> (reconstruction_weight, beta, subdirectory)
LOSS_VARIANTS = {
    "both": (1.0, 1.0, "."),
    "reconstruction_only": (1.0, 0.0, "reconstruction_only"),
    "kl_only": (0.0, 1.0, "kl_only"),
}


def _load(config: ConfigDict, split: str):
    return load_source(
        config.dataset,
        split=split,
        data_dir=config.data_dir or None,
        image_size=config.image_size,
        value_range=(0.0, 1.0),
    )


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train the three models, plot each latent space; returns the metrics of all three."""
    workdir = Path(workdir)
    train_source, test_source = _load(config, "train"), _load(config, "test")
    test = test_source[np.arange(min(len(test_source), config.eval_examples))]
    image_shape = test["image"].shape[1:]
    model = VAE(
        encoder=MLPEncoder(latent_dim=config.latent_dim, hidden_sizes=tuple(config.hidden_sizes)),
        decoder=MLPDecoder(
            output_shape=image_shape, hidden_sizes=tuple(reversed(config.hidden_sizes))
        ),
    )
    grid = latent_grid(10)

    @jax.jit
    def evaluate(params, batch):
        return elbo_objective(params, batch, jax.random.key(0), model=model)[1]

    @jax.jit
    def decode(params, codes):
        return jax.nn.sigmoid(model.apply({"params": params}, codes, method=VAE.decode))

    final, images = {}, {}
    for name, (reconstruction_weight, beta, subdirectory) in LOSS_VARIANTS.items():
        run_dir = workdir / subdirectory

        def sample_hook(done: int, state, run_dir=run_dir) -> dict[str, float]:
            path = run_dir / "samples" / f"step_{done:07d}.png"
            save_image_grid(path, decode(state.params, grid), num_columns=10)
            metrics = jax.device_get(evaluate(state.params, test))
            return {f"test_{key}": float(value) for key, value in metrics.items()}

        step = make_elbo_step(
            model,
            optax.adam(config.learning_rate),
            reconstruction_weight=reconstruction_weight,
            beta=beta,
        )
        result = fit(
            step,
            BatchIterator(train_source, config.batch_size, seed=config.seed),
            num_steps=config.num_steps,
            workdir=run_dir,
            seed=config.seed,
            log_every=config.log_every,
            checkpoint_every=config.checkpoint_every,
            keep_checkpoints=config.keep_checkpoints,
            hooks=[Hook(every=config.sample_every, fn=sample_hook)],
            description=f"vae_ablation/{name}",
        )
        params = result.state.params
        mean, _ = model.apply({"params": params}, test["image"], method=VAE.encode)
        for key in ("test_reconstruction", "test_kl", "test_elbo"):
            final[f"{name}_{key}"] = result.metrics[key]
        final[f"{name}_code_spread"] = float(np.asarray(mean).std(axis=0).mean())
        images[f"{name}: test means coloured by digit"] = str(
            save_latent_scatter(
                workdir / f"latent_{name}.png",
                np.asarray(mean),
                labels=test["label"],
                title=name.replace("_", " "),
            )
        )
        images[f"{name}: decoded 10x10 grid at normal quantiles"] = str(
            run_dir / "samples" / f"step_{config.num_steps:07d}.png"
        )
    ring_metrics, ring_images = train_ring_panel(config, workdir)
    final.update(ring_metrics)
    images.update(ring_images)
    write_report(
        workdir,
        title="VAE loss-term ablation: reconstruction only, KL only, both; the ring toy",
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final
