"""Fixtures for the data tests: TFDS mocked without TensorFlow."""

from __future__ import annotations

import contextlib

import pytest


@pytest.fixture
def mock_tfds(monkeypatch):
    """Returns ``mock(num_examples)``, a context manager in which ``tfds.data_source`` serves
    random but deterministic fake examples that follow each data set's real feature spec.

    ``tfds.testing.mock_data`` drives ``tfds.data_source`` without TensorFlow in
    tensorflow-datasets 4.9.10, except for one bug: it installs its batched reader as a
    plain instance attribute ``__getitems__ = functools.partial(_getitems, generator=...)``,
    so the mock never receives ``self`` and every batched read fails with
    ``_getitems() missing 1 required positional argument: 'record_keys'``. We replace the
    module-level ``_getitems`` it binds with one that does not need ``self``.
    """
    tfds = pytest.importorskip("tensorflow_datasets")
    from tensorflow_datasets.testing import mocking

    def getitems_without_self(record_keys, generator, serialized=False):
        assert not serialized, "gen_jax reads decoded examples only"
        return [generator[key] for key in record_keys]

    monkeypatch.setattr(mocking, "_getitems", getitems_without_self)

    @contextlib.contextmanager
    def mock(num_examples: int):
        with tfds.testing.mock_data(
            num_examples=num_examples, policy=tfds.testing.MockPolicy.USE_CODE
        ):
            yield tfds

    return mock
