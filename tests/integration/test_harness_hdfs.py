"""The HDFS of the harness is a real one: WebHDFS, the `hdfs` command, xattrs, permissions and failures behave as on a
cluster.

These tests drive HdfsCluster directly (not through the shared fixtures), so that the harness is checked on its own.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import uuid
from pathlib import Path

import pytest
import requests
from hdfs import HdfsError, InsecureClient

from harness.hdfs import CLASSES_DIR, CLASSPATH_FILE, HdfsCluster, prepare_classpath
from harness.service import ServiceError

# Its module-scoped fixtures are built once: every test of the file runs on the same pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("test_harness_hdfs")

# Generous bounds: they only turn a hang into a failure, they are not what the tests measure.
CLIENT_TIMEOUT = 30
COMMAND_TIMEOUT = 180


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    service = HdfsCluster(tmp_path_factory.mktemp("harness-hdfs"))
    service.start()
    rss_kib = _rss_kib(service.process.pid)
    print(f"\nHDFS healthy after {service.startup_seconds:.1f} s, JVM RSS {rss_kib / 1024:.0f} MiB, "
          f"{service.endpoints()}")
    yield service
    print(f"\nHDFS JVM RSS after the module's tests: {_rss_kib(service.process.pid) / 1024:.0f} MiB")
    service.stop()


@pytest.fixture
def client(cluster):
    return InsecureClient(cluster.namenode_url, user=cluster.superuser, timeout=CLIENT_TIMEOUT)


@pytest.fixture
def base_path(client):
    """A fresh directory per test, so tests sharing the module's cluster do not see each other's files."""
    path = f"/harness-test/{uuid.uuid4().hex}"
    client.makedirs(path)
    return path


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")


def hdfs_dfs(cluster: HdfsCluster, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([cluster.hdfs_command, "dfs", *args], capture_output=True, text=True,  # noqa: S603 - argument list, no shell
                          timeout=COMMAND_TIMEOUT, check=False)


def webhdfs(cluster: HdfsCluster, method: str, path: str, **params: str) -> requests.Response:
    params.setdefault("user.name", cluster.superuser)
    return requests.request(method, f"{cluster.namenode_url}/webhdfs/v1{path}", params=params,
                            timeout=CLIENT_TIMEOUT)


# --- the service itself -------------------------------------------------------------------------

def test_endpoints_describe_the_running_cluster(cluster, client):
    endpoints = cluster.endpoints()

    assert endpoints == {
        "namenode_url": cluster.namenode_url,
        "fs_uri": cluster.fs_uri,
        "hdfs_command": cluster.hdfs_command,
        "superuser": cluster.superuser,
    }
    assert cluster.fs_uri.startswith("hdfs://127.0.0.1:")
    assert os.access(cluster.hdfs_command, os.X_OK)
    # The superuser is who owns the root directory of a freshly formatted file system.
    assert client.status("/")["owner"] == cluster.superuser
    assert cluster.live_datanodes() == 1


def test_prepare_classpath_reuses_the_cached_build(cluster):
    compiled = CLASSES_DIR / "MiniHdfs.class"
    before = (compiled.stat().st_mtime_ns, CLASSPATH_FILE.stat().st_mtime_ns)

    classpath = prepare_classpath()

    assert (compiled.stat().st_mtime_ns, CLASSPATH_FILE.stat().st_mtime_ns) == before
    entries = classpath.split(os.pathsep)
    assert entries[0] == str(CLASSES_DIR)
    assert any(Path(entry).name.startswith("hadoop-client-minicluster-") for entry in entries)


# --- clients: WebHDFS and the hdfs command ---------------------------------------------------------

def test_file_written_through_webhdfs_is_read_back_with_hdfs_dfs_get(cluster, client, base_path, tmp_path):
    payload = os.urandom(3 * 1024 * 1024 + 17)
    client.write(f"{base_path}/payload.bin", data=payload)
    local = tmp_path / "payload.bin"

    result = hdfs_dfs(cluster, "-get", f"{cluster.fs_uri}{base_path}/payload.bin", str(local))

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert local.read_bytes() == payload


def test_hdfs_dfs_put_ls_cat_and_test_behave_as_fsshell(cluster, client, base_path, tmp_path):
    local = tmp_path / "topology.tar.gz"
    local.write_bytes(b"not really a tarball\n")
    remote = f"{cluster.fs_uri}{base_path}/topology.tar.gz"

    put = hdfs_dfs(cluster, "-put", str(local), remote)
    listing = hdfs_dfs(cluster, "-ls", f"{cluster.fs_uri}{base_path}")
    cat = hdfs_dfs(cluster, "-cat", remote)
    exists = hdfs_dfs(cluster, "-test", "-e", remote)
    missing = hdfs_dfs(cluster, "-test", "-e", f"{remote}.missing")
    get_missing = hdfs_dfs(cluster, "-get", f"{remote}.missing", str(tmp_path / "nothing"))

    assert put.returncode == 0, put.stderr
    assert f"{base_path}/topology.tar.gz" in listing.stdout
    assert cat.stdout == "not really a tarball\n"
    assert (exists.returncode, missing.returncode) == (0, 1)
    assert get_missing.returncode == 1
    assert "No such file or directory" in get_missing.stderr
    assert not (tmp_path / "nothing").exists()
    with client.read(f"{base_path}/topology.tar.gz") as reader:
        assert reader.read() == b"not really a tarball\n"


def test_hdfs_version_reports_the_hadoop_release(cluster):
    result = subprocess.run([cluster.hdfs_command, "version"], capture_output=True, text=True,  # noqa: S603 - argument list, no shell
                            timeout=COMMAND_TIMEOUT, check=False)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"Hadoop {cluster.hadoop_version}"


def test_xattr_user_sha256_is_stored_and_read_through_webhdfs(cluster, client, base_path):
    payload = b"heron topology package"
    digest = hashlib.sha256(payload).hexdigest()
    path = f"{base_path}/package.tar.gz"
    client.write(path, data=payload)

    stored = webhdfs(cluster, "PUT", path, op="SETXATTR", **{
        "xattr.name": "user.sha256", "xattr.value": f'"{digest}"', "flag": "CREATE"})
    read = webhdfs(cluster, "GET", path, op="GETXATTRS", encoding="text", **{"xattr.name": "user.sha256"})
    from_shell = hdfs_dfs(cluster, "-getfattr", "-n", "user.sha256", f"{cluster.fs_uri}{path}")

    assert stored.status_code == 200, stored.text
    assert read.json() == {"XAttrs": [{"name": "user.sha256", "value": f'"{digest}"'}]}
    assert f'user.sha256="{digest}"' in from_shell.stdout.splitlines()


def test_permissions_are_enforced_for_other_users(cluster, client, base_path):
    client.write(f"{base_path}/private/secret.txt", data=b"only for the owner")
    client.set_permission(f"{base_path}/private", "700")
    stranger = InsecureClient(cluster.namenode_url, user="stranger", timeout=CLIENT_TIMEOUT)

    with pytest.raises(HdfsError, match="Permission denied"):
        with stranger.read(f"{base_path}/private/secret.txt") as reader:
            reader.read()
    with pytest.raises(HdfsError, match="Permission denied"):
        stranger.write(f"{base_path}/private/planted.txt", data=b"x")


# --- failures: the DataNode goes away, the whole cluster dies ------------------------------------------

def test_writes_fail_with_an_error_while_the_datanode_is_stopped(cluster, client, base_path, tmp_path):
    local = tmp_path / "small.txt"
    local.write_text("small\n")
    with cluster.datanode_stopped():
        assert cluster.live_datanodes() == 0
        with pytest.raises(HdfsError, match="Failed to find datanode"):
            client.write(f"{base_path}/while-down.bin", data=b"data")
        put = hdfs_dfs(cluster, "-put", str(local), f"{cluster.fs_uri}{base_path}/while-down.txt")
        assert put.returncode == 1
        assert "There are 0 datanode(s) running" in put.stderr

    assert cluster.live_datanodes() == 1
    client.write(f"{base_path}/after.bin", data=b"back again")
    put = hdfs_dfs(cluster, "-put", str(local), f"{cluster.fs_uri}{base_path}/after.txt")
    assert put.returncode == 0, put.stderr
    with client.read(f"{base_path}/after.bin") as reader:
        assert reader.read() == b"back again"


def test_stopping_the_datanode_mid_upload_breaks_the_upload(cluster, client, base_path):
    chunk = b"u" * (1024 * 1024)
    chunks_sent = []

    def upload():
        for index in range(64):
            if index == 2:
                cluster.stop_datanode()
            chunks_sent.append(index)
            yield chunk

    try:
        with pytest.raises((requests.exceptions.ConnectionError, HdfsError)):
            client.write(f"{base_path}/interrupted.bin", data=upload())
    finally:
        cluster.start_datanode()

    assert len(chunks_sent) < 64
    # Whatever the NameNode was told before the DataNode went away, it is far from the whole file.
    status = client.status(f"{base_path}/interrupted.bin", strict=False)
    assert status is None or status["length"] < 64 * len(chunk)


def test_killed_cluster_fails_calls_fast_and_restarts_with_its_files(tmp_path):
    cluster = HdfsCluster(tmp_path / "hdfs")
    cluster.start()
    try:
        client = InsecureClient(cluster.namenode_url, user=cluster.superuser, timeout=CLIENT_TIMEOUT)
        client.write("/survivor.txt", data=b"still here")
        urls = cluster.endpoints()

        cluster.kill()

        with pytest.raises(ServiceError, match="died"):
            cluster.check_alive()
        with pytest.raises(ServiceError, match="died"):
            cluster.stop_datanode()
        with pytest.raises(requests.exceptions.ConnectionError):
            client.status("/")
        listing = hdfs_dfs(cluster, "-ls", f"{urls['fs_uri']}/")
        assert listing.returncode == 1
        assert "Connection refused" in listing.stderr

        cluster.start()
        assert cluster.endpoints() == urls
        with client.read("/survivor.txt") as reader:
            assert reader.read() == b"still here"
    finally:
        cluster.stop()
