"""Train the book's conv autoencoder; plot codes and reconstructions; detect a held-out digit."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from ml_collections import ConfigDict
from sklearn.metrics import adjusted_rand_score, roc_auc_score

from gen_jax.algorithms.autoencoding import (
    autoencoder_objective,
    make_autoencoder_step,
    reconstruction_error,
)
from gen_jax.core.loop import Hook, fit
from gen_jax.data import ArraySource, BatchIterator, load_source
from gen_jax.models.autoencoders.autoencoder import Autoencoder, conv_autoencoder
from gen_jax.models.mixture.kmeans import kmeans_plusplus, lloyd, squared_distances
from gen_jax.viz import save_image_grid, save_latent_scatter, write_report
from gen_jax.viz.latent_tools import latent_grid

GRID_SIZE = 20


def _load(data: ConfigDict, split: str) -> dict[str, np.ndarray]:
    source = load_source(
        data.dataset,
        split=split,
        data_dir=data.data_dir or None,
        image_size=data.image_size,
        value_range=(0.0, 1.0),
    )
    return source[np.arange(len(source))]


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train without ``data.anomaly_class``, evaluate, plot; returns the final metrics."""
    workdir = Path(workdir)
    samples_dir = workdir / "samples"
    anomaly_class = config.data.anomaly_class
    train_all, test_all = _load(config.data, "train"), _load(config.data, "test")
    normal = train_all["label"] != anomaly_class
    train_data = {key: value[normal] for key, value in train_all.items()}
    test = {key: value[: config.eval.eval_examples] for key, value in test_all.items()}
    image_shape = test["image"].shape[1:]
    model = conv_autoencoder(image_shape, **config.model)
    step = make_autoencoder_step(model, optax.adam(**config.optim))
    data = BatchIterator(ArraySource(train_data), config.data.batch_size, seed=config.run.seed)

    @jax.jit
    def reconstruct(params, images):
        output, codes = model.apply({"params": params}, images)
        return (
            jax.nn.sigmoid(output),
            codes,
            reconstruction_error(output, images, reconstruction="mse"),
        )

    @jax.jit
    def decode(params, codes):
        return jax.nn.sigmoid(model.apply({"params": params}, codes, method=Autoencoder.decode))

    test_normal = {key: value[test["label"] != anomaly_class] for key, value in test.items()}

    def sample_hook(done: int, state) -> dict[str, float]:
        images, _, _ = reconstruct(state.params, test["image"][:16])
        save_image_grid(
            samples_dir / f"step_{done:07d}.png",
            np.concatenate([test["image"][:16], np.asarray(images)]),
            num_columns=16,
        )
        _, metrics = autoencoder_objective(
            state.params, test_normal, jax.random.key(0), model=model
        )
        return {"test_reconstruction": float(metrics["reconstruction"])}

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(sample_hook)],
        description="ae_digits",
        **config.run,
    )
    params = result.state.params
    _, train_codes, train_errors = map(np.asarray, reconstruct(params, train_data["image"]))
    _, test_codes, test_errors = map(np.asarray, reconstruct(params, test["image"]))
    is_anomaly = test["label"] == anomaly_class
    threshold = float(np.quantile(train_errors, config.eval.threshold_quantile))
    flagged = test_errors > threshold
    nearest = np.argmin(
        np.sum(np.square(test_codes[:, None, :] - train_codes[None, :, :]), axis=-1), axis=1
    )
    cluster_agreement = _cluster_codes(train_codes, test_codes[~is_anomaly], test, is_anomaly)
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    final.update(
        compression_ratio=float(np.prod(image_shape) / config.model.code_dim),
        code_cluster_adjusted_rand=cluster_agreement,
        anomaly_roc_auc=float(roc_auc_score(is_anomaly, test_errors)),
        anomaly_threshold=threshold,
        anomaly_detection_rate=float(flagged[is_anomaly].mean()),
        false_alarm_rate=float(flagged[~is_anomaly].mean()),
        nearest_neighbour_accuracy=float(
            np.mean(train_data["label"][nearest][~is_anomaly] == test["label"][~is_anomaly])
        ),
    )
    images = _figures(workdir, params, test, test_codes, decode)
    images["Test images (top) and reconstructions (bottom) at the end"] = str(
        samples_dir / f"step_{config.run.num_steps:07d}.png"
    )
    write_report(
        workdir,
        title=(
            f"Conv autoencoder on digits ({config.data.dataset}, {image_shape[0]}x{image_shape[1]})"
        ),
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final


def _cluster_codes(train_codes, normal_test_codes, test, is_anomaly) -> float:
    """k-means (k-means++ start, Lloyd) on the training codes with one cluster per trained
    class; the adjusted Rand index between the clusters of the normal test codes and their
    digits (0 for chance, 1 for a perfect match)."""
    num_clusters = len(np.unique(test["label"][~is_anomaly]))
    start = kmeans_plusplus(jnp.asarray(train_codes), num_clusters, key=jax.random.key(0))
    centers, _ = lloyd(jnp.asarray(train_codes), start)
    clusters = np.argmin(np.asarray(squared_distances(jnp.asarray(normal_test_codes), centers)), 1)
    return float(adjusted_rand_score(test["label"][~is_anomaly], clusters))


def _figures(workdir: Path, params, test, codes, decode) -> dict[str, str]:
    """Latent scatter (all digits, anomalies included) and the decoded range grid."""
    paths = {
        "Codes of test images, coloured by digit (the held-out digit included)": (
            save_latent_scatter(workdir / "latent_scatter.png", codes, labels=test["label"])
        ),
    }
    if codes.shape[1] == 2:
        grid = latent_grid(GRID_SIZE, kind="range", codes=codes)
        paths["Decoded 20x20 grid spanning the codes' bounding box"] = save_image_grid(
            workdir / "latent_grid.png", decode(params, grid), num_columns=GRID_SIZE
        )
    return {caption: str(path) for caption, path in paths.items()}
