"""Topics of Python's own help text: LDA on the embedded ``pydoc_data`` corpus.

The survey (section on latent Dirichlet allocation) describes LDA's two uses: topic analysis
of a corpus, and generating a document similar to an existing one (infer its topic mixture,
then sample words). The source gives no corpus, so this experiment uses the help topics that
ship with every CPython (``pydoc_data``), cut into paragraph chunks of about 150 words; a
fifth of the chunks is held out. It fits LDA by batch variational Bayes for each number of
topics in ``run.topic_counts`` and plots per-word perplexity against K under both
definitions (document terms only, held out and training; and scikit-learn's bound with the
corpus-level topic term), and for ``model.n_components`` topics shows the bound per VB
iteration, the top words of each topic with their UMass coherence, and a generated document
similar to a held-out one.
``metrics.jsonl`` holds one record per K (its ``step`` is K).

Command:
    gen-jax run lda_pydoc               # the demo variant
    gen-jax run lda_pydoc:full --workdir runs/lda_pydoc_full

Variants (wall time of the whole command on a shared 2-core CPU, load average about 5):
    tiny: K in (2, 4), 5 iterations, 100-word documents capped at 300 words of vocabulary;
        about 40 s (tests).
    demo: K in (5, 10, 15, 20), 30 iterations; about 1 min (each fit 2 to 10 s,
        compilation included).
    full: K in (5, 10, 15, 20, 30, 40), 100 iterations, tighter per-document E-step.

Expected result (measured on the demo variant): 379 documents (303 for training, 76 held
out) over a vocabulary of 1,331 words (min_df 3, max_df 0.3, English stop words removed).
Held-out per-word perplexity, document terms only (``perplexity(X, corpus_term=False)``),
for K = 5, 10, 15, 20: 781, 704, 669, 677 (training documents: 443, 356, 317, 295);
scikit-learn's bound, which adds the corpus-level topic term: 5,291, 7,699, 11,025, 17,780.
That term does not depend on the documents and grows with K, so on 76 held-out documents it
dominates and the bound rises with K, while the document terms favour K = 15. tiny (K = 4):
held-out 565 (document terms only 197), training documents 165, mean UMass coherence
-36.6. The topics are recognisable parts of the language reference: strings and
formatting, exceptions and try/finally, classes and special methods, numbers and
comparison, import and modules, pattern matching.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"lda_pydoc has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    # max_features 0: no cap on the vocabulary size.
    config.data = dict(
        words_per_document=150, min_df=3, max_df=0.3, max_features=0, test_fraction=0.2
    )
    # n_components: the number of topics of the model shown in detail.
    config.model = dict(
        n_components=10,
        doc_topic_prior=0.1,
        topic_word_prior=0.01,
        method="batch",
        mean_change_tol=1e-3,
    )
    # topic_counts: the numbers of topics compared by perplexity; num_steps: VB iterations
    # (passes over the corpus) per fit.
    config.run = dict(seed=0, num_steps=30, topic_counts=(5, 10, 15, 20))
    config.eval = dict(num_top_words=8)
    if variant == "tiny":
        config.data.update(words_per_document=100, max_features=300)
        config.run.topic_counts = (2, 4)
        config.model.n_components = 4
        config.run.num_steps = 5
    elif variant == "full":
        config.run.topic_counts = (5, 10, 15, 20, 30, 40)
        config.run.num_steps = 100
        config.model.mean_change_tol = 1e-4
    return config
