"""StorageBackend.download against the harness's real stores: file://, S3 (moto) and HDFS (MiniDFSCluster).

What heron_topology relies on to roll back: a put object comes back byte for byte, through transient failures; an
object that is not what its recorded sha256 vouches for, a missing object and a missing destination directory are
refused with a message naming them, and nothing is left at the destination."""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import requests

from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Deadline
from ansible_collections.heron.aurora.plugins.module_utils._storage.base import StorageBackend
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import (
    DigestMismatch,
    ObjectMissing,
    StorageError,
)
from ansible_collections.heron.aurora.plugins.module_utils._storage.hashing import SourceDigest, SourceFile
from ansible_collections.heron.aurora.plugins.module_utils._storage.hdfs import HdfsBackend, HdfsSettings
from ansible_collections.heron.aurora.plugins.module_utils._storage.localfs import LocalFileBackend
from ansible_collections.heron.aurora.plugins.module_utils._storage.s3 import S3Backend, S3Settings
from ansible_collections.heron.aurora.plugins.module_utils._storage.uri import Location, parse_dest
from harness.faultproxy import FaultProxy, every_nth

MIB = 1024 * 1024
BUDGET = 60


@dataclass
class Store:
    """One store of the harness as a download test sees it: a backend (``through`` gives one whose requests go to
    another base URL, a fault proxy's), a fresh location in it, and a way to alter an object behind the backend's
    back (None for file://, where the content is its own record)."""

    backend: StorageBackend
    location: Location
    through: Callable[[str], StorageBackend] | None
    port: int | None
    tamper: Callable[[Location], None] | None


def file_store(tmp_path: Path) -> Store:
    return Store(LocalFileBackend(Deadline(BUDGET)), parse_dest(f"file://{tmp_path}/store/word-count.tar.gz"),
                 None, None, None)


def s3_store(server) -> Store:
    bucket = f"heron-{uuid.uuid4().hex[:12]}"
    server.client().create_bucket(Bucket=bucket)

    def backend(endpoint_url: str) -> S3Backend:
        return S3Backend(Deadline(BUDGET), S3Settings(endpoint_url=endpoint_url, region=server.region,
                                                      access_key=server.access_key, secret_key=server.secret_key,
                                                      part_size=5 * MIB))

    def replace_content_keep_digest(location: Location) -> None:
        client = server.client()
        recorded = client.head_object(Bucket=location.container, Key=location.path)["Metadata"]
        client.put_object(Bucket=location.container, Key=location.path, Body=b"not what was uploaded",
                          Metadata=recorded)

    return Store(backend(server.endpoint_url), parse_dest(f"s3://{bucket}/topologies/word-count.tar.gz"), backend,
                 server.port, replace_content_keep_digest)


def hdfs_store(cluster) -> Store:
    def backend(namenode_url: str) -> HdfsBackend:
        return HdfsBackend(Deadline(BUDGET), HdfsSettings(namenode_urls=[namenode_url]))

    def replace_digest(location: Location) -> None:
        other = hashlib.sha256(b"not what was uploaded").hexdigest()
        answer = requests.put(f"{cluster.namenode_url}/webhdfs/v1{location.path}", timeout=30, params={
            "op": "SETXATTR", "xattr.name": "user.sha256", "xattr.value": f'"{other}"', "flag": "REPLACE",
            "user.name": "root"})
        answer.raise_for_status()

    return Store(backend(cluster.namenode_url), parse_dest(f"hdfs:///heron/{uuid.uuid4().hex[:10]}/word-count.tar.gz"),
                 backend, int(cluster.namenode_url.rsplit(":", 1)[1]), replace_digest)


@pytest.fixture(params=["file", "s3", "hdfs"])
def store(request, tmp_path) -> Store:
    if request.param == "file":
        return file_store(tmp_path)
    if request.param == "s3":
        return s3_store(request.getfixturevalue("s3_server"))
    return hdfs_store(request.getfixturevalue("hdfs_cluster"))


@pytest.fixture(params=["s3", "hdfs"])
def remote_store(request) -> Store:
    if request.param == "s3":
        return s3_store(request.getfixturevalue("s3_server"))
    return hdfs_store(request.getfixturevalue("hdfs_cluster"))


def put(store: Store, tmp_path: Path, data: bytes) -> str:
    src = tmp_path / "src.tar.gz"
    src.write_bytes(data)
    store.backend.prepare(store.location, check_mode=False)
    return store.backend.put(SourceFile.open_checked(str(src)), store.location, SourceDigest(str(src))).sha256


def fetched_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "fetched"
    directory.mkdir()
    return directory


def test_a_put_object_comes_back_whole_through_transient_failures(store, tmp_path):
    """6 MiB: a multipart object on S3, many chunks everywhere. Remote stores are read through a proxy that answers
    every other GET with 503, so the download retries (HDFS: each NameNode call; S3: the GET itself)."""
    data = os.urandom(6 * MIB + 1)
    sha256 = put(store, tmp_path, data)
    destination = fetched_dir(tmp_path) / "word-count.tar.gz"
    destination.write_bytes(b"the previous deployment")
    if store.through is None:
        got = store.backend.download(store.location, str(destination))
    else:
        with FaultProxy("127.0.0.1", store.port, plan=every_nth(2, 503, methods=("GET",))) as proxy:
            got = store.through(proxy.url).download(store.location, str(destination))
        assert proxy.injected, "no failure was injected"
    assert (got.uri, got.size, got.sha256) == (store.location.uri, len(data), sha256)
    assert destination.read_bytes() == data
    assert os.listdir(destination.parent) == ["word-count.tar.gz"]


def test_an_altered_object_is_refused_and_nothing_is_written(remote_store, tmp_path):
    put(remote_store, tmp_path, os.urandom(64 * 1024))
    remote_store.tamper(remote_store.location)
    destination = fetched_dir(tmp_path) / "word-count.tar.gz"
    destination.write_bytes(b"the previous deployment")
    with pytest.raises(DigestMismatch) as caught:
        remote_store.backend.download(remote_store.location, str(destination))
    assert remote_store.location.uri in str(caught.value)
    assert destination.read_bytes() == b"the previous deployment"
    assert os.listdir(destination.parent) == ["word-count.tar.gz"]


def test_a_missing_object_or_destination_directory_is_named(store, tmp_path):
    destination = fetched_dir(tmp_path) / "word-count.tar.gz"
    missing = store.location.with_name("never-uploaded.tar.gz")
    store.backend.prepare(store.location, check_mode=False)
    with pytest.raises(ObjectMissing, match="does not exist") as caught:
        store.backend.download(missing, str(destination))
    assert caught.value.uri == missing.uri and missing.uri in str(caught.value)
    assert os.listdir(destination.parent) == []

    put(store, tmp_path, b"deployed" * 1000)
    nowhere = tmp_path / "no-such-dir"
    with pytest.raises(StorageError, match="does not exist") as caught:
        store.backend.download(store.location, str(nowhere / "word-count.tar.gz"))
    assert str(nowhere) in str(caught.value) and not nowhere.exists()
