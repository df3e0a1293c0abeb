"""Tests for gen_jax.core.atomic: a failed write leaves the old file and no temporary file."""

import os
import stat

import pytest

from gen_jax.core import atomic


def test_write_creates_parents_and_readable_file(tmp_path):
    path = atomic.write_bytes_atomically(tmp_path / "a" / "b" / "page.html", b"new")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_failed_replace_keeps_old_file_and_removes_temporary(tmp_path, monkeypatch):
    path = tmp_path / "page.html"
    path.write_bytes(b"old")

    def crash(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        atomic.write_bytes_atomically(path, b"new")
    assert path.read_bytes() == b"old"
    assert [entry.name for entry in tmp_path.iterdir()] == ["page.html"]
