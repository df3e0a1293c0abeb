"""Train the book's ResNet CycleGAN; write round-trip grids, identities, held-out errors, the
digits classifier's reading, Fréchet distances, the identity-loss ablation and the report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ml_collections import ConfigDict

from gen_jax.algorithms.cyclegan import cyclegan_adam, make_cyclegan_step
from gen_jax.core.loop import Hook, fit
from gen_jax.data.unpaired import UnpairedIterator, load_unpaired
from gen_jax.data.unpaired_toys import UNPAIRED_TOYS, ideal_translation
from gen_jax.eval import digits_feature_network, frechet_distance
from gen_jax.models.translation import PatchDiscriminator, ResNetGenerator
from gen_jax.models.translation.evaluation import round_trip_rows, translate, translation_errors
from gen_jax.viz import save_image_grid, write_report

GENERATOR = ResNetGenerator
TITLE = "CycleGAN painting like Monet: the ResNet generator (ch. 5, experiment 5.2)"


def _optimizer(optim: ConfigDict):
    decay = optim.decay_steps > 0
    return cyclegan_adam(
        optim.learning_rate,
        constant_steps=optim.constant_steps if decay else None,
        decay_steps=optim.decay_steps if decay else None,
    )


def _held_out(config: ConfigDict) -> tuple[dict, dict]:
    source_a, source_b = load_unpaired(config.data, "test")
    count = min(len(source_a), len(source_b), config.eval.max_held_out)
    return source_a[np.arange(count)], source_b[np.arange(count)]


def _train(config: ConfigDict, workdir: Path, *, identity_weight: float, sample_grids: bool):
    data = config.data
    source_a, source_b = load_unpaired(data, "train")
    batches = UnpairedIterator(
        source_a, source_b, data.batch_size, seed=config.run.seed, flip=data.flip
    )
    generator = GENERATOR(**config.model.generator)
    step = make_cyclegan_step(
        generator,
        PatchDiscriminator(**config.model.discriminator),
        _optimizer(config.optim),
        _optimizer(config.optim),
        **{**config.loss, "identity_weight": identity_weight},
    )
    held_a, held_b = _held_out(config)
    shown = config.eval.num_grid_images
    grid_a, grid_b = held_a["image"][:shown], held_b["image"][:shown]

    def round_trips(done: int, state) -> dict[str, float]:
        params = state.gen.variables["params"]
        for real, there, back, name in (
            (grid_a, "a_to_b", "b_to_a", "aba"),
            (grid_b, "b_to_a", "a_to_b", "bab"),
        ):
            fake = translate(generator, params[there], real)
            rebuilt = translate(generator, params[back], fake)
            save_image_grid(
                workdir / "samples" / f"{name}_step_{done:07d}.png",
                round_trip_rows(real, fake, rebuilt),
                num_columns=shown,
                value_range=(-1.0, 1.0),
                scale=max(1, 96 // real.shape[1]),
            )
        return {}

    hooks = [Hook(round_trips)] if sample_grids else []
    result = fit(
        step, batches, workdir=workdir, hooks=hooks, description=workdir.name, **config.run
    )
    return generator, result, (held_a, held_b)


def _digits_checks(images: dict, held_a: dict, held_b: dict) -> dict[str, float]:
    """What the bundled digits classifier reads, and digits-network Fréchet distances."""
    network = digits_feature_network()
    unit = {"value_range": (-1.0, 1.0)}
    real_features, real_logits = network.features_and_logits(held_a["image"], **unit)
    fake_a_features, fake_a_logits = network.features_and_logits(images["fake_a"], **unit)
    # A -> B makes inverted digits; the ideal inverse brings them back for the classifier.
    inverted_logits = network.logits(-images["fake_b"], **unit)
    return {
        "classifier_accuracy_real_a": float(np.mean(real_logits.argmax(1) == held_a["label"])),
        "classifier_accuracy_b_to_a": float(np.mean(fake_a_logits.argmax(1) == held_b["label"])),
        "classifier_accuracy_a_to_b_inverted": float(
            np.mean(inverted_logits.argmax(1) == held_a["label"])
        ),
        "frechet_b_to_a_vs_real_a": frechet_distance(fake_a_features, real_features),
        "frechet_real_b_inverted_vs_real_a": frechet_distance(
            network.features(-held_b["image"], **unit), real_features
        ),
    }


def _pixel_frechet(images: np.ndarray, reference: np.ndarray) -> float:
    """Fréchet distance of 8x8 average-pooled pixels (a feature-free distance)."""

    def pooled(x):
        n, h, w, c = x.shape
        return x.reshape(n, 8, h // 8, 8, w // 8, c).mean(axis=(2, 4)).reshape(n, -1)

    return frechet_distance(pooled(images), pooled(reference))


def evaluate(config, generator, state, held_a, held_b) -> tuple[dict, dict]:
    """Held-out errors, classifier checks and Fréchet distances; the images behind them."""
    dataset = config.data.dataset
    ideal = ideal_translation(dataset) if dataset in UNPAIRED_TOYS else None
    metrics, images = translation_errors(
        generator, state.gen.variables["params"], held_a["image"], held_b["image"], ideal
    )
    if dataset == "digits_inverted":
        metrics.update(_digits_checks(images, held_a, held_b))
    else:
        metrics["pixel_frechet_a_to_b_vs_real_b"] = _pixel_frechet(
            images["fake_b"], held_b["image"]
        )
        metrics["pixel_frechet_b_to_a_vs_real_a"] = _pixel_frechet(
            images["fake_a"], held_a["image"]
        )
    return metrics, images


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, evaluate on held-out images, optionally the identity ablation; the report."""
    workdir = Path(workdir)
    generator, result, (held_a, held_b) = _train(
        config, workdir, identity_weight=config.loss.identity_weight, sample_grids=True
    )
    metrics, images = evaluate(config, generator, result.state, held_a, held_b)
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    final.update({f"held_out/{k}": v for k, v in metrics.items()})
    shown = config.eval.num_grid_images
    identity_png = save_image_grid(
        workdir / "samples" / "identity.png",
        np.concatenate(
            [
                held_a["image"][:shown],
                images["identity_a"][:shown],
                held_b["image"][:shown],
                images["identity_b"][:shown],
            ]
        ),
        num_columns=shown,
        value_range=(-1.0, 1.0),
        scale=max(1, 96 // held_a["image"].shape[1]),
    )
    if config.eval.identity_ablation:
        ablation_dir = workdir / "identity_weight_0"
        _, ablated, _ = _train(config, ablation_dir, identity_weight=0.0, sample_grids=False)
        ablated_metrics, _ = evaluate(config, generator, ablated.state, held_a, held_b)
        final.update({f"ablation_identity_0/{k}": v for k, v in ablated_metrics.items()})
    run = config.run
    done_steps = sorted(
        {*range(run.sample_every, run.num_steps + 1, run.sample_every), run.num_steps}
    )
    report_images = {}
    for done in done_steps:
        report_images[f"A -> B -> A after {done} steps (rows: A, G(A), F(G(A)))"] = str(
            workdir / "samples" / f"aba_step_{done:07d}.png"
        )
        report_images[f"B -> A -> B after {done} steps (rows: B, F(B), G(F(B)))"] = str(
            workdir / "samples" / f"bab_step_{done:07d}.png"
        )
    report_images["Identity mappings (rows: A, F(A), B, G(B))"] = str(identity_png)
    write_report(
        workdir,
        title=f"{TITLE} on {config.data.dataset}",
        config=config.to_dict(),
        final_metrics=final,
        images=report_images,
    )
    return final
