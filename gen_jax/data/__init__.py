"""Data sets as random-access sources, and deterministic, resumable batch iterators.

Everything here returns numpy arrays. Typical use::

    source = load_source("digits", image_size=32, value_range=(-1.0, 1.0))
    batches = BatchIterator(source, batch_size=128, seed=0)
    init_batch = batches.peek()
    batch = next(batches)
    checkpoint_extra = batches.state_dict()
"""

from gen_jax.data.arrays import ArraySource
from gen_jax.data.bag_of_words import (
    BagOfWords,
    Vocabulary,
    bag_of_words,
    build_vocabulary,
    pydoc_documents,
    text_folder_documents,
    tokenize,
)
from gen_jax.data.embedded import DIGITS_IMAGE_SIZES, load_digits
from gen_jax.data.errors import DatasetUnavailableError
from gen_jax.data.iterator import BatchIterator
from gen_jax.data.pydoc_text import pydoc_topic_documents, pydoc_topics_text
from gen_jax.data.registry import DATASETS, load_source, load_split
from gen_jax.data.signals import (
    autoregressive_signals,
    mu_law_decode,
    mu_law_encode,
    signal_dataset,
    sum_of_sines,
)
from gen_jax.data.source import RandomAccessSource
from gen_jax.data.tfds_source import (
    TFDS_DATASETS,
    TfdsImageSource,
    default_tfds_data_dir,
    load_tfds,
)
from gen_jax.data.toys import gaussian_mixture_2d, moons, ring

__all__ = [
    "DATASETS",
    "DIGITS_IMAGE_SIZES",
    "TFDS_DATASETS",
    "ArraySource",
    "BagOfWords",
    "BatchIterator",
    "DatasetUnavailableError",
    "RandomAccessSource",
    "TfdsImageSource",
    "Vocabulary",
    "autoregressive_signals",
    "bag_of_words",
    "build_vocabulary",
    "default_tfds_data_dir",
    "gaussian_mixture_2d",
    "load_digits",
    "load_source",
    "load_split",
    "load_tfds",
    "moons",
    "mu_law_decode",
    "mu_law_encode",
    "pydoc_documents",
    "pydoc_topic_documents",
    "pydoc_topics_text",
    "ring",
    "signal_dataset",
    "sum_of_sines",
    "text_folder_documents",
    "tokenize",
]
