"""Exact Bayesian-network queries per second: gen_jax's variable elimination against pgmpy's.

The benchmark of issue 7: a seeded random discrete network (``--nodes`` 30 by default,
up to 3 parents drawn from the previous 8 nodes, 2 to 4 states, Dirichlet(1) CPTs), the
same network built on both sides. Three query kinds, each asked with ``--queries``
different evidence assignments (drawn by forward sampling, so every one has positive
probability):

* ``root_given_leaves``: the posterior of the first node given the last five nodes;
* ``middle_given_mixed``: the joint posterior of two middle nodes given six scattered ones;
* ``marginal``: the prior marginal of the last node (no evidence).

Timed units, one per side, each answering all ``--queries`` queries of a kind: pgmpy
``VariableElimination.query`` one query at a time (min-fill order, as gen_jax's default);
gen_jax ``BayesianNetwork.query`` one query at a time (jit-compiled once per query shape,
so the warm-up call compiles); and gen_jax's batched call, one ``query`` with evidence
arrays (``vmap`` over the assignments). Units are interleaved in rounds
(:func:`benchmarks.harness.time_callables`) and reported as queries/s (median) with the
ratios gen_jax/pgmpy. Before timing, every answer is checked equal on both sides (float64,
relative 1e-8).

Usage::

    python -m benchmarks.bayesnet [--nodes 30] [--queries 50] [--steps 5] [--seed 0]

Writes ``benchmarks/results/bayesnet.json`` and prints a Markdown table.

References:
    Zhang & Poole (1994), A simple approach to Bayesian network computations, Canadian AI.
    Ankan & Textor (2024), pgmpy: a Python toolkit for Bayesian networks, JMLR 25.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import os
import sys
import time
import warnings
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np

from benchmarks import harness

NUM_STATES = (2, 4)
MAX_PARENTS = 3
PARENT_WINDOW = 8


# Arguments for a smoke run of well under a minute (`python -m benchmarks run --quick`).
QUICK_ARGS: tuple[str, ...] = ("--nodes", "12", "--queries", "5", "--steps", "1")


def random_network(num_nodes: int, seed: int):
    """``(edges, cardinalities, cpts)`` of a seeded random DAG over nodes ``"v0".."v{n-1}"``
    (topological order), CPTs in gen_jax's layout (parents' axes, then the node's)."""
    rng = np.random.default_rng(seed)
    nodes = [f"v{i}" for i in range(num_nodes)]
    cards = {node: int(rng.integers(NUM_STATES[0], NUM_STATES[1] + 1)) for node in nodes}
    edges, cpts = [], {}
    for i, node in enumerate(nodes):
        window = list(range(max(0, i - PARENT_WINDOW), i))
        count = min(len(window), int(rng.integers(0, MAX_PARENTS + 1)))
        parents = [nodes[j] for j in sorted(rng.choice(window, count, replace=False))]
        edges += [(parent, node) for parent in parents]
        shape = [cards[p] for p in parents]
        cpts[node] = rng.dirichlet(np.ones(cards[node]), size=shape or None)
    return edges, cards, cpts


def pgmpy_network(edges, cards, cpts):
    """The same network as a pgmpy ``DiscreteBayesianNetwork``."""
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.models import DiscreteBayesianNetwork

    model = DiscreteBayesianNetwork(edges)
    model.add_nodes_from(cards)
    for node, table in cpts.items():
        parents = [p for p, c in edges if c == node]
        values = np.moveaxis(np.asarray(table), -1, 0).reshape(cards[node], -1)
        model.add_cpds(
            TabularCPD(
                node,
                cards[node],
                values,
                evidence=parents or None,
                evidence_card=[cards[p] for p in parents] or None,
            )
        )
    model.check_model()
    return model


def query_kinds(nodes: Sequence[str]) -> dict[str, tuple[list[str], list[str]]]:
    """Query kind -> (query variables, evidence variables)."""
    n = len(nodes)
    scattered = [nodes[i] for i in np.linspace(1, n - 1, 8).astype(int)]
    middle = [nodes[n // 2], nodes[n // 2 + 1]]
    return {
        "root_given_leaves": ([nodes[0]], list(nodes[-5:])),
        "middle_given_mixed": (middle, [v for v in scattered if v not in middle][:6]),
        "marginal": ([nodes[-1]], []),
    }


def compare(args: argparse.Namespace) -> dict[str, Any]:
    from pgmpy.inference import VariableElimination

    from gen_jax.estimators.bayesnet import BayesianNetwork

    edges, cards, cpts = random_network(args.nodes, args.seed)
    ours = BayesianNetwork(edges, cardinalities=cards, cpts=cpts)
    engine = VariableElimination(pgmpy_network(edges, cards, cpts))
    records = ours.sample(args.queries, key=jax.random.key(args.seed))
    column = {node: j for j, node in enumerate(ours.nodes)}
    rows = []
    for kind, (variables, evidence_vars) in query_kinds(ours.nodes).items():
        evidences = [
            {v: int(records[q, column[v]]) for v in evidence_vars} for q in range(args.queries)
        ]
        batched_evidence = {v: records[:, column[v]].astype(np.int32) for v in evidence_vars}

        def peer_all(variables=variables, evidences=evidences):
            return [
                engine.query(
                    variables, evidence=e, elimination_order="MinFill", show_progress=False
                )
                for e in evidences
            ]

        def ours_single(variables=variables, evidences=evidences):
            return [ours.query(variables, e) for e in evidences]

        def ours_batched(variables=variables, batched=batched_evidence):
            return ours.query(variables, batched)

        start = time.perf_counter()
        ours_single()
        sides = {"pgmpy": peer_all, "gen_jax": ours_single}
        first_unit_s = {"gen_jax": time.perf_counter() - start}
        if evidence_vars:  # without evidence every query is the same one: nothing to batch
            sides["gen_jax_batched"] = ours_batched
            start = time.perf_counter()
            ours_batched()
            first_unit_s["gen_jax_batched"] = time.perf_counter() - start
        # Every answer equal on both sides.
        peer_tables = [
            np.transpose(f.values, [f.variables.index(v) for v in variables]) for f in peer_all()
        ]
        answers = [ours_single()] + ([ours_batched()] if evidence_vars else [])
        difference = max(
            float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))
            for ours_tables in answers
            for a, b in zip(ours_tables, peer_tables, strict=True)
        )
        stats = harness.time_callables(
            sides,
            num_steps=args.steps,
            warmup=1,
            rounds=args.steps,
            syncs={name: (lambda _: None) for name in sides},
        )
        rates = {
            name: args.queries / result["step_ms"]["median"] * 1e3 for name, result in stats.items()
        }
        rates.setdefault("gen_jax_batched", None)
        rows.append(
            {
                "kind": kind,
                "variables": variables,
                "evidence": evidence_vars,
                "queries_per_s": rates,
                "ratio_gen_jax_over_pgmpy": rates["gen_jax"] / rates["pgmpy"],
                "ratio_batched_over_pgmpy": (
                    rates["gen_jax_batched"] / rates["pgmpy"] if evidence_vars else None
                ),
                "first_unit_s": first_unit_s,
                "max_relative_difference": difference,
                "check_passed": difference <= 1e-8,
                "timing": stats,
            }
        )
        print(_markdown_row(rows[-1]), flush=True)
    return {"num_edges": len(edges), "cardinalities": cards, "rows": rows}


MARKDOWN_HEADER = (
    "| query | pgmpy q/s | gen_jax q/s (ratio) | gen_jax batched q/s (ratio) "
    "| gen_jax first unit s (compiles) | max rel. diff |\n|---|---|---|---|---|---|"
)


def _markdown_row(row: dict[str, Any]) -> str:
    rates = row["queries_per_s"]
    batched = (
        "n/a (no evidence)"
        if rates["gen_jax_batched"] is None
        else f"{rates['gen_jax_batched']:.0f} ({row['ratio_batched_over_pgmpy']:.0f}x)"
    )
    return (
        f"| {row['kind']} | {rates['pgmpy']:.1f} "
        f"| {rates['gen_jax']:.1f} ({row['ratio_gen_jax_over_pgmpy']:.1f}x) "
        f"| {batched} "
        f"| {row['first_unit_s']['gen_jax']:.1f} "
        f"| {row['max_relative_difference']:.1e}"
        f"{'' if row['check_passed'] else ' (FAILED)'} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bayesnet",
        description="Variable-elimination queries/s: gen_jax against pgmpy, same network.",
    )
    parser.add_argument("--nodes", type=int, default=30, help="network size (20 to 50)")
    parser.add_argument("--queries", type=int, default=50, help="evidence draws per kind")
    parser.add_argument("--steps", type=int, default=5, help="timed units per side")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.nodes < 12 or args.queries < 1 or args.steps < 1:
        parser.error("--nodes must be >= 12, --queries and --steps >= 1")
    jax.config.update("jax_enable_x64", True)  # float64 on both sides, for the equality check
    logging.getLogger("pgmpy").setLevel(logging.ERROR)
    warnings.simplefilter("ignore", FutureWarning)
    machine = harness.machine_description()
    machine["versions"]["pgmpy"] = importlib.metadata.version("pgmpy")
    print(
        f"machine: {machine['cpu_model']}, {machine['usable_cores']} usable cores, load "
        f"average {machine['load_average']}; nodes={args.nodes} queries={args.queries}",
        flush=True,
    )
    print(MARKDOWN_HEADER, flush=True)
    load_before = os.getloadavg()
    result = compare(args)
    payload = {
        "benchmark": "bayesnet",
        "description": (
            "Exact queries on a seeded random discrete network: pgmpy VariableElimination "
            "(MinFill) against gen_jax BayesianNetwork.query one at a time and batched over "
            "the evidence (vmap); queries/s = queries per unit / median unit seconds; "
            "answers checked equal (float64)."
        ),
        "machine": machine,
        "config": vars(args),
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        **result,
    }
    print(f"wrote {harness.write_result('bayesnet', payload)}")
    failed = [row["kind"] for row in result["rows"] if not row["check_passed"]]
    if failed:
        print(f"answers differ from pgmpy's for {failed}", file=sys.stderr)
        return 1
    return 0


def summary_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    """Table rows (benchmark contract): queries/s against pgmpy, one row per query kind."""
    rows = []
    for row in result["rows"]:
        rates = row["queries_per_s"]
        batched = rates.get("gen_jax_batched")
        extra = "" if batched is None else f" ({batched:.0f} batched)"
        rows.append(
            {
                "benchmark": "bayesnet",
                "case": f"{row['kind']}, {result['config']['nodes']} nodes",
                "gen_jax": f"{rates['gen_jax']:.1f} q/s{extra}",
                "peer": f"pgmpy {rates['pgmpy']:.1f} q/s",
                "ratio": f"{row['ratio_gen_jax_over_pgmpy']:.1f}",
            }
        )
    return rows


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
