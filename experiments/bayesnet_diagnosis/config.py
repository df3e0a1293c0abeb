"""Diagnosis with a Bayesian network: the chest-clinic ("Asia") network of Lauritzen &
Spiegelhalter (1988), standing in for the source's patient-diagnosis example.

The survey (§6) asks for P(disease | symptoms) in a disease/symptom network and gives no
numbers, so this uses the classic eight-node chest clinic: a visit to Asia and smoking
(risk factors), tuberculosis, lung cancer and bronchitis (diseases), their deterministic
"either tuberculosis or cancer", and the findings x-ray and dyspnoea. Five parts:

1. Exact posteriors of the three diseases for a set of patients (variable elimination),
   a MAP diagnosis of all three at once, and a likelihood-weighting estimate of one query.
2. Sampled patient records refitted (MLE and BDeu): CPT recovery, held-out likelihood.
3. EM when the diseases are recorded for only some patients (missing cells).
4. Hill climbing on BIC (with restarts) recovering the graph from the records; the true
   and learned DAGs drawn with correct, extra and missing edges marked.
5. A fully visible sigmoid belief network (logistic autoregressive model) on the same
   binary records, its held-out likelihood against the network's.

Command:
    gen-jax run bayesnet_diagnosis            # the demo variant
    gen-jax run bayesnet_diagnosis:full --workdir runs/bayesnet_diagnosis_full

Variants (2-core CPU, shared and loaded, process start included): tiny about 30 s (tests);
demo about 30 s; full about a minute.

Expected result (measured, demo, 20,000 records): P(lung cancer | smoker, dyspnoea,
positive x-ray) = 0.724; P(tuberculosis | visited Asia, dyspnoea, positive x-ray) = 0.392
against 0.114 without the visit (likelihood weighting: 0.392); the MAP diagnosis of the
smoker with both findings is lung cancer and bronchitis without tuberculosis (probability
0.47). Refitted CPT entries (parent configurations seen >= 100 times) are within 0.028 of
the truth (MLE and BDeu), 0.032 for EM with half the diagnoses missing; held-out
log-likelihood per record: truth -2.2468, MLE -2.2480, EM -2.2489, learned DAG -2.2480,
FVSBN -2.2607. Hill climbing with 40 restarts returns a DAG Markov-equivalent to the true
one (two edges reversed within the class) with the same BIC; without restarts it stops at a
local optimum with an extra lung -> tuberculosis edge.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"bayesnet_diagnosis has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    # Sampled patient records for fitting, held-out ones for log-likelihoods, and the
    # fraction of disease cells hidden for the EM part.
    config.data = dict(num_records=20_000, num_test_records=5_000, missing_fraction=0.5)
    config.model = dict(equivalent_sample_size=5.0)  # the BDeu prior's
    # Hill climbing's restarts and perturbation moves; the FVSBN's optimiser.
    config.optim = dict(
        search=dict(restarts=40, perturb=8), fvsbn=dict(learning_rate=0.05, max_iter=500)
    )
    config.run = dict(seed=0, num_steps=50)  # num_steps: EM iterations (max_iter)
    config.eval = dict(num_weighting_samples=100_000)
    if variant == "tiny":
        config.data.update(num_records=2_000, num_test_records=1_000)
        config.run.num_steps = 10
        config.optim.search.restarts = 2
        config.eval.num_weighting_samples = 10_000
        config.optim.fvsbn.max_iter = 50
    elif variant == "full":
        config.data.update(num_records=100_000, num_test_records=20_000)
        config.run.num_steps = 100
        config.optim.search.restarts = 100
        config.eval.num_weighting_samples = 1_000_000
        config.optim.fvsbn.max_iter = 1000
    return config
