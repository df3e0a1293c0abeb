"""PCFG parsing throughput: gen_jax's inside pass and Viterbi CKY against nltk's ViterbiParser.

The benchmark of issue 5: a seeded random grammar in Chomsky normal form with 20
non-terminals (each with ``--binary-rules`` binary rules and ``--words-per-symbol`` lexical
rules over a 60-word vocabulary, every word covered), random sentences of lengths 10, 20
and 40 that the grammar derives. Measured, in sentences per second:

- ``gen_jax_inside``: ``PCFG.score_samples`` on a batch of ``--batch`` sentences (the
  inside log-probability of each; one jitted call vmapped over sentences);
- ``gen_jax_viterbi``: ``PCFG.viterbi_parses`` on the same batch: Viterbi CKY on the
  device plus reading every best tree off the back-pointers on the host;
- ``nltk_viterbi``: ``nltk.ViterbiParser(grammar).parse(words)`` one sentence at a time
  (pure Python), on the first ``--nltk-sentences`` sentences of the batch.

Each gen_jax side runs once untimed (compilation), then ``--repeats`` timed calls; nltk runs
each of its sentences once timed. The two sides' best log-probabilities are checked to
agree. Ratios are gen_jax / nltk sentences per second (medians; the machine is shared).

Usage::

    python -m benchmarks.pcfg [--lengths 10 20 40] [--batch 64] [--nltk-sentences 4]

Writes ``benchmarks/results/pcfg.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import math
import time

import nltk
import numpy as np

from benchmarks import harness
from gen_jax.estimators.pcfg import PCFG

# Arguments for a smoke run of well under a minute (`python -m benchmarks run --quick`).
QUICK_ARGS: tuple[str, ...] = (
    "--lengths", "8", "--batch", "8", "--repeats", "2", "--nltk-sentences", "2",
    "--nonterminals", "8", "--vocabulary", "20",
)  # fmt: skip


def random_grammar(
    num_nonterminals: int, vocabulary_size: int, binary_rules: int, words_per_symbol: int, *, seed
) -> PCFG:
    """A seeded CNF grammar; symbol 0 is the start. Every word has a preterminal and every
    symbol binary rules, so (almost) every word sequence is derivable."""
    rng = np.random.default_rng(seed)
    n, v = num_nonterminals, vocabulary_size
    binary = np.zeros((n, n, n))
    lexical = np.zeros((n, v))
    for a in range(n):
        pairs = rng.choice(n * n, binary_rules, replace=False)
        binary[a].flat[pairs] = rng.dirichlet(np.ones(binary_rules))
        lexical[a, rng.choice(v, words_per_symbol, replace=False)] = 1.0
    for word in np.flatnonzero(lexical.sum(0) == 0):
        lexical[rng.integers(1, n), word] = 1.0
    lexical[0] = 0.0  # the start symbol spans two words or more
    has_words = lexical.sum(1) > 0
    share = rng.uniform(0.2, 0.5, n) * has_words  # probability mass of lexical rules
    lexical[has_words] *= (share / lexical.sum(1).clip(1e-12))[has_words, None]
    binary *= (1 - share)[:, None, None]
    names = ["S"] + [f"X{i}" for i in range(1, n)]
    return PCFG.from_arrays(names, [f"w{i}" for i in range(v)], binary=binary, lexical=lexical)


def derivable_sentences(grammar: PCFG, length: int, count: int, *, seed) -> list[list[str]]:
    """``count`` random word sequences of ``length`` with positive probability."""
    rng = np.random.default_rng([seed, length])
    found: list[list[str]] = []
    while len(found) < count:
        batch = [list(rng.choice(grammar.vocabulary, length)) for _ in range(count)]
        scores = grammar.score_samples(batch)
        found += [s for s, score in zip(batch, scores, strict=True) if np.isfinite(score)]
    return found[:count]


def to_nltk(grammar: PCFG) -> nltk.PCFG:
    """The same grammar for nltk (probabilities at full precision)."""
    productions = []
    for rule in grammar.rules:
        rhs = [s.word if hasattr(s, "word") else nltk.Nonterminal(s) for s in rule.rhs]
        productions.append(
            nltk.ProbabilisticProduction(nltk.Nonterminal(rule.lhs), rhs, prob=rule.prob)
        )
    return nltk.PCFG(nltk.Nonterminal(grammar.start), productions)


def run(args) -> dict:
    """Time every length; the results file is rewritten after each one."""
    grammar = random_grammar(
        args.nonterminals, args.vocabulary, args.binary_rules, args.words_per_symbol, seed=args.seed
    )
    parser = nltk.ViterbiParser(to_nltk(grammar), max_time=None)  # no 5 s default limit
    results = {}
    for length in args.lengths:
        sentences = derivable_sentences(grammar, length, args.batch, seed=args.seed)
        ours = harness.time_callables(
            {
                "gen_jax_inside": lambda s=sentences: grammar.score_samples(s),
                "gen_jax_viterbi": lambda s=sentences: grammar.viterbi_parses(s),
            },
            num_steps=args.repeats,
            warmup=1,
            rounds=args.repeats,
            syncs={"gen_jax_viterbi": lambda _: None},
            examples_per_step=len(sentences),
        )
        parses = grammar.viterbi_parses(sentences[: args.nltk_sentences])
        nltk_times, mismatch = [], 0.0
        for words, (_, log_prob) in zip(sentences, parses, strict=False):
            start = time.perf_counter()
            (best,) = parser.parse(words)
            nltk_times.append(time.perf_counter() - start)
            mismatch = max(mismatch, abs(math.log(best.prob()) - log_prob) / abs(log_prob))
        nltk_stats = harness.summarize_durations(nltk_times, examples_per_step=1)
        row = {name: stats for name, stats in ours.items()}
        row["nltk_viterbi"] = nltk_stats
        nltk_rate = nltk_stats["examples_per_s"]["median"]
        row["ratios_vs_nltk"] = {
            name: ours[name]["examples_per_s"]["median"] / nltk_rate for name in ours
        }
        row["max_relative_log_prob_difference"] = mismatch
        results[str(length)] = row
        harness.write_result(
            args.name,
            {"config": vars(args), "machine": harness.machine_description(), "results": results},
        )
        print(
            f"| {length} | {ours['gen_jax_inside']['examples_per_s']['median']:.1f} "
            f"| {ours['gen_jax_viterbi']['examples_per_s']['median']:.1f} | {nltk_rate:.3f} "
            f"| {row['ratios_vs_nltk']['gen_jax_inside']:.0f}x "
            f"| {row['ratios_vs_nltk']['gen_jax_viterbi']:.0f}x | {mismatch:.1e} |",
            flush=True,
        )
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[10, 20, 40])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--nltk-sentences", type=int, default=4)
    parser.add_argument("--nonterminals", type=int, default=20)
    parser.add_argument("--vocabulary", type=int, default=60)
    parser.add_argument("--binary-rules", type=int, default=12)
    parser.add_argument("--words-per-symbol", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="pcfg")
    args = parser.parse_args(argv)
    print(
        "| length | gen_jax inside sent/s | gen_jax Viterbi sent/s | nltk Viterbi sent/s "
        "| inside ratio | Viterbi ratio | log-prob rel. diff |"
    )
    print("|---|---|---|---|---|---|---|")
    run(args)  # writes benchmarks/results/NAME.json after each length
    print(f"wrote {harness.results_dir() / args.name}.json")
    return 0


def summary_rows(result: dict) -> list[dict[str, str]]:
    """Table rows (benchmark contract): sentences/s of inside and Viterbi against nltk."""
    rows = []
    for length, row in result["results"].items():
        peer = row["nltk_viterbi"]["examples_per_s"]["median"]
        for side in ("gen_jax_inside", "gen_jax_viterbi"):
            rows.append(
                {
                    "benchmark": "pcfg",
                    "case": f"{side.removeprefix('gen_jax_')}, length {length}",
                    "gen_jax": f"{row[side]['examples_per_s']['median']:.1f} sent/s",
                    "peer": f"nltk Viterbi {peer:.3f} sent/s",
                    "ratio": f"{row['ratios_vs_nltk'][side]:.1f}",
                }
            )
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
