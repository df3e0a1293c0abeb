"""Recompute a finished run's sample-quality scores offline (``gen-jax eval WORKDIR``).

A run directory written by ``gen-jax run`` holds ``config.json`` (experiment, variant,
config), ``samples/final.npz`` (the final samples, saved by
:func:`~gen_jax.eval.record_sample_quality`) and ``report.json`` (the report's inputs).
:func:`rescore_run` rebuilds the reference images with the experiment's
``reference_images(config)`` (a function of its ``train.py``), scores the saved samples,
rewrites ``sample_quality.json`` and renders ``report.html`` again; nothing is retrained.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ml_collections import ConfigDict

from gen_jax import launcher
from gen_jax.eval.sample_quality import load_final_samples, score_samples, write_sample_quality
from gen_jax.viz.report import rewrite_report


def reference_for_run(workdir: str | os.PathLike, experiments: str | os.PathLike | None = None):
    """The :class:`~gen_jax.eval.sample_quality.ReferenceImages` of the run in ``workdir``,
    rebuilt from its ``config.json``.

    Raises:
        FileNotFoundError: if ``workdir/config.json`` is missing.
        ValueError: if the experiment defines no ``reference_images(config)``.
    """
    path = Path(workdir) / "config.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist; pass the directory of a run made by `gen-jax run`"
        )
    record = json.loads(path.read_text())
    name = record["experiment"]
    recorded = record.get("experiments_dir")
    folder = experiments or (recorded if recorded and Path(recorded).is_dir() else None)
    module = launcher.experiment_module(name, "train", folder)
    reference_images = getattr(module, "reference_images", None)
    if reference_images is None:
        raise ValueError(
            f"experiment {name!r} defines no reference_images(config) in its train.py, so its "
            "samples have no reference data to be scored against"
        )
    return reference_images(ConfigDict(record["config"]))


def rescore_run(
    workdir: str | os.PathLike,
    *,
    feature_network: str | os.PathLike | None = None,
    inception_weights: str | os.PathLike | None = None,
    num_samples: int | None = None,
    experiments: str | os.PathLike | None = None,
) -> dict[str, Any]:
    """Score the saved final samples of a run again; rewrite its scores and report.

    Args:
        workdir: the run directory.
        feature_network: path of a saved :class:`~gen_jax.eval.FeatureNetwork` to use instead
            of the default choice (see :mod:`gen_jax.eval.sample_quality`).
        inception_weights: pytorch-fid's InceptionV3 weights file, for FID proper.
        num_samples: score only the first ``num_samples`` saved samples (default: all).
        experiments: the experiments folder (default: the one recorded in ``config.json``
            when it still exists, else ``./experiments``).

    Returns:
        The :func:`~gen_jax.eval.score_samples` result that was written.

    Raises:
        FileNotFoundError: when the run has no ``config.json``, saved samples or
            ``report.json``.
        ValueError: when ``num_samples`` is not in ``[2, number saved]``.
    """
    samples = load_final_samples(workdir)
    if num_samples is not None:
        if not 2 <= num_samples <= len(samples):
            raise ValueError(
                f"num_samples={num_samples} but the run saved {len(samples)} samples; pass a "
                f"number from 2 to {len(samples)}"
            )
        samples = samples[:num_samples]
    result = score_samples(
        samples,
        reference_for_run(workdir, experiments),
        feature_network=feature_network,
        inception_weights=inception_weights,
    )
    write_sample_quality(workdir, result)
    rewrite_report(workdir)
    return result
