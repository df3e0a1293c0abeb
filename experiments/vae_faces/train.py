"""Train the book's face VAE (BatchNorm, Dropout, z = 200) and draw its latent analysis."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.normalised_vae import make_normalised_vae_step
from gen_jax.algorithms.vae import reconstruction_loss
from gen_jax.core.loop import Hook, fit
from gen_jax.data import ArraySource, BatchIterator, load_source
from gen_jax.eval.sample_quality import ReferenceImages, record_sample_quality
from gen_jax.losses import gaussian_kl
from gen_jax.models.autoencoders.face_vae import face_vae
from gen_jax.viz import save_image_grid, write_report
from gen_jax.viz.latent_tools import (
    add_attribute,
    attribute_vector,
    interpolate_codes,
    save_latent_histograms,
)

ENCODE_CHUNK = 500
DIGITS_ATTRIBUTE = "Thick_stroke"


def _load(data: ConfigDict, split: str):
    """``(source, attribute_names)``; sources give ``image [B, S, S, 3]`` and ``attributes``."""
    if data.dataset == "digits":
        digits = load_source("digits", split=split, image_size=data.image_size).arrays
        images = np.repeat(digits["image"], 3, axis=-1)  # grey to RGB
        ink = images.mean(axis=(1, 2, 3))
        thick = (ink > np.median(ink)).astype(np.int32)[:, None]
        return ArraySource({"image": images, "attributes": thick}), (DIGITS_ATTRIBUTE,)
    source = load_source(
        data.dataset,
        split=split,
        data_dir=data.data_dir or None,
        image_size=data.image_size,
        value_range=(0.0, 1.0),
    )
    return source, source.attribute_names


def reference_images(config: ConfigDict) -> ReferenceImages:
    """The test split (its first ``eval.reference_examples``; 0: all) that the samples are
    scored against: RGB faces in [0, 1], or for ``digits`` the grey digits themselves (the
    samples' channel mean is scored, so that the bundled digits network applies)."""
    data = config.data
    if data.dataset == "digits":
        source = load_source("digits", split="test", image_size=data.image_size)
    else:
        source, _ = _load(data, "test")
    return ReferenceImages.from_source(
        source, f"{data.dataset} test split", limit=config.eval.reference_examples
    )


def _prior_samples(decode, variables, count: int, config: ConfigDict) -> np.ndarray:
    """``count`` decodings of z ~ N(0, I), ``ENCODE_CHUNK`` at a time; grey for digits."""
    codes = jax.random.normal(jax.random.key(config.run.seed + 2), (count, config.model.latent_dim))
    samples = np.concatenate(
        [
            np.asarray(decode(variables, codes[start : start + ENCODE_CHUNK]))
            for start in range(0, count, ENCODE_CHUNK)
        ]
    )
    if config.data.dataset == "digits":
        samples = samples.mean(axis=-1, keepdims=True)
    return samples


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, evaluate and plot; returns the final metrics."""
    workdir = Path(workdir)
    samples_dir = workdir / "samples"
    data, evaluation, seed = config.data, config.eval, config.run.seed
    train_source, _ = _load(data, "train")
    analysis_split = "test" if data.dataset == "digits" else "validation"
    analysis_source, attribute_names = _load(data, analysis_split)
    test = analysis_source[np.arange(min(len(analysis_source), evaluation.eval_examples))]
    image_shape = test["image"].shape[1:]
    model = face_vae(image_shape, **config.model)
    step = make_normalised_vae_step(model, optax.adam(**config.optim), **config.loss)
    prior_codes = jax.random.normal(
        jax.random.key(seed + 1), (evaluation.num_prior_samples, config.model.latent_dim)
    )
    encode = jax.jit(lambda variables, x: model.apply(variables, x, method="encode")[0])
    decode = jax.jit(
        lambda variables, z: jax.nn.sigmoid(model.apply(variables, z, method="decode"))
    )

    @jax.jit
    def evaluate(variables, x):
        """Inference-mode loss parts on ``x``, decoding the means (no sampling noise)."""
        mean, log_var = model.apply(variables, x, method="encode")
        logits = model.apply(variables, mean, method="decode")
        mse = reconstruction_loss(logits, x, likelihood="mse")
        kl = gaussian_kl(mean, log_var)
        loss = config.loss.reconstruction_weight * mse + kl
        return {"loss": jnp.mean(loss), "mse": jnp.mean(mse), "kl": jnp.mean(kl)}

    def sample_hook(done: int, state) -> dict[str, float]:
        faces = decode(state.variables(), prior_codes)
        save_image_grid(samples_dir / f"step_{done:07d}.png", faces, num_columns=10)
        metrics = jax.device_get(evaluate(state.variables(), test["image"]))
        return {f"test_{name}": float(value) for name, value in metrics.items()}

    result = fit(
        step,
        BatchIterator(train_source, data.batch_size, seed=seed),
        workdir=workdir,
        hooks=[Hook(sample_hook)],
        description="vae_faces",
        **config.run,
    )
    variables = result.state.variables()
    count = min(len(analysis_source), evaluation.attribute_examples)
    codes, attributes = [], []
    for start in range(0, count, ENCODE_CHUNK):
        chunk = analysis_source[np.arange(start, min(start + ENCODE_CHUNK, count))]
        codes.append(np.asarray(encode(variables, chunk["image"])))
        attributes.append(chunk["attributes"])
    codes, attributes = np.concatenate(codes), np.concatenate(attributes)
    final = {k: v for k, v in result.metrics.items() if k != "step"}
    final.update(
        {
            f"test_{k}": float(v)
            for k, v in jax.device_get(evaluate(variables, test["image"])).items()
        }
    )
    final["latent_mean_abs"] = float(np.abs(codes.mean(axis=0)).mean())
    final["latent_std_mean"] = float(codes.std(axis=0).mean())
    if evaluation.score_samples:
        reference = reference_images(config)
        record_sample_quality(
            workdir,
            _prior_samples(decode, variables, len(reference.images), config),
            reference,
            inception_weights=evaluation.inception_weights or None,
        )
    images = {
        "30 samples from N(0, I)": str(samples_dir / f"step_{config.run.num_steps:07d}.png"),
        "Test images (top) and reconstructions from mu (bottom)": save_image_grid(
            workdir / "reconstructions.png",
            np.concatenate([test["image"][:10], np.asarray(decode(variables, codes[:10]))]),
            num_columns=10,
        ),
        "First 50 latent marginals of mu against the N(0, 1) density": save_latent_histograms(
            workdir / "latent_histograms.png", codes
        ),
    }
    lookup = {name: index for index, name in enumerate(attribute_names)}
    for name in evaluation.attributes or attribute_names:  # empty: every attribute
        if name not in lookup:
            raise ValueError(
                f"config.eval.attributes has {name!r}; the data have {attribute_names}"
            )
        has_attribute = attributes[:, lookup[name]] > 0
        vector = attribute_vector(codes, has_attribute)
        path, change = _attribute_rows(
            workdir, variables, decode, codes, test, vector, name, evaluation
        )
        images[f"{name}: original, then code + alpha * vector for alpha in "
               f"{list(evaluation.attribute_weights)}"] = path  # fmt: skip
        final[f"ink_change_{name}"] = change
    images["Morphing between two inputs (ends are the inputs)"] = _morphing(
        workdir, variables, decode, codes, test, evaluation.morph_steps
    )
    write_report(
        workdir,
        title=f"Face VAE ({data.dataset}, {image_shape[0]}x{image_shape[1]}x{image_shape[2]}, "
        f"z = {config.model.latent_dim})",
        config=config.to_dict(),
        final_metrics=final,
        images={caption: str(path) for caption, path in images.items()},
    )
    return final


def _attribute_rows(workdir, variables, decode, codes, test, vector, name, evaluation):
    """Rows of original + decoded ``code + alpha * vector`` (``evaluation``: ``config.eval``);
    returns the path and the mean pixel intensity at the largest weight minus that at the
    smallest (the attribute's effect on ink)."""
    rows, strongest, weakest = [], [], []
    for index in range(evaluation.attribute_rows):
        edited = np.asarray(
            decode(variables, add_attribute(codes[index], vector, evaluation.attribute_weights))
        )
        rows.extend([test["image"][index], *edited])
        strongest.append(edited[-1].mean())
        weakest.append(edited[0].mean())
    path = save_image_grid(
        workdir / f"attribute_{name}.png",
        np.stack(rows),
        num_columns=len(evaluation.attribute_weights) + 1,
    )
    return path, float(np.mean(strongest) - np.mean(weakest))


def _morphing(workdir, variables, decode, codes, test, morph_steps: int):
    """``z_A (1 - alpha) + z_B alpha`` between the first test image and the one whose code
    is farthest from it."""
    first = 0
    second = int(np.argmax(np.sum(np.square(codes[: len(test["image"])] - codes[first]), axis=1)))
    morph = np.asarray(decode(variables, interpolate_codes(codes[first], codes[second],
                                                           morph_steps)))  # fmt: skip
    row = np.concatenate([test["image"][[first]], morph, test["image"][[second]]])
    return save_image_grid(workdir / "morphing.png", row, num_columns=morph_steps + 2)
