"""file:// backend on real temporary directories."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import stat
import time

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Deadline
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import (
    InvalidInput,
    ObjectMissing,
    StorageError,
)
from ansible_collections.heron.aurora.plugins.module_utils._storage.hashing import SourceDigest, SourceFile
from ansible_collections.heron.aurora.plugins.module_utils._storage.localfs import LocalFileBackend, check_file_mode
from ansible_collections.heron.aurora.plugins.module_utils._storage.uri import parse_dest, version_name_pattern


def digest_of(tmp_path, name="src.bin") -> SourceDigest:
    return SourceDigest(str(tmp_path / name))


def source(tmp_path, data: bytes, name="src.bin") -> SourceFile:
    path = tmp_path / name
    path.write_bytes(data)
    return SourceFile.open_checked(str(path))


def test_put_writes_atomically_and_leaves_no_temp(tmp_path):
    backend = LocalFileBackend(Deadline(10))
    dest = parse_dest(f"file://{tmp_path}/store/core.tar.gz")
    assert backend.prepare(dest, check_mode=False) is True
    data = os.urandom(3 * 1024 * 1024 + 5)
    result = backend.put(source(tmp_path, data), dest, digest_of(tmp_path))
    assert result.sha256 == hashlib.sha256(data).hexdigest() and result.transferred_bytes == len(data)
    assert (tmp_path / "store" / "core.tar.gz").read_bytes() == data
    assert os.listdir(tmp_path / "store") == ["core.tar.gz"]
    stored = backend.stat(dest)
    assert stored.sha256 == result.sha256 and stored.size == len(data)


def test_new_file_gets_umask_mode_replaced_file_keeps_its_mode(tmp_path):
    backend = LocalFileBackend(Deadline(10))
    dest = parse_dest(f"file://{tmp_path}/core.tar.gz")
    previous = os.umask(0o027)
    try:
        backend.put(source(tmp_path, b"one"), dest, digest_of(tmp_path))
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(dest.path).st_mode) == 0o640
    os.chmod(dest.path, 0o604)
    backend.put(source(tmp_path, b"two"), dest, digest_of(tmp_path))
    assert stat.S_IMODE(os.stat(dest.path).st_mode) == 0o604


def test_failure_before_rename_keeps_old_file_and_removes_temp(tmp_path):
    def refuse(path):
        raise OSError("cannot set attributes")

    backend = LocalFileBackend(Deadline(10), set_attributes=refuse)
    dest = parse_dest(f"file://{tmp_path}/store/core.tar.gz")
    os.makedirs(tmp_path / "store")
    (tmp_path / "store" / "core.tar.gz").write_bytes(b"old")
    with pytest.raises(StorageError, match="cannot set attributes"):
        backend.put(source(tmp_path, b"new content"), dest, digest_of(tmp_path))
    assert (tmp_path / "store" / "core.tar.gz").read_bytes() == b"old"
    assert os.listdir(tmp_path / "store") == ["core.tar.gz"]


def test_src_rewritten_since_it_was_checked_is_refused(tmp_path):
    backend = LocalFileBackend(Deadline(10))
    dest = parse_dest(f"file://{tmp_path}/store/core.tar.gz")
    os.makedirs(tmp_path / "store")
    (tmp_path / "store" / "core.tar.gz").write_bytes(b"old")
    checked = source(tmp_path, b"data")
    (tmp_path / "src.bin").write_bytes(b"data, rewritten")
    with pytest.raises(StorageError, match="changed while it was being uploaded"):
        backend.put(checked, dest, digest_of(tmp_path))
    assert (tmp_path / "store" / "core.tar.gz").read_bytes() == b"old"
    assert os.listdir(tmp_path / "store") == ["core.tar.gz"]


def test_attributes_are_applied_to_the_temp_file_before_rename(tmp_path):
    seen = []
    backend = LocalFileBackend(Deadline(10), set_attributes=lambda path: seen.append(path) or True)
    dest = parse_dest(f"file://{tmp_path}/core.tar.gz")
    backend.put(source(tmp_path, b"x"), dest, digest_of(tmp_path))
    assert len(seen) == 1 and seen[0] != dest.path and os.path.dirname(seen[0]) == str(tmp_path)
    assert backend.ensure_attributes(dest, check_mode=False) is True and seen[-1] == dest.path


def test_stat_delete_and_list(tmp_path):
    backend = LocalFileBackend(Deadline(10))
    dest = parse_dest(f"file://{tmp_path}/core.tar.gz")
    assert backend.stat(dest) is None and backend.delete(dest) is False
    for name in ("core-0123456789abcdef.tar.gz", "core-fedcba9876543210.tar.gz", "core.tar.gz", "other.tar.gz"):
        (tmp_path / name).write_bytes(name.encode())
    listed = sorted(item.location.name for item in backend.list_matching(dest, version_name_pattern("core.tar.gz")))
    assert listed == ["core-0123456789abcdef.tar.gz", "core-fedcba9876543210.tar.gz"]
    assert backend.delete(dest) is True and not os.path.exists(dest.path)


def test_directory_as_dest_is_refused(tmp_path):
    backend = LocalFileBackend(Deadline(10))
    (tmp_path / "adir").mkdir()
    with pytest.raises(InvalidInput, match="is a directory"):
        backend.stat(parse_dest(f"file://{tmp_path}/adir"))


def test_parent_that_is_a_file_is_refused(tmp_path):
    backend = LocalFileBackend(Deadline(10))
    (tmp_path / "afile").write_bytes(b"")
    with pytest.raises(InvalidInput, match="not a directory"):
        backend.prepare(parse_dest(f"file://{tmp_path}/afile/core.tar.gz"), check_mode=False)


def test_prepare_in_check_mode_creates_nothing(tmp_path):
    backend = LocalFileBackend(Deadline(10))
    assert backend.prepare(parse_dest(f"file://{tmp_path}/new/dir/core.tar.gz"), check_mode=True) is True
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("mode, accepted", [
    ("0644", True), ("644", True), ("0o750", True), (0o644, True), ("7777", True), ("u=rw,g=r,o=r", True),
    ("u+rwx,g-w", True), ("a=X", True), (None, True),
    ("77777", False), (0o17777, False), (-1, False), ("0o10000", False), ("rw-r--r--", False), ("0648", False),
    ("u=rw;rm -rf /", False),
])
def test_file_modes(mode, accepted):
    if accepted:
        check_file_mode(mode)
    else:
        with pytest.raises(InvalidInput) as caught:
            check_file_mode(mode)
        assert caught.value.option == "mode"


def test_leftovers_older_than_the_bound_of_the_names_asked_for_are_removed(tmp_path):
    backend = LocalFileBackend(Deadline(10))
    dest = parse_dest(f"file://{tmp_path}/core.tar.gz")
    now = time.time()
    files = {
        ".core.tar.gz.ab12cd34.tmp": now - 7200,        # a killed run's, old: removed
        ".core.tar.gz.zz99yy88.tmp": now - 60,          # young: may be a live run's
        ".other.tar.gz.ab12cd34.tmp": now - 7200,       # another destination's
        "core.tar.gz": now - 7200,                      # the destination itself
        ".core.tar.gz.not-a-temp": now - 7200,
    }
    for name, mtime in files.items():
        (tmp_path / name).write_bytes(b"x")
        os.utime(tmp_path / name, (mtime, mtime))
    backend.remove_leftovers(dest, re.compile(r"^core\.tar\.gz$"), 3600)
    assert sorted(os.listdir(tmp_path)) == sorted(set(files) - {".core.tar.gz.ab12cd34.tmp"})
    assert backend.warnings == []


@pytest.mark.parametrize("make", [os.mkfifo, lambda path: socket.socket(socket.AF_UNIX).bind(str(path))])
def test_anything_but_a_regular_file_at_dest_is_refused(tmp_path, make):
    make(tmp_path / "core.tar.gz")
    with pytest.raises(InvalidInput, match="not a regular file") as caught:
        LocalFileBackend(Deadline(10)).stat(parse_dest(f"file://{tmp_path}/core.tar.gz"))
    assert caught.value.option == "dest"


def test_download_copies_the_file_and_returns_its_digest(tmp_path):
    backend = LocalFileBackend(Deadline(10))
    stored = parse_dest(f"file://{tmp_path}/store/core.tar.gz")
    backend.prepare(stored, check_mode=False)
    data = os.urandom(2 * 1024 * 1024 + 7)
    put = backend.put(source(tmp_path, data), stored, digest_of(tmp_path))
    (tmp_path / "fetched").mkdir()
    got = backend.download(stored, str(tmp_path / "fetched" / "core.tar.gz"))
    assert (got.uri, got.size, got.sha256) == (stored.uri, len(data), put.sha256)
    assert (tmp_path / "fetched" / "core.tar.gz").read_bytes() == data
    assert os.listdir(tmp_path / "fetched") == ["core.tar.gz"]


def test_download_of_a_missing_file_says_it_does_not_exist(tmp_path):
    destination = tmp_path / "core.tar.gz"
    destination.write_bytes(b"previous")
    missing = parse_dest(f"file://{tmp_path}/store/core.tar.gz")
    with pytest.raises(ObjectMissing, match="does not exist") as caught:
        LocalFileBackend(Deadline(10)).download(missing, str(destination))
    assert caught.value.uri == missing.uri
    assert destination.read_bytes() == b"previous" and sorted(os.listdir(tmp_path)) == ["core.tar.gz"]


def test_download_of_a_fifo_is_refused_without_reading_it(tmp_path):
    os.mkfifo(tmp_path / "core.tar.gz")
    with pytest.raises(StorageError, match="not a regular file"):
        LocalFileBackend(Deadline(10)).download(parse_dest(f"file://{tmp_path}/core.tar.gz"), str(tmp_path / "out"))
    assert sorted(os.listdir(tmp_path)) == ["core.tar.gz"]


def test_listing_versions_can_remove_their_leftovers_from_the_same_listing(tmp_path, monkeypatch):
    backend = LocalFileBackend(Deadline(10))
    dest = parse_dest(f"file://{tmp_path}/core.tar.gz")
    old = time.time() - 7200
    for name in ("core-0123456789abcdef.tar.gz", ".core-0123456789abcdef.tar.gz.ab12cd34.tmp",
                 ".core.tar.gz.ab12cd34.tmp"):
        (tmp_path / name).write_bytes(b"x")
        os.utime(tmp_path / name, (old, old))
    scans = []
    real_scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: scans.append(path) or real_scandir(path))
    listed = backend.list_matching(dest, version_name_pattern("core.tar.gz"), leftovers_older_than=3600)
    assert [item.location.name for item in listed] == ["core-0123456789abcdef.tar.gz"] and len(scans) == 1
    # The leftover of a version went; the unversioned name's is not one of the names asked for.
    assert sorted(os.listdir(tmp_path)) == [".core.tar.gz.ab12cd34.tmp", "core-0123456789abcdef.tar.gz"]
