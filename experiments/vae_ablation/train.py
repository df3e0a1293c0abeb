"""Train the same 2-D VAE on each loss term alone and on both; scatter the codes."""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.vae import make_vae_step, vae_objective
from gen_jax.core.loop import Hook, fit
from gen_jax.data import BatchIterator, load_split
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


def build_model(image_shape, *, latent_dim: int, hidden_sizes) -> VAE:
    """The MLP VAE of ``config.model``; the decoder mirrors the encoder."""
    return VAE(
        encoder=MLPEncoder(latent_dim=latent_dim, hidden_sizes=tuple(hidden_sizes)),
        decoder=MLPDecoder(output_shape=image_shape, hidden_sizes=tuple(reversed(hidden_sizes))),
    )


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train the three models, plot each latent space; returns the metrics of all three."""
    workdir = Path(workdir)
    train_source, test_source = (
        load_split(config.data, "train", value_range=(0.0, 1.0)),
        load_split(config.data, "test", value_range=(0.0, 1.0)),
    )
    test = test_source[np.arange(min(len(test_source), config.eval.eval_examples))]
    image_shape = test["image"].shape[1:]
    model = build_model(image_shape, **config.model)
    grid = latent_grid(10)

    @jax.jit
    def evaluate(params, batch):
        return vae_objective(params, batch, jax.random.key(0), model=model)[1]

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

        step = make_vae_step(
            model,
            optax.adam(**config.optim),
            reconstruction_weight=reconstruction_weight,
            beta=beta,
        )
        result = fit(
            step,
            BatchIterator(train_source, config.data.batch_size, seed=config.run.seed),
            workdir=run_dir,
            hooks=[Hook(sample_hook)],
            description=f"vae_ablation/{name}",
            **config.run,
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
            run_dir / "samples" / f"step_{config.run.num_steps:07d}.png"
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
