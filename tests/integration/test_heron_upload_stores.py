"""heron_upload behaviour that every store must share, as tables over file://, S3 (moto) and HDFS (MiniDFSCluster):
concurrent versioned publishing, leftovers of killed runs, run as Ansible runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import requests

from harness.collection import COLLECTIONS_ROOT, ensure_collection_path

MIB = 1024 * 1024


@dataclass
class Store:
    """One store of the harness, seen from a test: the module arguments to reach it, a directory of its own,
    and what is in that directory (names, and leftovers of interrupted uploads)."""

    name: str
    directory_uri: str
    args: dict
    names: Callable[[], list[str]]
    exists: Callable[[str], bool]
    # S3 only: keys of the incomplete multipart uploads, all or only those that sent a part.
    incomplete_uploads: Callable[[bool], list[str]] | None = None

    def dest(self, name: str) -> str:
        return f"{self.directory_uri}/{name}"

    def leftovers(self, moved_only: bool = False) -> list[str]:
        """What interrupted uploads left: temporary files, or incomplete multipart uploads (``moved_only``:
        that sent a part)."""
        if self.incomplete_uploads is not None:
            return self.incomplete_uploads(moved_only)
        return [name for name in self.names() if name.endswith(".tmp")]


def file_store(tmp_path) -> Store:
    directory = tmp_path / "store"
    return Store("file", f"file://{directory}", {},
                 names=lambda: sorted(os.listdir(directory)) if directory.exists() else [],
                 exists=lambda uri: Path(uri[len("file://"):]).is_file())


def s3_store(server) -> Store:
    bucket = f"heron-{uuid.uuid4().hex[:12]}"
    client = server.client()
    client.create_bucket(Bucket=bucket)

    def exists(uri: str) -> bool:
        key = uri.split("/", 3)[3]
        return client.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0) == 1

    return Store("s3", f"s3://{bucket}/packages",
                 {"endpoint_url": server.endpoint_url, "access_key": server.access_key,
                  "secret_key": server.secret_key, "region": server.region},
                 names=lambda: sorted(item["Key"].split("/", 1)[1] for item in
                                      client.list_objects_v2(Bucket=bucket).get("Contents", [])),
                 exists=exists,
                 incomplete_uploads=lambda moved_only: incomplete_uploads(client, bucket, moved_only))


def incomplete_uploads(client, bucket: str, moved_only: bool) -> list[str]:
    """moto reports a fixed Initiated time for every upload: only parts carry the real time an upload last moved,
    so a test waits for a part before it measures ages."""
    uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    return [upload["Key"] for upload in uploads if not moved_only or
            client.list_parts(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]).get("Parts")]


def hdfs_store(cluster) -> Store:
    directory = f"/heron/{uuid.uuid4().hex[:10]}"

    def webhdfs(op: str, path: str):
        return requests.get(f"{cluster.namenode_url.rstrip('/')}/webhdfs/v1{path}",
                            params={"op": op, "user.name": "root"}, timeout=30)

    def names() -> list[str]:
        response = webhdfs("LISTSTATUS", directory)
        if response.status_code == 404:
            return []
        return sorted(status["pathSuffix"] for status in response.json()["FileStatuses"]["FileStatus"])

    return Store("hdfs", f"hdfs://{directory}", {"namenode_url": [cluster.namenode_url]}, names=names,
                 exists=lambda uri: webhdfs("GETFILESTATUS", uri[len("hdfs://"):]).status_code == 200)


@pytest.fixture(params=["file", "s3", "hdfs"])
def store(request, tmp_path) -> Store:
    if request.param == "file":
        return file_store(tmp_path)
    if request.param == "s3":
        return s3_store(request.getfixturevalue("s3_server"))
    return hdfs_store(request.getfixturevalue("hdfs_cluster"))


def start_module(args: dict) -> subprocess.Popen:
    """The module in a process of its own, as Ansible starts it, for tests that kill it."""
    ensure_collection_path()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
    env = dict(os.environ, PYTHONPATH=str(COLLECTIONS_ROOT))
    process = subprocess.Popen(  # noqa: S603 - argument list
        [sys.executable, "-m", "ansible_collections.heron.aurora.plugins.modules.heron_upload", handle.name],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    threading.Timer(30, os.unlink, [handle.name]).start()
    return process


def run_concurrently(run_module, argument_sets: list[dict]) -> list[dict]:
    results: list[dict] = [{} for dummy in argument_sets]

    def run(index: int) -> None:
        results[index] = run_module("heron_upload", argument_sets[index])

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(argument_sets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return results


GRACE = 10  # seconds; each run here takes a few, so no run outlives it


def test_concurrent_versioned_runs_never_prune_what_another_publishes(store, run_module, tmp_path):
    """Rounds of three runs that publish three contents to the same dest at once with keep: 1. Every run's
    version must exist when the runs end; versions older than the grace period are still pruned."""
    rounds: list[list[str]] = []
    for number, pause in enumerate((0, 0, GRACE + 1)):
        time.sleep(pause)
        argument_sets = []
        for runner in range(3):
            src = tmp_path / f"topology-{number}-{runner}.tar.gz"
            src.write_bytes(os.urandom(64 * 1024))
            argument_sets.append(dict(store.args, src=str(src), dest=store.dest("topology.tar.gz"), versioned=True,
                                      keep=1, grace_period=GRACE))
        results = run_concurrently(run_module, argument_sets)
        for result in results:
            assert not result.get("failed") and result["changed"], result
        uris = [result["uri"] for result in results]
        assert len(set(uris)) == 3
        missing = [uri for uri in uris if not store.exists(uri)]
        assert missing == [], f"round {number}: versions returned by runs but gone when they ended: {missing}"
        rounds.append(uris)
    # The last round came more than the grace period after the others: their versions were pruned.
    assert sorted(uri.rsplit("/", 1)[1] for uri in rounds[-1]) == [
        name for name in store.names() if not name.endswith(".sha256")]


def wait_for(condition: Callable[[], object], process: subprocess.Popen, what: str, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, f"the module ended before {what}: {process.communicate()}"
        assert time.monotonic() < deadline, f"no {what} within {seconds} s"
        time.sleep(0.01)


def test_leftovers_of_a_killed_upload_are_removed_by_a_later_run(store, run_module, tmp_path):
    big = tmp_path / "big.tar.gz"
    with open(big, "wb") as out:  # sparse: costs no disk, still streams
        out.truncate(2048 * MIB)
    dest = store.dest("heron-core.tar.gz")
    process = start_module(dict(store.args, src=str(big), dest=dest, part_size="5MiB", timeout=60))
    try:
        wait_for(lambda: store.leftovers(moved_only=True), process, "upload in progress")
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    left = store.leftovers()
    assert left, "the killed run left nothing behind to clean"

    small = tmp_path / "small.tar.gz"
    small.write_bytes(b"small" * 1000)
    young = run_module("heron_upload", dict(store.args, src=str(small), dest=dest))
    assert young["changed"] and not young.get("failed"), young
    assert store.leftovers() == left, "leftovers younger than grace_period may belong to a live run: kept"

    time.sleep(2)
    old = run_module("heron_upload", dict(store.args, src=str(small), dest=dest, overwrite="always",
                                          grace_period=1))
    assert old["changed"] and not old.get("failed") and not old.get("warnings"), old
    assert store.leftovers() == [] and store.exists(old["uri"])
