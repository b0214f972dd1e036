"""heron_upload to file:// destinations (a shared mount in production), run as Ansible runs it."""

from __future__ import annotations

import grp
import hashlib
import json
import os
import pwd
import resource
import signal
import stat
import subprocess
import sys
import tempfile

from harness.collection import COLLECTIONS_ROOT, ensure_collection_path

MIB = 1024 * 1024


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_upload_rerun_change_attributes(run_module, tmp_path):
    src = tmp_path / "heron-core.tar.gz"
    src.write_bytes(os.urandom(2 * MIB + 1))
    dest = tmp_path / "shared" / "heron" / "heron-core.tar.gz"
    args = {"src": str(src), "dest": f"file://{dest}", "mode": "0640"}

    first = run_module("heron_upload", args)
    assert first["changed"] and first["uri"] == f"file://{dest}" and first["backend"] == "file"
    assert dest.read_bytes() == src.read_bytes() and stat.S_IMODE(dest.stat().st_mode) == 0o640
    assert first["transferred_bytes"] == src.stat().st_size

    again = run_module("heron_upload", args)
    assert not again["changed"] and again["transferred_bytes"] == 0 and again["previous_sha256"] == sha(src)

    mode_only = run_module("heron_upload", dict(args, mode="0644"))
    assert mode_only["changed"] and mode_only["transferred_bytes"] == 0
    assert stat.S_IMODE(dest.stat().st_mode) == 0o644

    old = sha(src)
    src.write_bytes(os.urandom(2 * MIB + 1))
    changed = run_module("heron_upload", dict(args, mode="0644"), diff=True)
    assert changed["changed"] and changed["previous_sha256"] == old and dest.read_bytes() == src.read_bytes()
    assert changed["diff"]["before"]["sha256"] == old and changed["diff"]["after"]["sha256"] == sha(src)
    assert sorted(os.listdir(dest.parent)) == ["heron-core.tar.gz"]


def test_owner_and_group(run_module, tmp_path):
    nobody = pwd.getpwnam("nobody")
    group = grp.getgrgid(nobody.pw_gid).gr_name
    src = tmp_path / "x.tar.gz"
    src.write_bytes(b"x" * 1000)
    dest = tmp_path / "x-out.tar.gz"
    args = {"src": str(src), "dest": f"file://{dest}", "owner": "nobody", "group": group}
    result = run_module("heron_upload", args)
    assert result["changed"], result
    assert (dest.stat().st_uid, dest.stat().st_gid) == (nobody.pw_uid, nobody.pw_gid)
    assert not run_module("heron_upload", args)["changed"]


def test_check_mode_writes_nothing(run_module, tmp_path):
    src = tmp_path / "x.tar.gz"
    src.write_bytes(b"content")
    dest = tmp_path / "new" / "x.tar.gz"
    result = run_module("heron_upload", {"src": str(src), "dest": f"file://{dest}"}, check_mode=True, diff=True)
    assert result["changed"] and result["transferred_bytes"] == 0 and result["sha256"] == sha(src)
    assert not (tmp_path / "new").exists()


def test_versioned_keep_and_absent(run_module, tmp_path):
    src = tmp_path / "topology.jar"
    dest = tmp_path / "store" / "topology.jar"
    args = {"src": str(src), "dest": f"file://{dest}", "versioned": True, "keep": 2, "version_digest_length": 64,
            "grace_period": 0}
    uris = []
    for content in (b"one", b"two", b"three"):
        src.write_bytes(content)
        result = run_module("heron_upload", args)
        assert result["uri"] == f"file://{dest.parent}/topology-{sha(src)}.jar"
        uris.append(result["uri"])
    assert result["pruned"] == [uris[0]]
    assert sorted(os.listdir(dest.parent)) == sorted(uri.rsplit("/", 1)[1] for uri in uris[1:])
    absent = run_module("heron_upload", {"dest": f"file://{dest}", "versioned": True, "state": "absent"})
    assert sorted(absent["removed"]) == sorted(uris[1:]) and os.listdir(dest.parent) == []


def test_absent(run_module, tmp_path):
    dest = tmp_path / "x.tar.gz"
    dest.write_bytes(b"old")
    result = run_module("heron_upload", {"dest": f"file://{dest}", "state": "absent"})
    assert result["changed"] and result["previous_sha256"] == hashlib.sha256(b"old").hexdigest()
    assert not dest.exists()
    assert not run_module("heron_upload", {"dest": f"file://{dest}", "state": "absent"})["changed"]


def run_with_file_size_limit(args: dict, limit: int) -> dict:
    """Run the module in a process that may not write files larger than ``limit`` bytes, so the copy fails
    midway with EFBIG, as it would on a full disk."""
    ensure_collection_path()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
    env = dict(os.environ, PYTHONPATH=str(COLLECTIONS_ROOT))

    def limit_writes():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    try:
        proc = subprocess.run(  # noqa: S603 - argument list
            [sys.executable, "-m", "ansible_collections.heron.aurora.plugins.modules.heron_upload", handle.name],
            capture_output=True, text=True, env=env, preexec_fn=limit_writes, timeout=120, check=False,
        )
    finally:
        os.unlink(handle.name)
    return json.loads(proc.stdout)


def test_failure_mid_write_keeps_previous_file_and_leaves_no_temp(tmp_path):
    src = tmp_path / "heron-core.tar.gz"
    dest = tmp_path / "shared" / "heron-core.tar.gz"
    dest.parent.mkdir()
    dest.write_bytes(b"previous version")
    src.write_bytes(os.urandom(8 * MIB))
    result = run_with_file_size_limit({"src": str(src), "dest": f"file://{dest}"}, limit=3 * MIB)
    assert result.get("failed"), result
    assert "File too large" in result["msg"] and "untouched" in result["msg"]
    assert dest.read_bytes() == b"previous version"
    assert os.listdir(dest.parent) == ["heron-core.tar.gz"]

    fresh = tmp_path / "fresh" / "heron-core.tar.gz"
    result = run_with_file_size_limit({"src": str(src), "dest": f"file://{fresh}"}, limit=3 * MIB)
    assert result.get("failed"), result
    assert os.listdir(fresh.parent) == []


def test_uri_is_what_curl_fetches(run_module, tmp_path):
    """heron.aurora fetches file:// packages with curl, which decodes %XX and refuses spaces in URLs."""
    src = tmp_path / "x.tar.gz"
    src.write_bytes(b"fetch me" * 100)
    dest = tmp_path / "shared packages" / "heron core&more.tar.gz"
    result = run_module("heron_upload", {"src": str(src), "dest": f"file://{dest}"})
    assert result["changed"] and dest.read_bytes() == src.read_bytes(), result
    assert " " not in result["uri"] and "&" not in result["uri"]
    fetched = subprocess.run(["curl", "-sS", "--fail", result["uri"]], capture_output=True, check=True, timeout=60)  # noqa: S603, S607 - curl from PATH, as an Aurora agent runs it
    assert fetched.stdout == src.read_bytes()
    assert not run_module("heron_upload", {"src": str(src), "dest": result["uri"]})["changed"]
