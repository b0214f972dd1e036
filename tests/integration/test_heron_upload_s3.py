"""heron_upload against a real S3 API (moto server from the harness), run as Ansible runs it."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from harness.faultproxy import Fault, FaultProxy, cut_bodies_larger_than, every_nth

MIB = 1024 * 1024


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def bucket(s3_server):
    name = f"heron-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=name)
    return name


def s3_args(server, **args) -> dict:
    return dict(endpoint_url=server.endpoint_url, access_key=server.access_key, secret_key=server.secret_key,
                region=server.region, **args)


def write(path, size: int, seed: bytes = b"") -> None:
    block = hashlib.sha256(seed).digest() * 32768  # 1 MiB, different per seed
    with open(path, "wb") as out:
        remaining = size
        while remaining:
            out.write(block[: min(len(block), remaining)])
            remaining -= min(len(block), remaining)


def stored(server, bucket, key):
    client = server.client()
    head = client.head_object(Bucket=bucket, Key=key)
    body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return head, body


def test_upload_rerun_change(s3_server, bucket, run_module, tmp_path):
    src = tmp_path / "heron-core.tar.gz"
    write(src, 3 * MIB + 7, b"v1")
    args = s3_args(s3_server, src=str(src), dest=f"s3://{bucket}/core/heron-core.tar.gz")

    first = run_module("heron_upload", args)
    assert not first.get("failed"), first
    assert first["changed"] and first["transferred_bytes"] == src.stat().st_size
    assert first["uri"] == f"s3://{bucket}/core/heron-core.tar.gz" and first["backend"] == "s3"
    assert first["previous_sha256"] is None and first["sha256"] == sha(src)
    head, body = stored(s3_server, bucket, "core/heron-core.tar.gz")
    assert body == src.read_bytes() and head["Metadata"]["sha256"] == sha(src)
    assert first["url"] == f"{s3_server.endpoint_url}/{bucket}/core/heron-core.tar.gz"
    # The single PUT carries the sha256 as S3's own checksum, which S3 verifies against the body it receives.
    checked = s3_server.client().head_object(Bucket=bucket, Key="core/heron-core.tar.gz", ChecksumMode="ENABLED")
    assert checked["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(src.read_bytes()).digest()).decode()

    again = run_module("heron_upload", args)
    assert not again["changed"] and again["transferred_bytes"] == 0 and again["previous_sha256"] == sha(src)

    old = sha(src)
    write(src, 3 * MIB + 7, b"v2")
    changed = run_module("heron_upload", args, diff=True)
    assert changed["changed"] and changed["previous_sha256"] == old and changed["sha256"] == sha(src)
    assert changed["diff"]["before"]["sha256"] == old and changed["diff"]["after"]["sha256"] == sha(src)
    assert stored(s3_server, bucket, "core/heron-core.tar.gz")[1] == src.read_bytes()


def test_multipart_with_encryption(s3_server, bucket, run_module, tmp_path):
    src = tmp_path / "topology.tar.gz"
    write(src, 17 * MIB + 3, b"multipart")
    args = s3_args(s3_server, src=str(src), dest=f"s3://{bucket}/topologies/wc/topology.tar.gz",
                   part_size="5MiB", concurrency=3, encryption="AES256")
    result = run_module("heron_upload", args)
    assert result["changed"], result
    head, body = stored(s3_server, bucket, "topologies/wc/topology.tar.gz")
    assert body == src.read_bytes()
    assert head["ServerSideEncryption"] == "AES256" and head["Metadata"]["sha256"] == sha(src)
    assert head["ETag"].strip('"').endswith("-4")  # four parts: 5 + 5 + 5 + 2 MiB
    assert not run_module("heron_upload", args)["changed"]
    assert s3_server.client().list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_check_mode_sends_nothing(s3_server, bucket, run_module, tmp_path):
    src = tmp_path / "heron-core.tar.gz"
    write(src, MIB, b"check")
    args = s3_args(s3_server, src=str(src), dest=f"s3://{bucket}/heron-core.tar.gz")
    checked = run_module("heron_upload", args, check_mode=True, diff=True)
    assert checked["changed"] and checked["transferred_bytes"] == 0 and checked["sha256"] == sha(src)
    assert checked["diff"]["before"] == {} and checked["diff"]["after"]["sha256"] == sha(src)
    assert s3_server.client().list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    run_module("heron_upload", args)
    assert not run_module("heron_upload", args, check_mode=True)["changed"]


def test_versioned_with_keep(s3_server, bucket, run_module, tmp_path):
    src = tmp_path / "heron-core.tar.gz"
    args = s3_args(s3_server, src=str(src), dest=f"s3://{bucket}/core/heron-core.tar.gz", versioned=True, keep=2,
                   grace_period=0)
    uris = []
    for seed in (b"1", b"2", b"3"):
        write(src, 100_000, seed)
        result = run_module("heron_upload", args)
        assert result["uri"] == f"s3://{bucket}/core/heron-core-{sha(src)[:16]}.tar.gz", result
        uris.append(result["uri"])
        # S3 keeps LastModified in whole seconds, and pruning goes by it: each version a second newer than the last.
        time.sleep(1.1)
    assert result["pruned"] == [uris[0]]
    assert [version["uri"] for version in result["versions"]] == [uris[2], uris[1]]
    keys = sorted(item["Key"] for item in s3_server.client().list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == sorted(uri.split("/", 3)[3] for uri in uris[1:])
    rerun = run_module("heron_upload", args)
    assert not rerun["changed"] and rerun["transferred_bytes"] == 0

    removed = run_module("heron_upload", s3_args(s3_server, dest=f"s3://{bucket}/core/heron-core.tar.gz",
                                                 versioned=True, state="absent"))
    assert sorted(removed["removed"]) == sorted(uris[1:])
    assert s3_server.client().list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_absent(s3_server, bucket, run_module, tmp_path):
    src = tmp_path / "x.tar.gz"
    write(src, 1000, b"absent")
    dest = f"s3://{bucket}/x.tar.gz"
    run_module("heron_upload", s3_args(s3_server, src=str(src), dest=dest))
    checked = run_module("heron_upload", s3_args(s3_server, dest=dest, state="absent"), check_mode=True)
    assert checked["changed"] and s3_server.client().list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    gone = run_module("heron_upload", s3_args(s3_server, dest=dest, state="absent"))
    assert gone["changed"] and gone["previous_sha256"] == sha(src)
    assert s3_server.client().list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert not run_module("heron_upload", s3_args(s3_server, dest=dest, state="absent"))["changed"]


def test_missing_bucket_fails_unless_create_bucket(s3_server, run_module, tmp_path):
    src = tmp_path / "x.tar.gz"
    write(src, 1000)
    name = f"heron-missing-{uuid.uuid4().hex[:8]}"
    failed = run_module("heron_upload", s3_args(s3_server, src=str(src), dest=f"s3://{name}/x.tar.gz"))
    assert failed["failed"] and failed["option"] == "dest" and "create_bucket" in failed["msg"]
    assert name not in [b["Name"] for b in s3_server.client().list_buckets()["Buckets"]]
    created = run_module("heron_upload", s3_args(s3_server, src=str(src), dest=f"s3://{name}/x.tar.gz",
                                                 create_bucket=True))
    assert created["changed"] and stored(s3_server, name, "x.tar.gz")[1] == src.read_bytes()


def test_rejected_credentials(make_s3_server, run_module, tmp_path):
    server = make_s3_server()
    server.client().create_bucket(Bucket="heron-private")
    # From now on this private moto instance checks every request's credentials.
    request = urllib.request.Request(f"{server.endpoint_url}/moto-api/reset-auth", data=b"0", method="POST",  # noqa: S310 - loopback test server
                                     headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(request).close()  # noqa: S310 - loopback test server
    src = tmp_path / "x.tar.gz"
    write(src, 1000)
    result = run_module("heron_upload", s3_args(server, src=str(src), dest="s3://heron-private/x.tar.gz"))
    assert result["failed"] and result["option"] == "access_key"
    assert "credentials" in result["msg"]
    assert server.secret_key not in str(result)


def test_store_and_credentials_from_the_environment(s3_server, bucket, run_module, tmp_path):
    """No S3 option in the task: endpoint, region and keys come from the AWS_* variables (and nowhere else:
    the shared config files point at nothing, so without the keys botocore finds no credentials)."""
    src = tmp_path / "x.tar.gz"
    write(src, 1000, b"env")
    no_keys = {"AWS_REGION": s3_server.region, "AWS_ENDPOINT_URL": s3_server.endpoint_url,
               "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
               "AWS_EC2_METADATA_DISABLED": "true"}
    args = {"src": str(src), "dest": f"s3://{bucket}/x.tar.gz"}
    missing = run_module("heron_upload", args, env=no_keys)
    assert missing.get("failed") and missing["option"] == "access_key", missing
    assert "no usable AWS credentials" in missing["msg"]

    env = dict(no_keys, AWS_ACCESS_KEY_ID=s3_server.access_key, AWS_SECRET_ACCESS_KEY=s3_server.secret_key,
               AWS_SESSION_TOKEN="session-token-from-the-environment")
    result = run_module("heron_upload", args, env=env)
    assert not result.get("failed") and result["changed"], result
    assert stored(s3_server, bucket, "x.tar.gz")[1] == src.read_bytes()
    assert s3_server.secret_key not in json.dumps(result)
    assert "session-token-from-the-environment" not in json.dumps(result)


def test_upload_through_errors_from_a_proxy(s3_server, bucket, run_module, tmp_path):
    src = tmp_path / "topology.tar.gz"
    write(src, 12 * MIB, b"flaky")
    with FaultProxy("127.0.0.1", s3_server.port, plan=every_nth(2, 503)) as proxy_503, \
            FaultProxy("127.0.0.1", s3_server.port, plan=every_nth(3, 500)) as proxy_500:
        for proxy, key in ((proxy_503, "a.tar.gz"), (proxy_500, "b.tar.gz")):
            args = s3_args(s3_server, src=str(src), dest=f"s3://{bucket}/{key}", part_size="5MiB", timeout=60)
            args["endpoint_url"] = proxy.url
            result = run_module("heron_upload", args)
            assert not result.get("failed"), result
            assert result["changed"] and result["sha256"] == sha(src)
            assert proxy.injected, "the proxy injected no fault"
            assert stored(s3_server, bucket, key)[1] == src.read_bytes()


def test_connection_cut_mid_upload_leaves_nothing(s3_server, bucket, run_module, tmp_path):
    src = tmp_path / "topology.tar.gz"
    for size, key in ((12 * MIB, "multipart.tar.gz"), (3 * MIB, "single.tar.gz")):
        write(src, size, b"cut")
        with FaultProxy("127.0.0.1", s3_server.port, plan=cut_bodies_larger_than(MIB)) as proxy:
            args = s3_args(s3_server, src=str(src), dest=f"s3://{bucket}/{key}", part_size="5MiB", timeout=5)
            args["endpoint_url"] = proxy.url
            result = run_module("heron_upload", args)
        assert result.get("failed"), result
        assert "timeout" in result["msg"] and any(record.fault and record.fault.cut_after for record in proxy.records)
        client = s3_server.client()
        assert client.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
        assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def run_measuring_peak_rss(args: dict) -> tuple[dict, int]:
    """Run the module from a fresh interpreter whose only child is the module process, and read that child's
    peak resident set size (ru_maxrss of RUSAGE_CHILDREN, in KiB on Linux)."""
    code = ("import json, resource, sys\n"
            "from harness.collection import run_module\n"
            "result = run_module('heron_upload', json.loads(sys.argv[1]))\n"
            "print(json.dumps([result, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))\n")
    tests_dir = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(tests_dir), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(args)], capture_output=True, text=True, env=env,  # noqa: S603 - argument list, no shell
                          check=True, timeout=900)
    result, peak_kib = json.loads(proc.stdout)
    return result, peak_kib * 1024


def test_memory_stays_flat_for_a_large_file(s3_server, bucket, tmp_path):
    """A 256 MiB file goes up as 8 MiB parts: the module process must not hold the file in memory."""
    src = tmp_path / "big.tar.gz"
    write(src, 256 * MIB, b"big")
    args = s3_args(s3_server, src=str(src), dest=f"s3://{bucket}/big.tar.gz", part_size="8MiB", timeout=300)
    result, peak = run_measuring_peak_rss(args)
    assert result["changed"] and result["transferred_bytes"] == 256 * MIB, result
    assert peak < 150 * MIB, f"peak RSS {peak / MIB:.0f} MiB"
    assert s3_server.client().head_object(Bucket=bucket, Key="big.tar.gz")["ContentLength"] == 256 * MIB
    os.remove(src)


def test_abort_stays_within_the_budget_and_a_later_run_finishes_it(s3_server, bucket, run_module, tmp_path):
    """Parts are cut and every abort answered 503: the failing run gives up within its own timeout (the abort had
    30 s of its own before), warns, and the next upload aborts the incomplete upload it left."""
    src = tmp_path / "topology.tar.gz"
    write(src, 12 * MIB, b"abort")

    def cut_parts_refuse_aborts(info):
        if info.method == "DELETE":
            return Fault(status=503)
        if info.content_length is None or info.content_length > MIB:
            return Fault(cut_after=MIB)
        return None

    budget = 5
    with FaultProxy("127.0.0.1", s3_server.port, plan=cut_parts_refuse_aborts) as proxy:
        args = s3_args(s3_server, src=str(src), dest=f"s3://{bucket}/x.tar.gz", part_size="5MiB", timeout=budget)
        args["endpoint_url"] = proxy.url
        started = time.monotonic()
        failed = run_module("heron_upload", args)
        elapsed = time.monotonic() - started
    assert failed.get("failed") and "could not abort" in json.dumps(failed.get("warnings")), failed
    assert elapsed < budget * 4, f"a {budget} s budget took {elapsed:.0f} s"
    client = s3_server.client()
    assert [upload["Key"] for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])] == ["x.tar.gz"]

    time.sleep(2)
    write(src, 3 * MIB, b"small")
    later = run_module("heron_upload", s3_args(s3_server, src=str(src), dest=f"s3://{bucket}/x.tar.gz",
                                               grace_period=1))
    assert later["changed"] and not later.get("warnings"), later
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
