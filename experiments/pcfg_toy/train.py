"""Sample sentences from a toy PCFG, relearn its probabilities by inside-outside EM, plot."""

from __future__ import annotations

import time
from pathlib import Path

import jax
import numpy as np
from matplotlib.figure import Figure
from ml_collections import ConfigDict

from gen_jax.core.atomic import save_figure_png
from gen_jax.core.record import record_fit
from gen_jax.estimators.pcfg import PCFG, Rule, Tree
from gen_jax.viz import write_report


def perturbed(grammar: PCFG, key: jax.Array, strength: float) -> PCFG:
    """The same rules, probabilities times ``exp(strength * N(0, 1))``, renormalised."""
    factors = np.exp(strength * np.asarray(jax.random.normal(key, (len(grammar.rules),))))
    weights = np.array([r.prob for r in grammar.rules]) * factors
    totals: dict[str, float] = {}
    for rule, weight in zip(grammar.rules, weights, strict=True):
        totals[rule.lhs] = totals.get(rule.lhs, 0.0) + weight
    rules = [
        Rule(r.lhs, r.rhs, float(w / totals[r.lhs]))
        for r, w in zip(grammar.rules, weights, strict=True)
    ]
    return PCFG(rules, grammar.start)


def sample_sentences(grammar: PCFG, count: int, *, key, max_length: int, max_depth: int):
    """``count`` trees whose sentences have at most ``max_length`` words (longer: redrawn)."""
    trees: list[Tree] = []
    for round_index in range(100):
        drawn = grammar.sample(
            2 * count, key=jax.random.fold_in(key, round_index), max_depth=max_depth
        )
        trees += [t for t in drawn if len(t.leaves()) <= max_length]
        if len(trees) >= count:
            return trees[:count]
    raise ValueError(f"too few sentences of at most {max_length} words; raise max_length")


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Fit, evaluate and plot; returns the final metrics."""
    workdir = Path(workdir)
    data = config.data
    truth = PCFG.from_string(data.grammar)
    data_key, test_key, init_key = jax.random.split(jax.random.key(config.run.seed), 3)
    sample = dict(max_length=data.max_length, max_depth=data.max_depth)
    train_trees = sample_sentences(truth, data.num_sentences, key=data_key, **sample)
    test_trees = sample_sentences(truth, data.num_test_sentences, key=test_key, **sample)
    sentences = [t.leaves() for t in train_trees]
    test_sentences = [t.leaves() for t in test_trees]

    initial = perturbed(truth, init_key, config.model.perturbation)
    learned = perturbed(truth, init_key, config.model.perturbation)
    start = time.perf_counter()
    learned.fit(sentences, max_iter=config.run.num_steps, **config.optim)
    fit_seconds = time.perf_counter() - start
    # The learned rule probabilities, ordered as the grammar's rules.
    record_fit(
        workdir,
        history={"log_likelihood": learned.log_likelihood_history_},
        state={"rule_probs": np.asarray([r.prob for r in learned.rules])},
        step=learned.n_iter_,
        meta={"grammar": str(learned)},
    )

    true_probs = np.array([r.prob for r in truth.rules])
    error = {
        name: float(np.mean(np.abs(np.array([r.prob for r in g.rules]) - true_probs)))
        for name, g in (("initial", initial), ("learned", learned))
    }
    true_parses = truth.viterbi_parses(test_sentences)
    learned_parses = learned.viterbi_parses(test_sentences)
    agreement = np.mean([a[0] == b[0] for a, b in zip(true_parses, learned_parses, strict=True)])
    shown = learned_parses[: config.eval.num_parses_shown]
    images = {
        "Rule probabilities: true (x) against the perturbed start and the EM estimate (y)": (
            _save_rule_plot(workdir / "rules.png", truth, initial, learned)
        ),
        "Viterbi parses of held-out sentences under the learned grammar": _save_parse_plot(
            workdir / "samples" / "parses.png", [tree for tree, _ in shown]
        ),
    }
    final = {
        "initial_log_likelihood": learned.log_likelihood_history_[0],
        "final_log_likelihood": learned.log_likelihood_history_[-1],
        "true_grammar_log_likelihood": truth.score(sentences),
        "test_log_likelihood": learned.score(test_sentences),
        "true_grammar_test_log_likelihood": truth.score(test_sentences),
        "initial_rule_prob_error": error["initial"],
        "learned_rule_prob_error": error["learned"],
        "test_parse_agreement": agreement,
        "n_iter": learned.n_iter_,
        "fit_seconds": fit_seconds,
    }
    final = {key: float(value) for key, value in final.items()}
    write_report(
        workdir,
        title="PCFG learned by inside-outside EM from sampled sentences",
        config=config.to_dict(),
        final_metrics=final,
        images={caption: str(path) for caption, path in images.items()},
    )
    return final


def _save_rule_plot(path: Path, truth: PCFG, initial: PCFG, learned: PCFG) -> Path:
    figure = Figure(figsize=(5.6, 5.0), layout="constrained")
    axis = figure.add_subplot()
    true_probs = [r.prob for r in truth.rules]
    axis.plot([0, 1], [0, 1], color="0.6", linewidth=1)
    axis.scatter(true_probs, [r.prob for r in initial.rules], s=14, label="perturbed start")
    axis.scatter(true_probs, [r.prob for r in learned.rules], s=14, label="after EM")
    axis.set_xlabel("true rule probability")
    axis.set_ylabel("estimated rule probability")
    axis.legend()
    return save_figure_png(path, figure)


def _layout(tree: Tree | str, depth: int, next_leaf: list[int], nodes: list, edges: list):
    """Place leaves left to right, parents above the mean of their children."""
    if isinstance(tree, str):
        x = next_leaf[0]
        next_leaf[0] += 1
        nodes.append((x, -depth, tree, True))
        return x, -depth
    points = [_layout(child, depth + 1, next_leaf, nodes, edges) for child in tree.children]
    x = float(np.mean([p[0] for p in points]))
    nodes.append((x, -depth, tree.label, False))
    edges.extend(((x, -depth), point) for point in points)
    return x, -depth


def _save_parse_plot(path: Path, trees: list[Tree | None]) -> Path:
    trees = [tree for tree in trees if tree is not None]
    figure = Figure(figsize=(9.0, 3.2 * max(1, len(trees))), layout="constrained")
    for index, tree in enumerate(trees):
        axis = figure.add_subplot(len(trees), 1, index + 1)
        nodes, edges = [], []
        _layout(tree, 0, [0], nodes, edges)
        for (x0, y0), (x1, y1) in edges:
            axis.plot([x0, x1], [y0, y1], color="0.6", linewidth=1, zorder=1)
        for x, y, text, is_word in nodes:
            style = dict(color="tab:blue") if is_word else dict(fontweight="bold")
            axis.text(
                x,
                y,
                text,
                ha="center",
                va="center",
                zorder=2,
                **style,
                bbox=dict(facecolor="white", edgecolor="none", pad=1),
            )
        axis.set_title(" ".join(tree.leaves()), fontsize=10)
        axis.set_xlim(-0.8, len(tree.leaves()) - 0.2)
        axis.set_ylim(-tree.height() - 0.5, 0.5)
        axis.axis("off")
    return save_figure_png(path, figure)
