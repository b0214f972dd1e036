"""Streaming hashing and the checks on src."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import time

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._storage import hashing
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import (
    DigestMismatch,
    InvalidInput,
    StorageError,
)
from ansible_collections.heron.aurora.plugins.module_utils._storage.hashing import (
    HashingChunks,
    SourceDigest,
    SourceFile,
    VerifiedDownload,
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


URI = "s3://heron-packages/topologies/word-count.tar.gz"


def test_verified_download_replaces_destination_only_when_the_digest_matches(tmp_path):
    destination = tmp_path / "word-count.tar.gz"
    destination.write_bytes(b"previous")
    data = os.urandom(64 * 1024 + 3)
    with VerifiedDownload(URI, str(destination)) as target:
        for offset in range(0, len(data), 1000):
            target.write(data[offset:offset + 1000])
        assert destination.read_bytes() == b"previous"
        assert target.commit(hashlib.sha256(data).hexdigest()) == hashlib.sha256(data).hexdigest()
    assert destination.read_bytes() == data and target.size == len(data)
    assert os.listdir(tmp_path) == ["word-count.tar.gz"]


def test_verified_download_refuses_a_digest_that_differs_and_leaves_nothing(tmp_path):
    destination = tmp_path / "word-count.tar.gz"
    recorded = hashlib.sha256(b"what was uploaded").hexdigest()
    with pytest.raises(DigestMismatch) as caught:
        with VerifiedDownload(URI, str(destination)) as target:
            target.write(b"what is stored now")
            target.commit(recorded)
    assert caught.value.uri == URI and caught.value.recorded == recorded
    assert caught.value.actual == hashlib.sha256(b"what is stored now").hexdigest() and URI in str(caught.value)
    assert os.listdir(tmp_path) == []


def test_verified_download_restart_forgets_what_a_failed_attempt_wrote(tmp_path):
    destination = tmp_path / "t.tar.gz"
    with VerifiedDownload(URI, str(destination)) as target:
        target.write(b"half of the first att")
        target.restart()
        target.write(b"whole")
        target.commit(hashlib.sha256(b"whole").hexdigest())
    assert destination.read_bytes() == b"whole" and target.size == 5


def test_verified_download_removes_its_temporary_file_on_any_failure(tmp_path):
    with pytest.raises(RuntimeError):
        with VerifiedDownload(URI, str(tmp_path / "t.tar.gz")) as target:
            target.write(b"part")
            raise RuntimeError("connection lost")
    assert os.listdir(tmp_path) == []


def test_verified_download_into_a_missing_directory_names_it(tmp_path):
    with pytest.raises(StorageError, match="does not exist") as caught:
        with VerifiedDownload(URI, str(tmp_path / "missing" / "t.tar.gz")):
            pass
    assert str(tmp_path / "missing") in str(caught.value) and URI in str(caught.value)


def test_verified_download_onto_a_directory_is_refused(tmp_path):
    (tmp_path / "t.tar.gz").mkdir()
    with pytest.raises(StorageError, match="is a directory"):
        with VerifiedDownload(URI, str(tmp_path / "t.tar.gz")):
            pass


def test_verified_download_gives_a_new_file_the_umask_mode_and_keeps_a_replaced_ones(tmp_path):
    destination = tmp_path / "t.tar.gz"
    previous = os.umask(0o027)
    try:
        with VerifiedDownload(URI, str(destination)) as target:
            target.commit(None)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(destination).st_mode) == 0o640
    os.chmod(destination, 0o604)
    with VerifiedDownload(URI, str(destination)) as target:
        target.commit(None)
    assert stat.S_IMODE(os.stat(destination).st_mode) == 0o604


def test_digest_mismatch_without_a_recorded_digest_says_so():
    error = DigestMismatch(URI, None, None)
    assert "no sha256 recorded" in str(error) and URI in str(error)
