"""The occasionally dishonest casino: recover a two-state HMM from die rolls, decode the dice.

Durbin, Eddy, Krogh & Mitchison (1998), Biological Sequence Analysis, §3.2: a casino uses a
fair die and, now and then, a loaded one that shows a six half of the time. A
``CategoricalHMM`` with two states over the six faces is fitted by Baum-Welch to generated
rolls (several sequences of different lengths), and the Viterbi path and the posterior
P(loaded) are plotted against the die actually used. This is the survey's HMM (section III):
likelihood, decoding and learning, plus sampling from the fitted model.

Command:
    gen-jax run hmm_casino               # the demo variant
    gen-jax run hmm_casino:full --workdir runs/hmm_casino_full

Variants (wall time of the whole command on a shared 2-core CPU; the fit itself is 1-2 s):
    tiny: 4 sequences of about 150 rolls, 20 iterations; about 15 s (tests).
    demo: 20 sequences of about 500 rolls (10,000 rolls); about 20 s.
    full: 100 sequences of about 1,000 rolls; about 30 s.

Expected result (measured, demo, seed 0): Baum-Welch from random emissions and a sticky
transition guess converges (tol 1e-4 on the total log-likelihood) in 141 iterations; the
fitted P(six | loaded) is 0.505 (true 0.5), P(fair -> loaded) 0.053 (0.05), P(loaded ->
fair) 0.118 (0.10). Held-out log-likelihood per roll: -1.7362 against the true model's
-1.7352. Viterbi decoding agrees with the die used on 79.9% of the rolls, the true
model's Viterbi path on 80.1%: the fit decodes as well as the truth can.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = True
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"hmm_casino has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    # The true casino (Durbin et al., 1998): state 0 fair, state 1 loaded; sequence lengths
    # vary uniformly in [mean_length / 2, 3 mean_length / 2].
    config.data = dict(
        true_startprob=(0.5, 0.5),
        true_transmat=((0.95, 0.05), (0.10, 0.90)),
        loaded_six_probability=0.5,
        num_sequences=20,
        mean_length=500,
        num_test_sequences=10,
    )
    # Baum-Welch's tol on the total log-likelihood (CategoricalHMM's tol).
    config.model = dict(n_components=2, n_features=6, tol=1e-4)
    # Baum-Welch starts from random emissions and this sticky guess of the transitions (a
    # guess that dice are kept for a while, not the truth); None: the estimator's default.
    config.optim = dict(initial_transmat=((0.9, 0.1), (0.1, 0.9)))
    # num_steps: the most Baum-Welch iterations (CategoricalHMM's n_iter).
    config.run = dict(seed=0, num_steps=200)
    config.eval = dict(plot_rolls=300, num_generated=300)
    if variant == "tiny":
        config.data.update(num_sequences=4, mean_length=150, num_test_sequences=2)
        config.run.num_steps = 20
        config.eval.update(plot_rolls=100, num_generated=100)
    elif variant == "full":
        config.data.update(num_sequences=100, mean_length=1000)
    return config
