"""Fit LDA on Python's help topics for several K; plot perplexity, top words, a generated doc."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import jax
import numpy as np
from matplotlib.figure import Figure
from ml_collections import ConfigDict

from gen_jax.core.atomic import save_figure_png
from gen_jax.core.record import record_fit
from gen_jax.data.bag_of_words import bag_of_words, pydoc_documents
from gen_jax.estimators.lda import LatentDirichletAllocation
from gen_jax.viz import write_report
from gen_jax.viz.text import save_text_panel


def _fit(config: ConfigDict, num_topics: int, counts, key) -> LatentDirichletAllocation:
    options = {**config.model, "n_components": num_topics}
    return LatentDirichletAllocation(
        **options, max_iter=config.run.num_steps, random_state=config.run.seed
    ).fit(counts, key=key)


def _perplexity_figure(path: Path, ks, series: dict, best: int, title: str) -> Path:
    """Perplexity against K, one panel per definition (their scales differ tenfold)."""
    figure = Figure(figsize=(10, 3.8), layout="constrained")
    panels = figure.subplots(1, 2)
    for axis, (panel_title, curves) in zip(panels, series.items(), strict=True):
        for label, values in curves.items():
            axis.plot(ks, values, marker="o", markersize=4, linewidth=1.5, label=label)
        axis.axvline(best, color="0.3", linestyle="--", linewidth=1, label=f"K = {best} (shown)")
        axis.set_xticks(ks)
        axis.set_xlabel("number of topics K")
        axis.set_ylabel("per-word perplexity (lower is better)")
        axis.set_title(panel_title, fontsize=10)
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle(title, fontsize=11)
    return save_figure_png(path, figure)


def _bound_figure(path: Path, history: np.ndarray, num_topics: int) -> Path:
    figure = Figure(figsize=(5.6, 3.4), layout="constrained")
    axis = figure.add_subplot()
    axis.plot(np.arange(1, len(history) + 1), history, marker="o", markersize=3)
    axis.set_xlabel("VB iteration (pass over the training documents)")
    axis.set_ylabel("evidence lower bound per document")
    axis.set_title(f"Batch VB training, K = {num_topics}", fontsize=10)
    axis.grid(True, alpha=0.3)
    return save_figure_png(path, figure)


def _as_words(counts_row: np.ndarray, words) -> str:
    return " ".join(words[v] for v in np.repeat(np.arange(counts_row.size), counts_row))


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Fit, evaluate and plot; returns the final metrics."""
    workdir = Path(workdir)
    data, seed, num_topics = config.data, config.run.seed, config.model.n_components
    corpus = bag_of_words(
        pydoc_documents(data.words_per_document),
        min_df=data.min_df,
        max_df=data.max_df,
        max_features=data.max_features or None,
        drop_empty=True,
    )
    rng = np.random.default_rng(seed)
    order = rng.permutation(corpus.counts.shape[0])
    num_test = int(round(data.test_fraction * len(order)))
    test_rows, train_rows = np.sort(order[:num_test]), np.sort(order[num_test:])
    train_counts, test_counts = corpus.counts[train_rows], corpus.counts[test_rows]
    test_counts = test_counts[np.asarray(test_counts.sum(1)).ravel() > 0]
    fit_key, sample_key = jax.random.split(jax.random.key(seed))

    perplexities, document_perplexities, train_perplexities = {}, {}, {}
    models, fit_seconds = {}, {}
    ks = sorted(set(config.run.topic_counts) | {num_topics})
    for k in ks:
        start = time.perf_counter()
        models[k] = _fit(config, k, train_counts, fit_key)
        fit_seconds[k] = time.perf_counter() - start
        perplexities[k] = models[k].perplexity(test_counts)
        document_perplexities[k] = models[k].perplexity(test_counts, corpus_term=False)
        train_perplexities[k] = models[k].perplexity(train_counts, corpus_term=False)

    lda = models[num_topics]
    words = corpus.vocabulary.words
    # One record per K (the record's step is K); the report draws its own K plots.
    record_fit(
        workdir,
        history={
            "held_out_perplexity": [perplexities[k] for k in ks],
            "held_out_document_perplexity": [document_perplexities[k] for k in ks],
            "train_document_perplexity": [train_perplexities[k] for k in ks],
            "fit_seconds": [fit_seconds[k] for k in ks],
        },
        steps=ks,
        state={"components": lda.components_},
        step=lda.n_iter_,
        meta={"num_topics": num_topics, "vocabulary": list(words)},
    )
    num_top_words = config.eval.num_top_words
    top = lda.top_words(num_top_words, corpus.vocabulary)
    coherence = lda.coherence(train_counts, num_top_words)
    topic_lines = ["topic  UMass  top words, most probable first"]
    topic_lines += [f"{k:5d} {coherence[k]:6.1f}  " + " ".join(row) for k, row in enumerate(top)]
    perplexity_caption = (
        "Per-word perplexity against the number of topics. Left: document terms of the bound "
        "only (perplexity(X, corpus_term=False)), on held-out and training documents. Right: "
        "scikit-learn's perplexity, whose bound adds the corpus-level topic term; that term "
        "does not depend on the documents, grows with K and dominates on the small held-out set."
    )
    images = {
        perplexity_caption: _perplexity_figure(
            workdir / "perplexity_vs_topics.png",
            ks,
            {
                "document terms only": {
                    "held-out": [document_perplexities[k] for k in ks],
                    "training": [train_perplexities[k] for k in ks],
                },
                "with the corpus-level term (scikit-learn's)": {
                    "held-out": [perplexities[k] for k in ks],
                },
            },
            best=num_topics,
            title=(
                f"LDA ({lda.method} VB) on pydoc topics: {len(train_rows)} training, "
                f"{test_counts.shape[0]} held-out documents, {len(corpus.vocabulary)} words"
            ),
        ),
        f"Top {num_top_words} words of each topic and its UMass coherence "
        "(sum over word pairs; closer to 0 is more coherent)": save_text_panel(
            workdir / "top_words.png", topic_lines, title=f"K = {num_topics} topics", font_size=9
        ),
        "Training curve: the evidence lower bound per document entering each VB iteration "
        "(never decreases)": _bound_figure(workdir / "bound.png", lda.bound_history_, num_topics),
    }
    similar = lda.sample_similar(test_counts[:1], key=sample_key)[0]
    original = np.asarray(test_counts[0].toarray()).ravel().astype(np.int64)
    mixture = lda.transform(test_counts[:1])[0]
    main_topics = np.argsort(-mixture)[:3]
    lines = [
        "inferred topic mixture, main topics: "
        + ", ".join(f"topic {k} {mixture[k]:.2f}" for k in main_topics)
    ]
    lines += [
        "",
        "held-out document (its vocabulary words, alphabetical: a bag of words keeps no order):",
    ]
    lines += textwrap.wrap(_as_words(original, words), 100)[:12]
    lines += ["", "generated document: same length, words drawn from that topic mixture:"]
    lines += textwrap.wrap(_as_words(similar, words), 100)[:12]
    images["A generated document similar to a held-out one"] = save_text_panel(
        workdir / "samples" / "similar_document.png",
        lines,
        title="Generation of a similar document",
        font_size=9,
    )

    final = {
        "num_documents": len(train_rows),
        "num_test_documents": test_counts.shape[0],
        "vocabulary_size": len(words),
        "held_out_perplexity": perplexities[num_topics],
        "held_out_document_perplexity": document_perplexities[num_topics],
        "train_document_perplexity": train_perplexities[num_topics],
        "mean_umass_coherence": float(np.mean(coherence)),
        "fit_seconds": fit_seconds[num_topics],
    }
    final = {key: float(value) for key, value in final.items()}
    write_report(
        workdir,
        title=f"LDA on Python's help topics, K = {num_topics}",
        config=config.to_dict(),
        final_metrics=final,
        images={caption: str(path) for caption, path in images.items()},
        curves=False,
    )
    return final
