"""Side-by-side LDA: gen_jax (batch and online VB) against scikit-learn and gensim.

All sides fit the same bag-of-words corpus (Python's help topics, ``pydoc_data``, cut into
~150-word chunks, optionally repeated ``--copies`` times; a fifth of the chunks held out)
with the same priors (``alpha = 0.1``, ``eta = 0.01``), ``K`` topics and per-document
E-step (at most 100 iterations, stop when the mean change of ``gamma`` is below 1e-3):

- ``gen_jax_batch`` / ``sklearn_batch``: batch variational Bayes, ``passes`` iterations;
- ``gen_jax_online`` / ``sklearn_online``: online VB, minibatches of ``--batch-size``,
  ``passes`` epochs, step size :math:`\\rho_t = (\\tau_0 + t)^{-\\kappa}` with
  ``kappa = 0.7``, ``tau0 = 10``, ``t`` counting minibatches;
- ``gensim``: ``LdaModel`` (online VB), ``chunksize = --batch-size``, ``passes`` passes,
  ``decay = 0.7``, ``offset = 10``. gensim counts ``t`` differently: minibatches in the
  first pass, then one more per pass (``t = offset + pass + minibatches of one pass``).
  gensim's own defaults (``decay = 0.5``, ``offset = 1``) make the first step
  :math:`\\rho_1 = 1`: the first minibatch replaces the random initial topics, every word
  absent from it is left at :math:`\\lambda = \\eta = 0.01` in every topic, where
  :math:`E[\\log\\beta] \\approx \\psi(0.01) \\approx -100`, and the E-step (which adds
  float32 epsilon to the normaliser, as scikit-learn adds float64 epsilon) can never give
  it mass again: on this corpus 30 % of the vocabulary stays dead and the held-out
  perplexity is about 1e8. The shared schedule avoids that and compares like with like.

**Held-out perplexity** is computed for every side by one function, gen_jax's
``LatentDirichletAllocation.perplexity`` with the side's topic-word parameters
:math:`\\lambda` (``components_``; gensim's ``state.get_lambda()``), so all sides are
scored by the same E-step and bound:

- ``perplexity`` (the headline): per-word, document terms only (``corpus_term=False``),
  :math:`\\exp(-\\sum_d \\mathcal L_d / N_{\\text{words}})`; this measures how well the
  topics predict held-out documents;
- ``perplexity_bound``: scikit-learn's ``perplexity`` (with the corpus-level term
  :math:`E_q[\\log p(\\beta\\mid\\eta) - \\log q(\\beta\\mid\\lambda)]`, which does not
  depend on the held-out documents and dominates on a small held-out set).

For gensim, ``gensim_own_perplexity_bound`` is also recorded: gensim's ``bound`` on the
held-out documents (its own E-step) as a per-word perplexity, to show that the common
evaluator reads gensim's :math:`\\lambda` correctly.

**Throughput**: one timed unit is a whole ``fit`` of ``passes`` passes from scratch; each
side first runs one untimed warm-up fit (gen_jax compiles there), then ``--repeats`` timed
fits interleaved across sides. Reported: documents per second (``passes * D / median fit
seconds``) and its ratio to each peer.

**Time to a perplexity**: every side is fitted with each number of passes in
``PASS_GRID`` (up to ``--passes``), each fit timed after an untimed warm-up of the same
fit (gen_jax compiles once per number of passes), the median of ``--repeats`` timed fits
(seeded, so every repeat gives the same topics). The target is 1.1 times the worst final
held-out ``perplexity`` over the sides, so every side reaches it; each side reports the
seconds and passes of its first fit at or below the target. On this small corpus the
final online-VB perplexity moves by about 7 % with the initialisation seed alone.

Usage::

    python -m benchmarks.lda [--copies 1] [--topics 10] [--passes 8] [--repeats 3]

Writes ``benchmarks/results/lda.json`` and prints Markdown tables.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
import warnings

import jax
import numpy as np
import scipy.sparse
from sklearn.decomposition import LatentDirichletAllocation as SklearnLDA

from benchmarks import harness
from gen_jax.data.bag_of_words import bag_of_words, pydoc_documents
from gen_jax.estimators.lda import LatentDirichletAllocation

ALPHA, ETA = 0.1, 0.01
LEARNING_DECAY, LEARNING_OFFSET = 0.7, 10.0
PASS_GRID = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32)
TARGET_FACTOR = 1.1


# Arguments for a smoke run of well under a minute (`python -m benchmarks run --quick`).
QUICK_ARGS: tuple[str, ...] = ("--passes", "2", "--repeats", "1", "--topics", "5")


def _corpus(copies: int, seed: int = 0):
    corpus = bag_of_words(pydoc_documents(), min_df=3, max_df=0.3, drop_empty=True)
    order = np.random.default_rng(seed).permutation(corpus.counts.shape[0])
    test_rows, train_rows = order[: len(order) // 5], order[len(order) // 5 :]
    train = scipy.sparse.vstack([corpus.counts[train_rows]] * copies).tocsr()
    return train.astype(np.float64), corpus.counts[test_rows].astype(np.float64)


def _bag(matrix) -> list[list[tuple[int, int]]]:
    """gensim's corpus format: per document, ``(word id, count)`` pairs."""
    return [
        list(zip(row.indices.tolist(), row.data.astype(int).tolist(), strict=True))
        for row in matrix
    ]


def _fitters(train, test, topics: int, batch_size: int):
    """name -> (passes -> (topic-word parameters [K, V], extra results))."""

    def ours(method):
        def fit(passes):
            lda = LatentDirichletAllocation(
                topics,
                doc_topic_prior=ALPHA,
                topic_word_prior=ETA,
                method=method,
                max_iter=passes,
                batch_size=batch_size,
                learning_decay=LEARNING_DECAY,
                learning_offset=LEARNING_OFFSET,
            )
            return lda.fit(train).components_, {}

        return fit

    def sklearn(method):
        def fit(passes):
            lda = SklearnLDA(
                topics,
                doc_topic_prior=ALPHA,
                topic_word_prior=ETA,
                learning_method=method,
                max_iter=passes,
                batch_size=batch_size,
                learning_decay=LEARNING_DECAY,
                learning_offset=LEARNING_OFFSET,
                random_state=0,
            )
            return lda.fit(train).components_, {}

        return fit

    fitters = {
        "gen_jax_batch": ours("batch"),
        "sklearn_batch": sklearn("batch"),
        "gen_jax_online": ours("online"),
        "sklearn_online": sklearn("online"),
    }
    try:
        import gensim
    except ImportError:
        return fitters
    logging.getLogger("gensim").setLevel(logging.ERROR)
    bow, test_bow = _bag(train), _bag(test)
    id2word = {v: str(v) for v in range(train.shape[1])}

    def fit_gensim(passes):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = gensim.models.LdaModel(
                bow,
                num_topics=topics,
                id2word=id2word,
                chunksize=batch_size,
                passes=passes,
                decay=LEARNING_DECAY,
                offset=LEARNING_OFFSET,
                alpha=np.full(topics, ALPHA),
                eta=ETA,
                iterations=100,
                gamma_threshold=1e-3,
                eval_every=None,
                random_state=0,
            )
        own_bound = lambda: float(np.exp(-model.bound(test_bow) / test.sum()))
        return model.state.get_lambda(), {"own_perplexity_bound": own_bound}

    fitters["gensim"] = fit_gensim
    return fitters


def _perplexities(components, test, topics) -> dict[str, float]:
    """Held-out per-word perplexity of ``test`` under topics ``components`` (see the module
    docstring): document terms only, and with the corpus-level term."""
    evaluator = LatentDirichletAllocation(topics, doc_topic_prior=ALPHA, topic_word_prior=ETA)
    evaluator.n_features_in_ = components.shape[1]
    evaluator._store(np.asarray(components, np.float64))
    return {
        "perplexity": evaluator.perplexity(test, corpus_term=False),
        "perplexity_bound": evaluator.perplexity(test),
    }


def _curve(fit, test, topics, max_passes, repeats):
    """Held-out perplexity and median fit seconds (``repeats`` timed fits after one
    untimed warm-up) for each number of passes in ``PASS_GRID`` up to ``max_passes``."""
    curve = []
    for passes in [p for p in PASS_GRID if p <= max_passes]:
        fit(passes)  # warm-up: compiles gen_jax's fit for this number of passes
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            components, extra = fit(passes)
            seconds.append(time.perf_counter() - start)
        point = {"passes": passes, "seconds": float(np.median(seconds))}
        curve.append({**point, **_perplexities(components, test, topics)})
        if "own_perplexity_bound" in extra and passes == max_passes:
            curve[-1]["gensim_own_perplexity_bound"] = extra["own_perplexity_bound"]()
    return curve


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--topics", type=int, default=10)
    parser.add_argument("--passes", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    train, test = _corpus(args.copies)
    fitters = _fitters(train, test, args.topics, args.batch_size)
    num_docs = train.shape[0]
    load_before = os.getloadavg()

    timed = harness.time_callables(
        {name: (lambda fit=fit: fit(args.passes)[0]) for name, fit in fitters.items()},
        num_steps=args.repeats,
        warmup=1,
        rounds=args.repeats,
        syncs={name: (lambda result: result) for name in fitters},
    )
    sides = {}
    for name, fit in fitters.items():
        seconds = timed[name]["step_ms"]["median"] / 1e3
        curve = _curve(fit, test, args.topics, args.passes, args.repeats)
        sides[name] = {
            "fit_seconds_median": seconds,
            "fit_seconds_iqr": timed[name]["step_ms"]["iqr"] / 1e3,
            "documents_per_s": args.passes * num_docs / seconds,
            "final": curve[-1],
            "perplexity_curve": curve,
        }
    target = TARGET_FACTOR * max(side["final"]["perplexity"] for side in sides.values())
    for side in sides.values():
        reached = [p for p in side["perplexity_curve"] if p["perplexity"] <= target]
        side["to_target"] = (
            {"seconds": reached[0]["seconds"], "passes": reached[0]["passes"]} if reached else None
        )
    peers = [name for name in sides if not name.startswith("gen_jax")]
    ratios = {"documents_per_s": {}, "seconds_to_target": {}}
    for ours in ("gen_jax_batch", "gen_jax_online"):
        for peer in peers:
            ratios["documents_per_s"][f"{ours}/{peer}"] = (
                sides[ours]["documents_per_s"] / sides[peer]["documents_per_s"]
            )
            if sides[ours]["to_target"] and sides[peer]["to_target"]:
                ratios["seconds_to_target"][f"{peer}/{ours}"] = (
                    sides[peer]["to_target"]["seconds"] / sides[ours]["to_target"]["seconds"]
                )
    payload = {
        "machine": {**harness.machine_description(), "load_average_before": load_before},
        "settings": {
            **vars(args),
            "documents": num_docs,
            "held_out_documents": test.shape[0],
            "held_out_words": float(test.sum()),
            "vocabulary": train.shape[1],
            "alpha": ALPHA,
            "eta": ETA,
            "learning_decay": LEARNING_DECAY,
            "learning_offset": LEARNING_OFFSET,
        },
        "target_perplexity": target,
        "sides": sides,
        "ratios": ratios,
    }
    path = harness.write_result("lda", payload)
    print(
        f"| side | docs/s | fit s ({args.passes} passes) | held-out perplexity | "
        f"with corpus term | s (passes) to {target:.0f} |"
    )
    print("|---|---|---|---|---|---|")
    for name, side in sides.items():
        reached = side["to_target"]
        print(
            f"| {name} | {side['documents_per_s']:.0f} | {side['fit_seconds_median']:.2f} | "
            f"{side['final']['perplexity']:.1f} | {side['final']['perplexity_bound']:.0f} | "
            + ("-" if reached is None else f"{reached['seconds']:.2f} ({reached['passes']})")
            + " |"
        )
    for kind, values in ratios.items():
        for name, ratio in values.items():
            print(f"{kind} {name}: {ratio:.2f}x")
    if "gensim" in sides:
        print(f"gensim's own bound: {sides['gensim']['final']['gensim_own_perplexity_bound']:.0f}")
    print(f"load average before {load_before}, after {os.getloadavg()}; wrote {path}")
    return 0


def summary_rows(result: dict) -> list[dict[str, str]]:
    """Table rows (benchmark contract): documents/s of batch and online VB against the peers."""
    sides, ratios = result["sides"], result["ratios"]["documents_per_s"]
    topics = result["settings"]["topics"]
    rows = []
    for ours, peer in (("gen_jax_batch", "sklearn_batch"), ("gen_jax_online", "sklearn_online")):
        gensim = f"; gensim {sides['gensim']['documents_per_s']:.0f}" if "gensim" in sides else ""
        rows.append(
            {
                "benchmark": "lda",
                "case": f"{ours.removeprefix('gen_jax_')} VB, {topics} topics",
                "gen_jax": f"{sides[ours]['documents_per_s']:.0f} docs/s",
                "peer": f"sklearn {sides[peer]['documents_per_s']:.0f}{gensim} docs/s",
                "ratio": f"{ratios[f'{ours}/{peer}']:.2f}",
            }
        )
    return rows


if __name__ == "__main__":
    jax.config.update("jax_enable_x64", False)
    raise SystemExit(main())
