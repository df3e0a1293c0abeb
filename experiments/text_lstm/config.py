"""The book's LSTM text generator (Foster 2019, ch. 6, Experiment 6.1).

A word-level window language model: ``Embedding(V, 100) -> LSTM(256) -> Dense(V,
softmax)`` reads 20 tokens and predicts the next. The text passes through the book's
pipeline (lower case, punctuation split off, 20 ``|`` tokens before each story) and a
frequency-ordered vocabulary (id 0 reserved), saved as ``vocabulary.json`` in the run.
Sampling runs in one jitted scan over a 20-token buffer at temperatures 0.2, 0.5, 1.0
and 1.5 and stops at ``|``; the report also shows the "human-led" table of the ten most
likely next words after a seed phrase, held-out perplexity beside an add-one unigram and a
Witten-Bell bigram model fitted and scored on the same split, and the held-out loss of the four
variants (LSTM, 2 x LSTM, the book's GRU, bidirectional LSTM) on one plot.

Command:
    gen-jax run text_lstm                      # the demo variant (in the demo tour)
    gen-jax run text_lstm:full --config.data.path=/path/to/aesop.txt   # the book's run

Variants:
    tiny: a 16-unit LSTM, 6 steps on the pydoc text, no variant comparison; seconds
        (tests).
    demo: Python's pydoc help topics (79 stories, 125,481 tokens, a 3,484-word
        vocabulary; the last 10 % of the token stream held out), the book's shape
        (1,609,356 parameters at this vocabulary), RMSprop 3e-3 (the book: 1e-3), batch
        32, 600 steps scored at every position of each window; each variant 100 steps.
        Measured: 379 s at a load average of 9 on 2 cores with another demo running
        (about 2 minutes expected on an idle machine; not measured idle).
    full: Aesop's fables (Gutenberg #11339, a file the user gives: asserts the book's
        4,169 words and 50,416 windows; the LSTM has the book's 1,853,901 parameters),
        scored at the last position only, RMSprop 1e-3, 100 epochs of batch 32 (157,550
        steps), as in the book; meant for a GPU.

Expected result (demo, measured): held-out perplexity 9.5 (2.25 nats per word, each of the
first 2,048 held-out words scored after its 20 predecessors) against 12.1 for the
Witten-Bell bigram and 63.1 for the unigram on the same words; after 100 steps each the
held-out nats per word are GRU 2.59, LSTM 2.68, 2 x LSTM 2.77 and bidirectional LSTM 3.02.
The most likely word after "the for statement is" is "used" (7.7 %). Low temperatures
repeat the markup token "*", frequent in the help text; T = 1.0 reads like documentation.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = True
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"text_lstm has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(
        cell="lstm",
        embedding_size=100,
        hidden_size=256,
        num_layers=1,
        bidirectional=False,
        dropout_rate=0.0,
    )
    config.loss = dict(predict_every_position=True)
    config.optim = dict(learning_rate=3e-3, decay=0.9, eps=1e-7)
    config.data = dict(corpus="pydoc", path="", window=20, held_out_fraction=0.1, batch_size=32)
    config.run = dict(
        seed=0,
        num_steps=600,
        log_every=50,
        sample_every=300,
        checkpoint_every=300,
        keep_checkpoints=2,
    )
    config.eval = dict(
        temperatures=(0.2, 0.5, 1.0, 1.5),
        seed_text="the for statement is",
        num_generated_tokens=40,
        samples_per_temperature=2,
        num_next_tokens=10,
        max_held_out_windows=2048,
        eval_batch_size=512,
        variant_steps=100,  # 0: no comparison of the four variants
        variant_eval_every=25,
    )
    if variant == "tiny":
        config.model.update(embedding_size=8, hidden_size=16)
        config.run.update(num_steps=6, log_every=3, sample_every=6, checkpoint_every=6)
        config.eval.update(
            num_generated_tokens=5,
            samples_per_temperature=1,
            max_held_out_windows=64,
            variant_steps=0,
        )
    elif variant == "full":
        config.data.update(corpus="aesop")
        config.loss.predict_every_position = False
        config.optim.learning_rate = 1e-3
        config.eval.update(
            seed_text="the lion said ,", variant_steps=20_000, variant_eval_every=2_000
        )
        config.run.update(
            num_steps=157_550, log_every=500, sample_every=15_755, checkpoint_every=15_755
        )
    return config
