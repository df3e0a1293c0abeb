"""Recurrent sequence models (Foster 2019, ch. 6): the LSTM and GRU cells (``cells``), the
window language models (``language_model``), their jitted samplers (``generation``), the
unigram and bigram baselines (``ngram``) and the
encoder-decoder question generator (``question_generator``).
"""

from gen_jax.models.sequence.cells import CELL_KINDS, ResetBeforeGRUCell, make_cell
from gen_jax.models.sequence.generation import (
    generate_from_window,
    most_likely_next_tokens,
    sample_with_temperature,
)
from gen_jax.models.sequence.language_model import RecurrentLanguageModel
from gen_jax.models.sequence.ngram import ngram_cross_entropy
from gen_jax.models.sequence.question_generator import (
    QuestionGenerator,
    greedy_questions,
    with_pretrained_embedding,
)

__all__ = [
    "CELL_KINDS",
    "QuestionGenerator",
    "RecurrentLanguageModel",
    "ResetBeforeGRUCell",
    "generate_from_window",
    "greedy_questions",
    "make_cell",
    "most_likely_next_tokens",
    "ngram_cross_entropy",
    "sample_with_temperature",
    "with_pretrained_embedding",
]
