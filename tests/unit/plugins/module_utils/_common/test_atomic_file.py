"""The one atomic replacement of a local file, on real temporary directories: the old file or the new one, never a
part; the temporary removed on failure; the mode given, or the replaced file's; the owner kept when run as root."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._common import atomic_file


def names(directory) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def test_replaces_the_file_with_the_mode_given(tmp_path):
    target = tmp_path / "scheduler.yaml"
    target.write_bytes(b"old\n")
    os.chmod(target, 0o644)
    atomic_file.write_atomically(str(target), b"new\n", 0o600)
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert names(tmp_path) == ["scheduler.yaml"]


def test_without_a_mode_a_replaced_file_keeps_its_own_and_a_new_one_follows_the_umask(tmp_path):
    kept = tmp_path / "kept"
    kept.write_bytes(b"old")
    os.chmod(kept, 0o640)
    atomic_file.write_atomically(str(kept), b"new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    previous = os.umask(0o027)
    try:
        atomic_file.write_atomically(str(tmp_path / "fresh"), b"new")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "fresh").stat().st_mode) == 0o640


def test_root_keeps_the_owner_of_the_replaced_file(tmp_path, monkeypatch):
    """Run as root, the temporary file is given the replaced file's owner before the rename. Only root may chown,
    so os.geteuid and os.chown stand for root's here, and the test runs as any user."""
    target = tmp_path / "uploader.yaml"
    target.write_bytes(b"old")
    owner = (target.stat().st_uid, target.stat().st_gid)
    given = []
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(os, "chown", lambda path, uid, gid: given.append((os.path.dirname(path), uid, gid)))
    atomic_file.write_atomically(str(target), b"new", 0o600)
    assert given == [(str(tmp_path), *owner)] and target.read_bytes() == b"new"


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "scheduler.yaml"
    target.write_bytes(b"old\n")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_file.write_atomically(str(target), b"new\n", 0o644)
    assert target.read_bytes() == b"old\n"
    assert names(tmp_path) == ["scheduler.yaml"]


def test_an_error_in_the_block_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "package.tar.gz"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_file.replacing(str(target)) as (handle, temporary):
        handle.write(b"half of the new")
        assert os.path.dirname(temporary) == str(tmp_path)
        raise RuntimeError("the source changed while it was read")
    assert target.read_bytes() == b"old"
    assert names(tmp_path) == ["package.tar.gz"]


def test_the_file_and_then_its_directory_are_synced_before_and_after_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor):
        kind = "directory" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "file"
        events.append(f"fsync {kind}")
        real_fsync(descriptor)

    def replace(src, dst):
        events.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    atomic_file.write_atomically(str(tmp_path / "heron.aurora"), b"jobs = []\n", 0o644)
    assert events == ["fsync file", "rename", "fsync directory"]
