"""Streaming hashing and the checks on src."""

from __future__ import annotations

import hashlib
import os

import pytest

from ansible_collections.heron.aurora.plugins.module_utils.storage.errors import InvalidInput
from ansible_collections.heron.aurora.plugins.module_utils.storage.hashing import (
    BackgroundDigest, HashingChunks, SourceFile, sha256_file,
)


def test_sha256_of_multi_chunk_file_matches_hashlib(tmp_path):
    data = os.urandom(3 * 1024 + 17)
    path = tmp_path / "f"
    path.write_bytes(data)
    assert sha256_file(str(path), chunk_size=1024) == hashlib.sha256(data).hexdigest()


def test_hashing_chunks_yield_whole_file_and_hash_it(tmp_path):
    data = os.urandom(10_000)
    path = tmp_path / "f"
    path.write_bytes(data)
    chunks = HashingChunks(str(path), chunk_size=4096)
    sizes = [len(chunk) for chunk in chunks]
    assert sizes == [4096, 4096, 1808]
    assert chunks.bytes_read == len(data)
    assert chunks.hexdigest == hashlib.sha256(data).hexdigest()


def test_empty_file(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    assert sha256_file(str(path)) == hashlib.sha256(b"").hexdigest()
    assert SourceFile.open_checked(str(path)).size == 0


def test_source_missing(tmp_path):
    with pytest.raises(InvalidInput, match="does not exist") as caught:
        SourceFile.open_checked(str(tmp_path / "nope"))
    assert caught.value.option == "src"


def test_source_directory(tmp_path):
    with pytest.raises(InvalidInput, match="is a directory"):
        SourceFile.open_checked(str(tmp_path))


def test_source_not_regular(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInput, match="not a regular file"):
        SourceFile.open_checked(str(fifo))


def test_source_required():
    with pytest.raises(InvalidInput, match="src is required"):
        SourceFile.open_checked(None)


def test_changed_on_disk(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"one")
    source = SourceFile.open_checked(str(path))
    assert not source.changed_on_disk()
    path.write_bytes(b"one and more")
    assert source.changed_on_disk()


def test_background_digest(tmp_path):
    data = os.urandom(5 * 1024 * 1024 + 3)
    path = tmp_path / "f"
    path.write_bytes(data)
    assert BackgroundDigest(str(path)).result() == hashlib.sha256(data).hexdigest()


def test_cancelled_background_digest_still_answers(tmp_path):
    data = os.urandom(3 * 1024 * 1024)
    path = tmp_path / "f"
    path.write_bytes(data)
    task = BackgroundDigest(str(path), chunk_size=1024)
    task.cancel()
    assert task.result() == hashlib.sha256(data).hexdigest()


def test_background_digest_reports_read_errors(tmp_path):
    with pytest.raises(OSError):
        BackgroundDigest(str(tmp_path / "missing")).result()
