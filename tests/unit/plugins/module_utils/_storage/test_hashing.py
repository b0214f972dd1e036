"""Streaming hashing and the checks on src."""

from __future__ import annotations

import hashlib
import os
import threading
import time

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._storage import hashing
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import InvalidInput, StorageError
from ansible_collections.heron.aurora.plugins.module_utils._storage.hashing import (
    HashingChunks,
    SourceDigest,
    SourceFile,
    clean_digest,
    sha256_file,
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


def test_check_unchanged(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"one")
    source = SourceFile.open_checked(str(path))
    source.check_unchanged(3)
    with pytest.raises(StorageError, match="changed while it was being uploaded") as caught:
        source.check_unchanged(2)
    assert caught.value.option == "src"
    path.write_bytes(b"two!")
    with pytest.raises(StorageError, match="changed while"):
        source.check_unchanged()


def test_hashing_chunks_resume_from_a_partial_digest_and_restart_on_retry(tmp_path):
    data = os.urandom(10_000)
    path = tmp_path / "f"
    path.write_bytes(data)
    partial = hashlib.sha256(data[:5000])
    chunks = HashingChunks(str(path), chunk_size=4096, digest=partial, hashed=5000)
    assert b"".join(chunks) == data and chunks.hexdigest == hashlib.sha256(data).hexdigest()
    # A retried upload iterates again: the same result, not the rest hashed twice.
    assert b"".join(chunks) == data and chunks.hexdigest == hashlib.sha256(data).hexdigest()
    assert partial.hexdigest() == hashlib.sha256(data[:5000]).hexdigest()  # the given state is left as it was


def test_source_digest_result(tmp_path):
    data = os.urandom(5 * 1024 * 1024 + 3)
    path = tmp_path / "f"
    path.write_bytes(data)
    digest = SourceDigest(str(path))
    assert digest.result() == hashlib.sha256(data).hexdigest()
    chunks = digest.stream(4096)  # after the whole digest, streaming hashes nothing more and agrees
    assert b"".join(chunks) == data and chunks.hexdigest == hashlib.sha256(data).hexdigest()


def test_source_digest_stream_takes_over_where_the_thread_stopped(tmp_path, monkeypatch):
    data = os.urandom(300_000)
    path = tmp_path / "f"
    path.write_bytes(data)
    started: list[SourceDigest] = []
    paused = threading.Event()
    read_normally = hashing.iter_chunks

    def pause_after_each_chunk_until_stopped(handle, chunk_size):
        for chunk in read_normally(handle, chunk_size):
            yield chunk
            while not started:
                time.sleep(0.001)
            paused.set()
            started[0]._stop.wait(10)

    monkeypatch.setattr(hashing, "iter_chunks", pause_after_each_chunk_until_stopped)
    started.append(SourceDigest(str(path), chunk_size=100_000))
    assert paused.wait(10)
    chunks = started[0].stream(64 * 1024)
    assert started[0]._hashed == 100_000  # the thread got through one chunk, the upload hashes the rest
    assert b"".join(chunks) == data and chunks.hexdigest == hashlib.sha256(data).hexdigest()
    with pytest.raises(RuntimeError, match="after stream"):
        started[0].result()


def test_source_digest_reports_read_errors(tmp_path):
    with pytest.raises(OSError):
        SourceDigest(str(tmp_path / "missing")).result()
    with pytest.raises(OSError):
        SourceDigest(str(tmp_path / "missing")).stream()


@pytest.mark.parametrize("value, expected", [
    ("A" * 64, "a" * 64), (" " + "b" * 64 + "\n", "b" * 64), ("a" * 63, None), ("g" * 64, None), ("", None),
    (None, None),
])
def test_clean_digest(value, expected):
    assert clean_digest(value) == expected
