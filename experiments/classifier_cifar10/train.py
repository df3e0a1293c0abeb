"""Train the book's chapter-2 MLP or CNN classifier, evaluate it and write the run report."""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
import optax
from ml_collections import ConfigDict

from gen_jax.algorithms.supervised import make_classifier_step
from gen_jax.core.loop import Hook, fit
from gen_jax.data import ArraySource, BatchIterator, load_digits, load_source
from gen_jax.models.classifiers import ConvClassifier, MLPClassifier
from gen_jax.viz import save_image_grid, write_report

from .config import MODELS

CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
NUM_SHOWN = 10


def _load(data: ConfigDict, split: str):
    """``digits``: upsampled to ``image_size`` and repeated over 3 channels; ``cifar10``:
    the TFDS source at its native 32x32x3. Pixels in [0, 1], as in the book."""
    if data.dataset == "digits":
        digits = load_digits(split=split, image_size=data.image_size)
        return ArraySource(
            {"image": np.repeat(digits["image"], 3, axis=-1), "label": digits["label"]}
        )
    return load_source(data.dataset, split=split, data_dir=data.data_dir or None)


def build_model(*, architecture: str, mlp, cnn):
    """The network of ``config.model``: ``architecture`` picks ``mlp`` or ``cnn``'s options."""
    if architecture not in MODELS:
        raise ValueError(f"config.model.architecture={architecture!r}; choose one of {MODELS}")
    if architecture == "mlp":
        return MLPClassifier(**mlp)
    return ConvClassifier(**cnn)


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Train, evaluate on the test split and report; returns the final metrics."""
    workdir = Path(workdir)
    model = build_model(**config.model)
    architecture, eval_batch_size = config.model.architecture, config.eval.eval_batch_size
    train_source, test_source = _load(config.data, "train"), _load(config.data, "test")
    test_size = min(len(test_source), config.eval.eval_examples)
    test_batches = [
        test_source[np.arange(start, min(start + eval_batch_size, test_size))]
        for start in range(0, test_size, eval_batch_size)
    ]
    data = BatchIterator(train_source, config.data.batch_size, seed=config.run.seed)
    step = make_classifier_step(model, optax.adam(**config.optim))

    @jax.jit
    def evaluate(variables, batch):
        logits = model.apply(variables, batch["image"])
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, batch["label"])
        return loss.sum(), (logits.argmax(-1) == batch["label"]).sum(), logits.argmax(-1)

    def test_metrics(state) -> tuple[dict[str, float], np.ndarray]:
        totals, predictions = np.zeros(2), []
        for batch in test_batches:
            loss, correct, predicted = jax.device_get(evaluate(state.variables(), batch))
            totals += (loss, correct)
            predictions.append(predicted)
        metrics = {"test_loss": totals[0] / test_size, "test_accuracy": totals[1] / test_size}
        return metrics, np.concatenate(predictions)

    result = fit(
        step,
        data,
        workdir=workdir,
        hooks=[Hook(lambda done, state: test_metrics(state)[0])],
        description=f"classifier_cifar10 ({architecture})",
        **config.run,
    )
    metrics, predictions = test_metrics(result.state)
    final = {k: v for k, v in result.metrics.items() if k != "step"} | metrics
    images = _predictions_figure(workdir, test_batches[0], predictions, config)
    write_report(
        workdir,
        title=f"Chapter 2 {architecture.upper()} classifier on {config.data.dataset}",
        config=config.to_dict(),
        final_metrics=final,
        images=images,
    )
    return final


def _predictions_figure(workdir: Path, batch, predictions, config) -> dict[str, str]:
    """The book's figures 2.9/2.19: random test images with predicted and actual classes."""
    names = CIFAR10_CLASSES if config.data.dataset == "cifar10" else tuple(map(str, range(10)))
    rng = np.random.default_rng(config.run.seed)
    shown = rng.choice(len(batch["label"]), min(NUM_SHOWN, len(batch["label"])), replace=False)
    pairs = ", ".join(f"{names[predictions[i]]}/{names[batch['label'][i]]}" for i in shown.tolist())
    path = save_image_grid(
        workdir / "samples" / "predictions.png", batch["image"][shown], num_columns=NUM_SHOWN
    )
    return {f"Test images; predicted/actual, left to right: {pairs}": str(path)}
