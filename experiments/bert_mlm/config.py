"""BERT's masked language model on the sentences of Python's help text (Devlin et al. 2018).

A bidirectional post-norm Transformer encoder reads word-level sentences in which 15 % of
the words were chosen (80 % of those replaced by ``[MASK]``, 10 % by a random word, 10 %
kept) and predicts the original word at the chosen positions; the corruption is drawn
afresh at every step. Sentences are lowercased word tokens, the most frequent
``vocabulary_size - 3`` words kept (the rest become ``[UNK]``), padded to ``max_length``
and never attended to past their end. The report gives the masked-token accuracy on
held-out sentences (the last 10 %) beside a unigram baseline that always guesses the most
frequent training word, and the attention maps of one held-out sentence (the one with the
fewest unknown words).

Command:
    gen-jax run bert_mlm                      # the demo variant
    gen-jax run bert_mlm:full --workdir runs/bert_shakespeare   # needs tfds tiny_shakespeare

Variants:
    tiny: one block of width 16 without dropout, 4 steps; seconds (tests).
    demo: 2 blocks, 4 heads, width 128, sentences of up to 32 words, 1,000-word
        vocabulary, batch 32, 1,000 steps.
    full: BERT-base sizes (12 blocks, 12 heads, width 768, dropout 0.1) on the
        sentences of tfds ``tiny_shakespeare`` with up to 64 words, 20,000 steps; meant
        for a GPU.

Expected result (demo, measured before the attention sentence was chosen by its unknown
words: 4 min 42 s wall, 1 min 45 s CPU, on the shared 2-core machine at load average 9):
the training loss falls from 6.59 nats per chosen word (first 50 steps) to 4.96; on the
668 chosen words of the held-out sentences the model restores 16.3 % (15.0 % at step
500), against 7.6 % for the unigram guess of the most frequent word. About 7 % of all
positions are chosen: 15 % of the real words, padding never. In the attention maps most
heads send every position to one or two fixed words of the sentence (often "the"); the
maps differ from head to head.
"""

from __future__ import annotations

from ml_collections import ConfigDict

IN_DEMO_TOUR = False
VARIANTS = ("tiny", "demo", "full")


def get_config(variant: str = "demo") -> ConfigDict:
    """The hyperparameters of ``variant`` (one of ``VARIANTS``)."""
    if variant not in VARIANTS:
        raise ValueError(f"bert_mlm has variants {VARIANTS}, not {variant!r}")
    config = ConfigDict()
    config.model = dict(max_length=32, num_layers=2, num_heads=4, width=128, dropout_rate=0.1)
    config.loss = dict(mask_rate=0.15)
    config.optim = dict(
        learning_rate=1e-3,
        min_learning_rate=1e-4,
        warmup_steps=100,
        decay_steps=1000,
        b1=0.9,
        b2=0.999,
        weight_decay=0.01,
        grad_clip=1.0,
    )
    config.data = dict(
        corpus="pydoc", data_dir="", vocabulary_size=1000, min_words=4, batch_size=32
    )
    config.run = dict(
        seed=0,
        num_steps=1000,
        log_every=50,
        sample_every=500,
        checkpoint_every=500,
        keep_checkpoints=2,
    )
    config.eval = dict(max_held_out_sentences=0, eval_batch_size=256)
    if variant == "tiny":
        config.model.update(num_layers=1, num_heads=2, width=16, dropout_rate=0.0)
        config.optim.update(warmup_steps=2, decay_steps=4)
        config.data.update(vocabulary_size=200, batch_size=16)
        config.run.update(num_steps=4, log_every=2, sample_every=4, checkpoint_every=4)
        config.eval.max_held_out_sentences = 64
    elif variant == "full":
        config.model.update(max_length=64, num_layers=12, num_heads=12, width=768)
        config.optim.update(learning_rate=1e-4, min_learning_rate=1e-5, warmup_steps=1000)
        config.optim.decay_steps = 20_000
        config.data.update(corpus="tiny_shakespeare", vocabulary_size=10_000, batch_size=128)
        config.run.update(num_steps=20_000, log_every=500, sample_every=5000, checkpoint_every=5000)
    return config
