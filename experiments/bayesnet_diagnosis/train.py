"""The chest-clinic network: diagnosis queries, CPT recovery, EM with missing diagnoses,
structure search, and a fully visible sigmoid belief network on the same records."""

from __future__ import annotations

from pathlib import Path

import jax
import matplotlib
import numpy as np
import pandas as pd
from ml_collections import ConfigDict

from gen_jax.core.atomic import save_figure_png
from gen_jax.core.record import record_fit
from gen_jax.estimators.bayesnet import BayesianNetwork
from gen_jax.estimators.fvsbn import FullyVisibleSigmoidBeliefNet
from gen_jax.models.bayesnet import markov_equivalent, structure_score
from gen_jax.viz import write_report

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

# Lauritzen & Spiegelhalter (1988), Table 1 / Fig. 2; nodes in a topological order.
NODES = ("asia", "smoke", "tub", "lung", "bronc", "either", "xray", "dysp")
LABELS = {
    "asia": "visit to Asia",
    "smoke": "smoker",
    "tub": "tuberculosis",
    "lung": "lung cancer",
    "bronc": "bronchitis",
    "either": "tub. or cancer",
    "xray": "positive x-ray",
    "dysp": "dyspnoea",
}
EDGES = [
    ("asia", "tub"),
    ("smoke", "lung"),
    ("smoke", "bronc"),
    ("tub", "either"),
    ("lung", "either"),
    ("either", "xray"),
    ("bronc", "dysp"),
    ("either", "dysp"),
]
STATES = ("no", "yes")
CPTS = {  # parents' axes in the order of EDGES, then the node's own (no, yes)
    "asia": [0.99, 0.01],
    "smoke": [0.5, 0.5],
    "tub": [[0.99, 0.01], [0.95, 0.05]],
    "lung": [[0.99, 0.01], [0.9, 0.1]],
    "bronc": [[0.7, 0.3], [0.4, 0.6]],
    "either": [[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]],  # [tub, lung, either]
    "xray": [[0.95, 0.05], [0.02, 0.98]],
    "dysp": [[[0.9, 0.1], [0.3, 0.7]], [[0.2, 0.8], [0.1, 0.9]]],  # [bronc, either, dysp]
}
DISEASES = ("tub", "lung", "bronc")
PATIENTS = {
    "smoker, dyspnoea, positive x-ray": {"smoke": "yes", "dysp": "yes", "xray": "yes"},
    "visited Asia, dyspnoea, positive x-ray": {"asia": "yes", "dysp": "yes", "xray": "yes"},
    "dyspnoea, positive x-ray": {"dysp": "yes", "xray": "yes"},
    "smoker, dyspnoea, negative x-ray": {"smoke": "yes", "dysp": "yes", "xray": "no"},
    "non-smoker, no dyspnoea, negative x-ray": {"smoke": "no", "dysp": "no", "xray": "no"},
}
POSITIONS = {
    "asia": (0.0, 3.0),
    "smoke": (3.0, 3.0),
    "tub": (0.0, 2.0),
    "lung": (2.0, 2.0),
    "bronc": (4.0, 2.0),
    "either": (1.0, 1.0),
    "xray": (0.0, 0.0),
    "dysp": (3.0, 0.0),
}


def true_network() -> BayesianNetwork:
    return BayesianNetwork(
        EDGES, nodes=NODES, state_names={node: STATES for node in NODES}, cpts=CPTS
    )


def train(config: ConfigDict, workdir: str | Path) -> dict[str, float]:
    """Run the five parts; returns the final metrics."""
    workdir = Path(workdir)
    data, seed = config.data, config.run.seed
    keys = jax.random.split(jax.random.key(seed), 5)
    truth = true_network()
    records = _as_frame(truth.sample(data.num_records, key=keys[0]))
    test = _as_frame(truth.sample(data.num_test_records, key=keys[1]))
    final, images = {}, {}

    # 1. Diagnosis: exact posteriors, MAP, likelihood weighting.
    fitted = BayesianNetwork(EDGES, nodes=NODES, state_names=_names()).fit(records)
    rows = []
    for number, (patient, evidence) in enumerate(PATIENTS.items(), start=1):
        row = [patient]
        for disease in DISEASES:
            exact = truth.query(disease, evidence)[1]
            row += [f"{exact:.3f}", f"{fitted.query(disease, evidence)[1]:.3f}"]
            final[f"patient{number}_p_{disease}"] = exact
        rows.append(row)
    columns = ["patient (evidence)"]
    for disease in DISEASES:
        columns += [f"P({disease}) true", f"P({disease}) fitted"]
    images["P(disease = yes | evidence): the true network and the one refitted (MLE)"] = (
        _save_table(workdir / "samples" / "diagnosis_queries.png", columns, rows)
    )
    first_patient = next(iter(PATIENTS.values()))
    diagnosis, probability = truth.map_query(list(DISEASES), first_patient)
    for disease in DISEASES:
        final[f"map_{disease}_is_yes"] = float(diagnosis[disease] == "yes")
    final["map_probability"] = probability
    second_patient = list(PATIENTS.values())[1]
    weighted = truth.likelihood_weighting(
        "tub", second_patient, num_samples=config.eval.num_weighting_samples, key=keys[2]
    )
    final["likelihood_weighting_p_tub_patient2"] = weighted[1]

    # 2. CPT recovery from complete records.
    bdeu = BayesianNetwork(
        EDGES,
        nodes=NODES,
        state_names=_names(),
        prior="bdeu",
        **config.model,
    ).fit(records)
    final["mle_max_cpt_error"] = _max_cpt_error(fitted, truth, records)
    final["bdeu_max_cpt_error"] = _max_cpt_error(bdeu, truth, records)
    final["test_log_likelihood_true"] = truth.score(test)
    final["test_log_likelihood_mle"] = fitted.score(test)
    final["test_log_likelihood_bdeu"] = bdeu.score(test)

    # 3. EM when diagnoses are missing for some patients.
    hidden = records.copy().astype(object)
    rng = np.random.default_rng(seed)
    for disease in (*DISEASES, "either"):
        hidden.loc[rng.random(len(hidden)) < data.missing_fraction, disease] = None
    em = BayesianNetwork(
        EDGES,
        nodes=NODES,
        state_names=_names(),
        prior="bdeu",
        **config.model,
        tol=0.0,
        max_iter=config.run.num_steps,
    ).fit(hidden, key=keys[3])
    final["em_iterations"] = em.n_iter_
    final["em_max_cpt_error"] = _max_cpt_error(em, truth, records)
    final["test_log_likelihood_em"] = em.score(test)

    # 4. Structure search.
    learned = BayesianNetwork.from_structure_search(
        records,
        **config.optim.search,
        random_state=seed,
    )
    search = learned.search_result_
    comparison = _compare_edges(search.edges)
    final.update({f"edges_{kind}": len(edges) for kind, edges in comparison.items()})
    final["structural_hamming_distance"] = (
        len(comparison["extra"]) + len(comparison["missing"]) + len(comparison["reversed"])
    )
    final["markov_equivalent_to_truth"] = float(markov_equivalent(search.edges, EDGES))
    final["bic_learned"] = search.score
    final["bic_true_dag"] = structure_score(records, EDGES)
    final["test_log_likelihood_learned_dag"] = learned.score(test)
    images["The chest-clinic DAG (left) and the one learned by hill climbing on BIC (right)"] = (
        _draw_dags(workdir / "samples" / "dags.png", comparison)
    )

    # 5. The logistic autoregressive model on the same binary records.
    binary = (records.to_numpy() == "yes").astype(np.int64)
    fvsbn = FullyVisibleSigmoidBeliefNet(**config.optim.fvsbn).fit(binary, key=keys[4])
    final["test_log_likelihood_fvsbn"] = fvsbn.score((test.to_numpy() == "yes").astype(np.int64))

    # The EM curve, and the refitted (MLE) CPTs as the checkpoint (step 1).
    record_fit(
        workdir,
        history={"em_observed_log_likelihood": em.log_likelihood_history_},
        state=fitted.cpts_,
        step=1,
        meta={"seed": seed, "edges": EDGES},
    )
    final = {key: float(value) for key, value in final.items()}
    write_report(
        workdir,
        title="Diagnosis with a Bayesian network: the chest clinic (Lauritzen & Spiegelhalter)",
        config=config.to_dict(),
        final_metrics=final,
        images={caption: str(path) for caption, path in images.items()},
    )
    return final


def _names() -> dict[str, tuple[str, str]]:
    return {node: STATES for node in NODES}


def _as_frame(samples: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({node: np.asarray(STATES)[samples[:, j]] for j, node in enumerate(NODES)})


def _max_cpt_error(model: BayesianNetwork, truth: BayesianNetwork, records) -> float:
    """The largest |fitted - true| CPT entry over parent configurations seen >= 100 times."""
    values = np.column_stack([(records[node] == "yes").to_numpy() for node in NODES])
    worst = 0.0
    for node in NODES:
        parents = [NODES.index(p) for p in truth.parents_[node]]
        configs = (
            np.unique(values[:, parents], axis=0, return_counts=True)
            if parents
            else (np.zeros((1, 0), bool), [len(values)])
        )
        for config, count in zip(*configs, strict=True):
            if count >= 100:
                index = tuple(int(v) for v in config)
                error = np.abs(model.cpts_[node][index] - truth.cpts_[node][index]).max()
                worst = max(worst, float(error))
    return worst


def _compare_edges(found) -> dict[str, list[tuple[str, str]]]:
    truth, found = set(EDGES), set(found)
    reversed_ = {(a, b) for a, b in found if (b, a) in truth}
    return {
        "correct": sorted(found & truth),
        "reversed": sorted(reversed_),
        "extra": sorted(found - truth - reversed_),
        "missing": sorted(e for e in truth - found if (e[1], e[0]) not in found),
    }


def _draw_dags(path: Path, comparison) -> Path:
    figure = Figure(figsize=(10, 4.2))
    true_axis, learned_axis = figure.subplots(1, 2)
    _draw(true_axis, [(edge, "black", "-") for edge in EDGES], "true network")
    styled = (
        [(e, "tab:green", "-") for e in comparison["correct"]]
        + [(e, "tab:orange", "-") for e in comparison["reversed"]]
        + [(e, "tab:red", "-") for e in comparison["extra"]]
        + [(e, "grey", ":") for e in comparison["missing"]]
    )
    _draw(
        learned_axis,
        styled,
        "learned: green correct, orange reversed, red extra, dotted missing",
    )
    return save_figure_png(path, figure)


def _draw(axis, edges, title: str) -> None:
    for (parent, child), color, style in edges:
        axis.annotate(
            "",
            xy=POSITIONS[child],
            xytext=POSITIONS[parent],
            arrowprops=dict(
                arrowstyle="-|>", color=color, linestyle=style, shrinkA=18, shrinkB=18, lw=1.5
            ),
        )
    for node, (x, y) in POSITIONS.items():
        axis.text(
            x,
            y,
            LABELS[node],
            ha="center",
            va="center",
            fontsize=8,
            bbox=dict(boxstyle="round", facecolor="lightyellow", edgecolor="grey"),
        )
    axis.set(xlim=(-0.8, 4.8), ylim=(-0.5, 3.5), title=title)
    axis.title.set_fontsize(9)
    axis.axis("off")


def _save_table(path: Path, columns, rows) -> Path:
    figure = Figure(figsize=(12, 0.4 * (len(rows) + 2)))
    axis = figure.add_subplot()
    axis.axis("off")
    table = axis.table(cellText=rows, colLabels=columns, loc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.auto_set_column_width(list(range(len(columns))))
    return save_figure_png(path, figure)
