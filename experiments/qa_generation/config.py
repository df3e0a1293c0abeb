"""The book's question-answer generator (Foster 2019, ch. 6, Experiment 6.2).

A bidirectional GRU tags the document tokens that could be answers; for a chosen answer
span, a GRU encodes the tagger's states of the span's tokens and a GRU decoder, trained
with teacher forcing, writes the question, decoded greedily until ``<END>``. Both
cross-entropies (tags and question words) are minimised with equal weights. The report
shows the tagged spans of held-out documents, the generated questions beside the true
ones, the token F1 of the tagged spans and the exact match of the questions.

Command:
    gen-jax run qa_generation                   # the demo variant
    gen-jax run qa_generation:full --config.data.train_path=.../train.csv \\
        --config.data.test_path=.../test.csv --config.data.glove_path=.../glove.6B.100d.txt
    gen-jax run qa_generation:full --config.data.source=squad     # tfds squad, prepared

Variants:
    tiny: 4 tagger units, 4 steps; seconds (tests).
    demo: the offline set built from Python's pydoc topics (936 "what is|are <subject> ?"
        questions, one per matching sentence, the answer up to four words after the
        verb; 10 % held out), the book's sizes (100-d embedding, GRU 100 x 2, GRU 200),
        Adam 1e-3, batch 32, 1,500 steps (1,041,702 parameters at the 1,665-word
        vocabulary); a few minutes on a 2-core CPU.
    full: NewsQA CSV files and GloVe 6B 100d vectors from user paths (or, with
        ``data.source="squad"``, tfds ``squad``: train / validation, needs the prepared data
        set in ``data.data_dir`` or $TFDS_DATA_DIR), documents of 200 tokens, a 10,000-word
        vocabulary (the book: 9,984), 20,000 steps; for a GPU.

Expected result (demo, measured): span token F1 0.966 and question exact match 0.287 on
the 94 held-out questions after 1,500 steps (363 s at a load average of 9 with another demo
running); the questions get the form ("what is|are ... ?") right and copy frequent
subjects ("what is clause ?"), confusing rare ones ("what are quoted strings ?" for
"what are and byte strings ?"): the decoder sees only the encoder's final state.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"qa_generation has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(embedding_size=100, tagger_size=100, cell="gru")
    config.loss = dict(tag_weight=1.0, question_weight=1.0)
    config.optim = dict(learning_rate=1e-3, eps=1e-7)
    config.data = dict(
        source="pydoc",
        train_path="",
        test_path="",
        data_dir="",
        glove_path="",
        held_out_fraction=0.1,
        max_vocabulary=10_000,
        question_words=5_000,
        max_document_length=40,
        max_answer_length=4,
        max_question_length=8,
        batch_size=32,
    )
    config.run = dict(
        seed=0,
        num_steps=1500,
        log_every=100,
        sample_every=500,
        checkpoint_every=500,
        keep_checkpoints=2,
    )
    config.eval = dict(num_shown=10, eval_batch_size=256)
    if variant == "tiny":
        config.model.update(embedding_size=8, tagger_size=4)
        config.data.update(max_vocabulary=300, question_words=100)
        config.run.update(num_steps=4, log_every=2, sample_every=4, checkpoint_every=4)
        config.eval.update(num_shown=3)
    elif variant == "full":
        config.data.update(
            source="newsqa", max_document_length=200, max_answer_length=10, max_question_length=20
        )
        config.run.update(
            num_steps=20_000, log_every=200, sample_every=2_000, checkpoint_every=2_000
        )
    return config
