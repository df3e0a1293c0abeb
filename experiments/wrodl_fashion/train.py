"""Chapter 1: the Wrodl outfit numbers, naive Bayes on pixels, the four-point tables, and
naive Bayes against logistic regression as the training set grows."""

from __future__ import annotations

import warnings
from pathlib import Path

import jax
import matplotlib
import numpy as np
from ml_collections import ConfigDict
from sklearn.linear_model import LogisticRegression

from gen_jax.core.atomic import save_figure_png
from gen_jax.core.record import record_fit
from gen_jax.data.embedded import load_digits
from gen_jax.data.outfits import (
    EXAMPLE_OUTFIT,
    EXAMPLE_OUTFIT_BLUE,
    FEATURES,
    encode,
    full_multinomial_probs,
    wrodl_outfits,
)
from gen_jax.estimators.bayesnet import BayesianNetwork
from gen_jax.estimators.naive_bayes import NaiveBayes
from gen_jax.viz import save_image_grid, write_report

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Run the four parts; returns the final metrics."""
    workdir = Path(workdir)
    model, seed = config.model, config.run.seed
    keys = jax.random.split(jax.random.key(seed), 2)
    final, images = {}, {}

    # 1. Wrodl outfits: the full multinomial and naive Bayes.
    table = wrodl_outfits()
    full = full_multinomial_probs(table)
    smoothed = full_multinomial_probs(table, pseudo_count=model.smoothing)
    example, blue = encode(EXAMPLE_OUTFIT), encode(EXAMPLE_OUTFIT_BLUE)
    outfits_nb = NaiveBayes("categorical", alpha=0.0).fit(table)
    nb_probs = np.exp(outfits_nb.score_samples(np.array([example, blue])))
    final.update(
        full_multinomial_example=full[example],
        full_multinomial_blue=full[blue],
        smoothed_example=smoothed[example],
        smoothed_blue=smoothed[blue],
        naive_bayes_example=nb_probs[0],
        naive_bayes_blue=nb_probs[1],
    )
    new_styles, _ = outfits_nb.sample(config.eval.num_new_styles, key=keys[0])
    images["Ten new styles sampled from naive Bayes fitted to the 50 Wrodl outfits"] = _save_styles(
        workdir / "samples" / "new_styles.png", new_styles
    )

    # 2. Planet Pixel: one independent categorical per pixel.
    digits = load_digits(split="all")
    levels = (
        np.rint(digits["image"][..., 0] * 16).astype(np.int64).reshape(len(digits["image"]), -1)
    )
    num_pixel_samples = config.eval.num_pixel_samples
    pixels_nb = NaiveBayes("categorical", alpha=model.pixel_alpha).fit(levels)
    pixel_samples, _ = pixels_nb.sample(num_pixel_samples, key=keys[1])
    grid = np.concatenate([levels[:num_pixel_samples], pixel_samples]) / 16.0
    images[
        "Top: real digits. Bottom: per-pixel naive Bayes samples (pixels drawn independently)"
    ] = save_image_grid(
        workdir / "samples" / "pixel_naive_bayes.png",
        grid.reshape(-1, 8, 8, 1),
        num_columns=num_pixel_samples,
        scale=8,
    )
    final["pixel_naive_bayes_log_likelihood"] = float(np.mean(pixels_nb.score_samples(levels)))

    # 3. The four-point joint and conditional tables.
    four = BayesianNetwork([("x", "y")], cardinalities={"x": 2, "y": 2})
    four.fit(np.array([[0, 0], [0, 0], [1, 0], [1, 1]]))
    joint, conditional = four.query(["x", "y"]), four.cpts_["y"]
    for (x, y), value in np.ndenumerate(joint):
        final[f"joint_x{x}_y{y}"] = value
    for (x, y), value in np.ndenumerate(conditional):
        final[f"conditional_y{y}_given_x{x}"] = value

    # 4. Generative against discriminative: the learning curve.
    curve, history = _learning_curve(config, workdir)
    final.update(curve)
    images["Test accuracy against training-set size (binarised 8x8 digits)"] = str(
        workdir / "learning_curve.png"
    )
    # The learning curve, and the naive Bayes fitted to the outfits as the checkpoint.
    record_fit(
        workdir,
        history=history,
        state={
            "class_log_prior": outfits_nb.class_log_prior_,
            "feature_log_prob": outfits_nb.feature_log_prob_,
        },
        step=1,
        meta={"seed": seed, "kind": outfits_nb.kind},
    )
    final = {key: float(value) for key, value in final.items()}
    write_report(
        workdir,
        title="Wrodl fashion: the first generative models (Foster, ch. 1)",
        config=config.to_dict(),
        final_metrics=final,
        images={caption: str(path) for caption, path in images.items()},
    )
    return final


def _save_styles(path: Path, styles: np.ndarray) -> Path:
    figure = Figure(figsize=(9, 0.35 * (len(styles) + 2)))
    axis = figure.add_subplot()
    axis.axis("off")
    cells = [
        [values[i] for values, i in zip(FEATURES.values(), row, strict=True)] for row in styles
    ]
    axis.table(cellText=cells, colLabels=list(FEATURES), loc="center")
    return save_figure_png(path, figure)


def _learning_curve(config: ConfigDict, workdir: Path) -> tuple[dict, dict]:
    """Mean test accuracy of naive Bayes and logistic regression per training size: a
    summary and the curve (one row per size)."""
    train, test = load_digits(split="train"), load_digits(split="test")
    binarise = lambda images: (images.reshape(len(images), -1) > 0.5).astype(np.float64)
    x_train, x_test = binarise(train["image"]), binarise(test["image"])
    rng = np.random.default_rng(config.run.seed)
    train_sizes = config.data.train_sizes
    naive, logistic = [], []
    for size in train_sizes:
        scores = []
        for _ in range(config.data.num_repeats):
            chosen = rng.choice(len(x_train), size=size, replace=False)
            x, y = x_train[chosen], train["label"][chosen]
            nb = NaiveBayes("bernoulli", alpha=1.0, binarize=None).fit(x, y)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lr = LogisticRegression(C=config.model.logistic_c, max_iter=2000).fit(x, y)
            scores.append((nb.score(x_test, test["label"]), lr.score(x_test, test["label"])))
        nb_accuracy, lr_accuracy = np.mean(scores, axis=0)
        naive.append(nb_accuracy)
        logistic.append(lr_accuracy)
    figure = Figure(figsize=(5, 3.5))
    axis = figure.add_subplot()
    axis.plot(train_sizes, naive, "o-", label="naive Bayes (generative)")
    axis.plot(train_sizes, logistic, "s-", label="logistic regression (discriminative)")
    axis.set(xscale="log", xlabel="training images", ylabel="test accuracy")
    axis.legend()
    save_figure_png(workdir / "learning_curve.png", figure)
    smallest, largest = train_sizes[0], train_sizes[-1]
    summary = {
        f"naive_bayes_accuracy_at_{smallest}": naive[0],
        f"logistic_regression_accuracy_at_{smallest}": logistic[0],
        f"naive_bayes_accuracy_at_{largest}": naive[-1],
        f"logistic_regression_accuracy_at_{largest}": logistic[-1],
    }
    history = {
        "train_size": list(train_sizes),
        "naive_bayes_accuracy": naive,
        "logistic_regression_accuracy": logistic,
    }
    return summary, history
