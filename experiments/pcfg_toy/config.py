"""Inside-outside EM recovers a small English-like PCFG from sentences it generated.

Namiot and Ilyushin, "Generative models in machine learning", section IV: a probabilistic
context-free grammar attaches a probability to every rule; a sentence's probability sums
over its parse trees (the inside algorithm) and the grammar is learned from sentences by
inside-outside EM. The source gives no grammar, so this one is hand-written (``GRAMMAR``
below: noun and verb phrases, prepositional attachment, adjectives, unary rules, a
three-symbol rule). Sentences are sampled from it, EM starts from the same rules with
randomly perturbed probabilities, and the run shows the recovered probabilities against
the true ones and Viterbi parse trees of held-out sentences.

Command:
    gen-jax run pcfg_toy              # the demo variant
    gen-jax run pcfg_toy:full --workdir runs/pcfg_toy_full

Variants (wall time of the whole command on a shared 2-core CPU, JIT compilation included):
    tiny: 48 training sentences, at most 3 EM iterations; about 15 s (tests).
    demo: 400 sentences, at most 30 iterations; about 32 s, of which the fit is 21 s.
    full: 3,000 sentences, at most 100 iterations; a few minutes.

Expected result (measured, demo): EM converges (tol 1e-5) in 9 iterations; the mean
log-likelihood per training sentence rises monotonically from -13.20 (the perturbed
start) to -11.18, slightly above the true grammar's -11.25 on the same sentences (400
sentences allow some overfitting; held out: -12.03 against the true grammar's -11.96).
The mean absolute error of the 37 rule probabilities falls from 0.131 to 0.026, and the
Viterbi parses of all 100 held-out sentences under the learned grammar equal those under
the true grammar.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")

GRAMMAR = """
S -> NP VP [0.85] | VP [0.05] | NP VP Adv [0.1]
NP -> Det N [0.45] | Det Adj N [0.15] | Name [0.25] | NP PP [0.15]
VP -> V NP [0.5] | V [0.2] | VP PP [0.2] | V NP NP [0.1]
PP -> P NP [1.0]
Det -> 'the' [0.6] | 'a' [0.3] | 'every' [0.1]
Adj -> 'big' [0.5] | 'old' [0.3] | 'red' [0.2]
N -> 'dog' [0.35] | 'park' [0.25] | 'telescope' [0.2] | 'book' [0.2]
Name -> 'she' [0.5] | 'bob' [0.3] | 'alice' [0.2]
V -> 'saw' [0.4] | 'gave' [0.2] | 'ran' [0.25] | 'read' [0.15]
P -> 'in' [0.5] | 'with' [0.3] | 'on' [0.2]
Adv -> 'today' [0.6] | 'quickly' [0.4]
"""


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"pcfg_toy has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    # Sentences sampled from the true grammar; longer ones than max_length are redrawn and
    # max_depth is the sampler's depth guard.
    config.data = dict(
        grammar=GRAMMAR, num_sentences=400, num_test_sentences=100, max_length=12, max_depth=12
    )
    # EM starts from the true grammar's rules with log-factors of std perturbation applied.
    config.model = dict(perturbation=1.0)
    config.optim = dict(pseudo_count=0.0, tol=1e-5)  # PCFG.fit's options
    config.run = dict(seed=0, num_steps=30)  # num_steps: EM iterations at most
    config.eval = dict(num_parses_shown=3)
    if variant == "tiny":
        config.data.update(num_sentences=48, num_test_sentences=16)
        config.run.num_steps = 3
    elif variant == "full":
        config.data.update(num_sentences=3000, num_test_sentences=500)
        config.run.num_steps = 100
    return config
