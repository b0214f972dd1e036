"""The fetch commands heron_cluster_config generates, run for real as Thermos runs them (bash -c in a fresh sandbox)
against the harness: nginx (curl), HDFS through Hadoop's FsShell (hdfs dfs -get), the S3 API through the AWS CLI
with an endpoint (aws s3 cp) and a local path (cp). URIs holding $(touch x), backticks, ;, ' and spaces are fetched
literally, or refused before anything is written when no fetch tool could take them; nothing in them is run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from harness.hdfs import HDFS_COMMAND
from standins.heron.executor import EXECUTOR_MEMBER
from standins.heron.packages import tar_gz

CLUSTER = "devcluster"
HOSTILE = "it's a $(touch x) `touch x`; name"
FETCH_TIMEOUT = 180


CORE = tar_gz({EXECUTOR_MEMBER: b"#!/bin/sh\necho test package, not Heron\n",
               "heron-core/release.yaml": b"heron.build.version: test\n"}, executable={EXECUTOR_MEMBER})
TOPOLOGY = tar_gz({"WordCount.defn": b"test definition\n", "heron-conf/client.yaml": b"{}\n"})


def aws_cli() -> str:
    """The AWS CLI of the test environment (awscli in test-requirements.txt), else the one on PATH."""
    beside = Path(sys.executable).with_name("aws")
    found = str(beside) if beside.exists() else shutil.which("aws")
    if not found:
        pytest.fail("the AWS CLI is missing: install awscli (test-requirements.txt)")
    return found


def conf_options(root: Path, core_uri: str, topology_uri: str, uploader: dict, **aurora) -> dict:
    return {
        "path": str(root / "conf" / CLUSTER), "cluster": CLUSTER, "heron_version": "0.20.5-incubating",
        "core_package_uri": core_uri, "fetch_check_topology_uri": topology_uri,
        "statemgr": {"zookeeper": {"connection_string": "127.0.0.1:2181"}},
        "uploader": uploader, "aurora": aurora or None,
    }


def fetch_like_thermos(commands: list[dict], sandbox: Path, env: dict | None = None) -> None:
    """Each fetch process as Thermos runs it: the bound cmdline through bash -c, in the task's sandbox."""
    sandbox.mkdir()
    for command in commands:
        done = subprocess.run(["bash", "-c", command["command"]], cwd=sandbox, capture_output=True, text=True,
                              env=dict(os.environ, **(env or {})), timeout=FETCH_TIMEOUT, check=False)
        assert done.returncode == 0, f"{command['process']} failed:\n{command['command']}\n{done.stderr}"
        for expected in command["expect"]:
            assert (sandbox / expected).is_file(), expected
    assert (sandbox / "heron-core" / "bin" / "heron-executor").is_file()
    assert (sandbox / "WordCount.defn").read_bytes() == b"test definition\n"
    assert not (sandbox / "x").exists() and not (sandbox.parent / "x").exists(), "a URI was run as a command"


def written_fetch_commands(run_module, args: dict) -> list[dict]:
    result = run_module("heron_cluster_config", args)
    assert not result.get("failed"), result
    assert [c["process"] for c in result["fetch_commands"]] == ["fetch_heron_system", "fetch_user_package"]
    return result["fetch_commands"]


@pytest.mark.parametrize("name", ["plain", HOSTILE])
def test_local_path(run_module, tmp_path, name):
    shared = tmp_path / "shared" / name
    shared.mkdir(parents=True)
    (shared / "heron-core.tar.gz").write_bytes(CORE)
    (shared / "topology.tar.gz").write_bytes(TOPOLOGY)
    commands = written_fetch_commands(run_module, conf_options(
        tmp_path, f"file://{shared}/heron-core.tar.gz", f"file://{shared}/topology.tar.gz",
        {"localfs": {"directory": str(shared)}}))
    assert "cp -- " in commands[0]["command"]
    fetch_like_thermos(commands, tmp_path / "sandbox")


def test_local_path_percent_encoded(run_module, tmp_path):
    shared = tmp_path / "shared dir"
    shared.mkdir()
    (shared / "heron-core.tar.gz").write_bytes(CORE)
    (shared / "topology.tar.gz").write_bytes(TOPOLOGY)
    encoded = str(shared).replace(" ", "%20")
    commands = written_fetch_commands(run_module, conf_options(
        tmp_path, f"file://{encoded}/heron-core.tar.gz", f"file://{encoded}/topology.tar.gz",
        {"localfs": {"directory": str(shared)}}))
    fetch_like_thermos(commands, tmp_path / "sandbox")


@pytest.mark.parametrize("name", ["plain", "it's$(touch x);name"])
def test_http(run_module, http_server, tmp_path, name):
    directory = Path(http_server.endpoints()["root"]) / uuid.uuid4().hex / name
    directory.mkdir(parents=True)
    (directory / "heron-core.tar.gz").write_bytes(CORE)
    (directory / "topology.tar.gz").write_bytes(TOPOLOGY)
    # Quotes, $( ), ; are URL characters and go as they are; the space is percent-encoded, as curl needs.
    base = f"{http_server.base_url}/{directory.parent.name}/{name.replace(' ', '%20')}"
    commands = written_fetch_commands(run_module, conf_options(
        tmp_path, f"{base}/heron-core.tar.gz", f"{base}/topology.tar.gz",
        {"http": {"uri": f"{http_server.base_url}/upload"}}))
    assert "curl --fail" in commands[1]["command"]
    fetch_like_thermos(commands, tmp_path / "sandbox")


@pytest.mark.parametrize("uri", ["http://127.0.0.1/a b/heron-core.tar.gz", "http://127.0.0.1/`touch x`/h.tar.gz"])
def test_http_url_curl_cannot_take_is_refused_before_writing(run_module, tmp_path, uri):
    result = run_module("heron_cluster_config", conf_options(
        tmp_path, uri, "http://127.0.0.1/t.tar.gz", {"http": {"uri": "http://127.0.0.1/upload"}}))
    assert result.get("failed") and result["option"] == "core_package_uri", result
    assert "percent-encode" in result["msg"]
    assert not (tmp_path / "conf").exists() and not (tmp_path / "x").exists()


@pytest.mark.parametrize("name", ["plain", HOSTILE])
def test_hdfs(run_module, hdfs_cluster, tmp_path, name):
    directory = f"/heron/{uuid.uuid4().hex[:10]}/{name}"
    local = tmp_path / "local"
    local.mkdir()
    (local / "heron-core.tar.gz").write_bytes(CORE)
    (local / "topology.tar.gz").write_bytes(TOPOLOGY)
    base = f"{hdfs_cluster.fs_uri}{directory}"
    put = ["-put", str(local / "heron-core.tar.gz"), str(local / "topology.tar.gz"), base]
    for command in (["-mkdir", "-p", base], put):
        done = subprocess.run([hdfs_cluster.hdfs_command, "dfs", *command], capture_output=True, text=True,
                              timeout=FETCH_TIMEOUT, check=False)
        assert done.returncode == 0, done.stderr
    commands = written_fetch_commands(run_module, conf_options(
        tmp_path, f"{base}/heron-core.tar.gz", f"{base}/topology.tar.gz",
        {"hdfs": {"config_directory": "/etc/hadoop/conf",
                  "topologies_directory_uri": f"{hdfs_cluster.fs_uri}/heron/topologies/${{CLUSTER}}"}}))
    assert 'hdfs dfs -get "$uri"' in commands[0]["command"]
    # The agent's `hdfs` is Hadoop's FsShell (the harness's bin/hdfs), found on PATH as on an agent.
    fetch_like_thermos(commands, tmp_path / "sandbox",
                       env={"PATH": f"{HDFS_COMMAND.parent}{os.pathsep}{os.environ['PATH']}"})


@pytest.mark.parametrize("name", ["plain", HOSTILE])
def test_s3(run_module, s3_server, tmp_path, name):
    bucket = f"heron-{uuid.uuid4().hex[:10]}"
    client = s3_server.client()
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key=f"dist/{name}/heron-core.tar.gz", Body=CORE)
    # Where Heron's S3 uploader puts a topology (<prefix>/<topology>/topology.tar.gz) and the path-style URL it
    # hands to Heron as TOPOLOGY_PACKAGE_URI.
    client.put_object(Bucket=bucket, Key="topologies/WordCount/topology.tar.gz", Body=TOPOLOGY)
    topology_url = f"{s3_server.endpoint_url}/{bucket}/topologies/WordCount/topology.tar.gz"
    aws = aws_cli()
    commands = written_fetch_commands(run_module, dict(conf_options(
        tmp_path, f"s3://{bucket}/dist/{name}/heron-core.tar.gz", topology_url,
        {"s3": {"bucket": bucket, "path_prefix": "topologies", "region": s3_server.region,
                "endpoint_uri": s3_server.endpoint_url}}, aws_command=aws)))
    assert f"--endpoint-url {s3_server.endpoint_url}" in commands[0]["command"]
    # The agents' own credentials (an instance profile in production): never in heron.aurora.
    assert s3_server.secret_key not in (tmp_path / "conf" / CLUSTER / "heron.aurora").read_text()
    fetch_like_thermos(commands, tmp_path / "sandbox", env={
        "AWS_ACCESS_KEY_ID": s3_server.access_key, "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")})


def test_a_failed_fetch_fails_the_process(run_module, http_server, tmp_path):
    commands = written_fetch_commands(run_module, conf_options(
        tmp_path, f"{http_server.base_url}/nowhere/heron-core.tar.gz", f"{http_server.base_url}/nowhere/t.tar.gz",
        {"http": {"uri": f"{http_server.base_url}/upload"}}))
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    done = subprocess.run(["bash", "-c", commands[0]["command"]], cwd=sandbox, capture_output=True, text=True,
                          timeout=FETCH_TIMEOUT, check=False)
    assert done.returncode != 0 and "404" in done.stderr
