"""The harness itself: every service answers a real client, and a service lost mid-test fails that test clearly."""

from __future__ import annotations

import textwrap
import urllib.request
from pathlib import Path

import pytest
from kazoo.client import KazooClient


def kazoo(hosts: str) -> KazooClient:
    client = KazooClient(hosts=hosts, timeout=5, connection_retry={"max_tries": 2, "delay": 0.2},
                         command_retry={"max_tries": 2})
    client.start(timeout=10)
    return client


def test_zookeeper_stores_and_returns_data(zookeeper):
    client = kazoo(zookeeper.hosts)
    try:
        client.create("/harness/standalone", b"payload", makepath=True)
        assert client.get("/harness/standalone")[0] == b"payload"
    finally:
        client.stop()


def test_zookeeper_ensemble_replicates_and_survives_one_node(make_zookeeper_ensemble):
    ensemble = make_zookeeper_ensemble()
    first, second, third = (node.hosts for node in ensemble.nodes)
    writer = kazoo(first)
    writer.create("/harness/replicated", b"v1", makepath=True)
    writer.stop()

    ensemble.nodes[0].kill()
    reader = kazoo(third)
    try:
        reader.sync("/harness/replicated")
        assert reader.get("/harness/replicated")[0] == b"v1"
        reader.set("/harness/replicated", b"v2")  # two of three still form a quorum
        assert reader.get("/harness/replicated")[0] == b"v2"
    finally:
        reader.stop()
    assert second != third


def test_s3_endpoint_round_trips_an_object(s3_server):
    client = s3_server.client()
    client.create_bucket(Bucket="harness-roundtrip")
    client.put_object(Bucket="harness-roundtrip", Key="a/b.txt", Body=b"hello", Metadata={"sha256": "x"})
    head = client.head_object(Bucket="harness-roundtrip", Key="a/b.txt")
    assert head["Metadata"] == {"sha256": "x"}
    assert client.get_object(Bucket="harness-roundtrip", Key="a/b.txt")["Body"].read() == b"hello"


def test_http_server_serves_files_from_its_root(http_server):
    (http_server.root / "dist").mkdir(exist_ok=True)
    (http_server.root / "dist" / "heron-core.tar.gz").write_bytes(b"\x1f\x8bcore")
    with urllib.request.urlopen(f"{http_server.base_url}/dist/heron-core.tar.gz", timeout=5) as response:  # noqa: S310 - loopback test server
        assert response.read() == b"\x1f\x8bcore"
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{http_server.base_url}/dist/absent.tar.gz", timeout=5)  # noqa: S310 - loopback test server
    assert missing.value.code == 404


def test_docker_registry_serves_a_pushed_image_by_tag_and_digest(docker_registry):
    digest = docker_registry.push_image("harness/image", "v1", content=b"layer v1")
    for reference in ("v1", digest):
        request = urllib.request.Request(  # noqa: S310 - loopback test server
            f"{docker_registry.url}/v2/harness/image/manifests/{reference}", method="HEAD",
            headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback test server
            assert response.headers["Docker-Content-Digest"] == digest
    assert docker_registry.push_image("harness/image", "v1", content=b"layer v2") != digest


LOSS_TESTS = {
    "zookeeper": """
        def test_lost(zookeeper):
            from kazoo.client import KazooClient
            zookeeper.kill()
            client = KazooClient(hosts=zookeeper.hosts, timeout=2, connection_retry={"max_tries": 1})
            client.start(timeout=3)
    """,
    "s3": """
        def test_lost(s3_server):
            s3_server.kill()
            s3_server.client(retries={"max_attempts": 1}).list_buckets()
    """,
    "hdfs": """
        def test_lost(hdfs_cluster):
            from hdfs import InsecureClient
            hdfs_cluster.kill()
            InsecureClient(hdfs_cluster.namenode_url, user=hdfs_cluster.superuser, timeout=3).status("/")
    """,
}


@pytest.mark.parametrize("service", sorted(LOSS_TESTS))
def test_a_service_lost_mid_test_fails_that_test_with_its_log(pytester, monkeypatch, service):
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    pytester.makepyfile(textwrap.dedent(LOSS_TESTS[service]))
    result = pytester.runpytest_subprocess("-p", "harness.pytest_plugin", "-o", "timeout=120", timeout=300)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*a service of the harness died during the test:*"])
