"""Fit a character-level CategoricalHMM to text, report held-out likelihood, sample text."""

from __future__ import annotations

import collections
import time
from pathlib import Path

import jax
import numpy as np
from matplotlib.figure import Figure
from ml_collections import ConfigDict

from gen_jax.core.atomic import save_figure_png
from gen_jax.core.record import record_fit
from gen_jax.data import pydoc_topics_text
from gen_jax.estimators.hmm import CategoricalHMM
from gen_jax.viz import write_report
from gen_jax.viz.text import save_text_panel

OTHER = "\N{REPLACEMENT CHARACTER}"


def load_text(data: ConfigDict) -> str:
    """The text of ``config.data``: a user file or Python's help topics, cut and normalised."""
    if data.text_path is None:
        text = pydoc_topics_text()
    else:
        path = Path(data.text_path).expanduser()
        if not path.is_file():
            raise FileNotFoundError(
                f"text_path={data.text_path!r} is not a file; pass a UTF-8 text file, or "
                "leave text_path unset to use Python's pydoc_data help topics"
            )
        text = path.read_text(encoding="utf-8")
    text = " ".join(text.split())  # one space for any run of whitespace
    if data.lowercase:
        text = text.lower()
    if data.num_characters:
        text = text[: data.num_characters]
    if len(text) < 4 * data.sequence_length:
        raise ValueError(f"the text has {len(text)} characters; it needs a few sequences' worth")
    return text


def encode(text: str, vocabulary_size: int) -> tuple[np.ndarray, list[str]]:
    """``(symbols [n], alphabet)``: the most frequent characters, the rest as ``OTHER``."""
    common = [c for c, _ in collections.Counter(text).most_common(vocabulary_size - 1)]
    alphabet = common + [OTHER]
    index = {c: i for i, c in enumerate(common)}
    return np.array([index.get(c, len(common)) for c in text], np.int32), alphabet


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Fit, evaluate and sample; returns the final metrics."""
    workdir = Path(workdir)
    data, seed = config.data, config.run.seed
    symbols, alphabet = encode(load_text(data), data.vocabulary_size)
    num_sequences = len(symbols) // data.sequence_length
    sequences = symbols[: num_sequences * data.sequence_length].reshape(num_sequences, -1)
    num_test = max(1, int(data.test_fraction * num_sequences))
    train_x, test_x = sequences[num_test:].reshape(-1, 1), sequences[:num_test].reshape(-1, 1)
    train_lengths = np.full(num_sequences - num_test, data.sequence_length)
    test_lengths = np.full(num_test, data.sequence_length)

    model = CategoricalHMM(
        **config.model, n_features=len(alphabet), n_iter=config.run.num_steps, random_state=seed
    )
    start = time.perf_counter()
    model.fit(train_x, train_lengths)
    fit_seconds = time.perf_counter() - start

    record_fit(
        workdir,
        history={"log_likelihood_per_character": model.log_likelihood_history_ / len(train_x)},
        state={name: getattr(model, name) for name in ("startprob_", "transmat_", "emissionprob_")},
        step=model.n_iter_,
        meta={"n_iter": model.n_iter_, "converged": model.converged_, "seed": seed},
    )

    unigram = np.bincount(train_x[:, 0], minlength=len(alphabet)) + 1.0
    unigram_score = np.mean(np.log(unigram / unigram.sum())[test_x[:, 0]])
    generated, _ = model.sample(config.eval.num_generated, key=jax.random.key(seed))
    sample_text = "".join(alphabet[s] for s in generated[:, 0])
    images = {
        "Text sampled from the fitted HMM": _plot_text(
            workdir / "samples" / "sample.png", sample_text
        ),
        "Each hidden state's most likely characters (height: probability)": _plot_states(
            workdir / "states.png", model.emissionprob_, alphabet
        ),
    }
    (workdir / "samples" / "sample.txt").write_text(sample_text, encoding="utf-8")
    final = {
        "log_likelihood_per_character": model.log_likelihood_history_[-1] / len(train_x),
        "test_log_likelihood_per_character": model.score(test_x, test_lengths) / len(test_x),
        "unigram_test_log_likelihood_per_character": unigram_score,
        "n_iter": model.n_iter_,
        "converged": int(model.converged_),
        "fit_seconds": fit_seconds,
    }
    final = {key: float(value) for key, value in final.items()}
    write_report(
        workdir,
        title=f"Character-level HMM, {model.n_components} states, {len(symbols):,} characters",
        config=config.to_dict(),
        final_metrics=final,
        images={caption: str(path) for caption, path in images.items()},
    )
    return final


def _plot_text(path, text: str, width: int = 100) -> Path:
    lines = [text[i : i + width] for i in range(0, len(text), width)]
    return save_text_panel(path, lines, width_inches=11, font_size=8)


def _plot_states(path, emissionprob: np.ndarray, alphabet: list[str], top: int = 8) -> Path:
    num_states = emissionprob.shape[0]
    figure = Figure(figsize=(11, 1.2 * num_states))
    axes = figure.subplots(num_states, 1, squeeze=False)[:, 0]
    for state, axis in enumerate(axes):
        order = np.argsort(emissionprob[state])[::-1][:top]
        axis.bar(np.arange(top), emissionprob[state, order])
        axis.set_xticks(np.arange(top), [repr(alphabet[i])[1:-1] for i in order])
        axis.set_ylabel(f"state {state}", fontsize=7)
    figure.tight_layout()
    return save_figure_png(path, figure)
