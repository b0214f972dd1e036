"""The fetch check (playbooks/fetch_check.yml and the role heron.aurora.heron_fetch_check) on two "agents" of a
localhost inventory, each with its own scratch root: the commands heron_cluster_config returns are run with bash -c
against nginx and a local path; a failure names the host, the command and its stderr with a hint; the scratch
directories are removed either way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from harness.collection import REPO_ROOT, play_recap, run_playbook
from standins.heron.executor import EXECUTOR_MEMBER
from standins.heron.packages import tar_gz

PLAYBOOK = REPO_ROOT / "playbooks" / "fetch_check.yml"
CLUSTER = "devcluster"
AGENTS = ("agent1", "agent2")
CORE = tar_gz({EXECUTOR_MEMBER: b"#!/bin/sh\n"}, executable={EXECUTOR_MEMBER})


def inventory(tmp_path: Path) -> Path:
    hosts = {}
    for agent in AGENTS:
        (tmp_path / agent).mkdir(exist_ok=True)
        hosts[agent] = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                        "heron_fetch_check_scratch_root": str(tmp_path / agent)}
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps({"all": {"children": {"aurora_agents": {"hosts": hosts}}}}))
    return path


def scratch_left(tmp_path: Path) -> list:
    return [entry for agent in AGENTS for entry in os.listdir(tmp_path / agent)]


def packages_on_nginx(http_server, core: bytes) -> str:
    directory = Path(http_server.endpoints()["root"]) / uuid.uuid4().hex
    directory.mkdir()
    (directory / "heron-core.tar.gz").write_bytes(core)
    (directory / "topology.tar.gz").write_bytes(tar_gz({"WordCount.defn": b"definition\n"}))
    return f"{http_server.base_url}/{directory.name}"


def conf_dir_fetch_commands(run_module, tmp_path: Path, core_uri: str, topology_uri: str) -> list[dict]:
    result = run_module("heron_cluster_config", {
        "path": str(tmp_path / "conf" / CLUSTER), "cluster": CLUSTER, "heron_version": "0.20.5-incubating",
        "core_package_uri": core_uri, "fetch_check_topology_uri": topology_uri,
        "statemgr": {"zookeeper": {"connection_string": "127.0.0.1:2181"}},
        "uploader": {"http": {"uri": "http://127.0.0.1/upload"}}})
    assert not result.get("failed"), result
    return result["fetch_commands"]


def run_check(tmp_path: Path, variables: dict, check_mode: bool = False) -> subprocess.CompletedProcess:
    return run_playbook(PLAYBOOK, variables, check_mode=check_mode, inventory=inventory(tmp_path))


def test_every_agent_fetches_and_unpacks(run_module, http_server, tmp_path):
    base = packages_on_nginx(http_server, CORE)
    commands = conf_dir_fetch_commands(run_module, tmp_path, f"{base}/heron-core.tar.gz", f"{base}/topology.tar.gz")
    for check_mode in (False, True):
        done = run_check(tmp_path, {"heron_fetch_check_commands": commands}, check_mode=check_mode)
        assert done.returncode == 0, done.stdout + done.stderr
        counters = {agent: play_recap(done.stdout, agent) for agent in AGENTS}
        assert set(counters) == set(AGENTS), done.stdout
        assert all(c["changed"] == 0 and c["failed"] == 0 for c in counters.values()), done.stdout
        assert scratch_left(tmp_path) == []


def test_commands_read_from_the_conf_dir(run_module, http_server, tmp_path):
    base = packages_on_nginx(http_server, CORE)
    conf_dir_fetch_commands(run_module, tmp_path, f"{base}/heron-core.tar.gz", f"{base}/topology.tar.gz")
    done = run_check(tmp_path, {"heron_fetch_check_conf_dir": str(tmp_path / "conf" / CLUSTER),
                                "heron_fetch_check_core_package_uri": f"{base}/heron-core.tar.gz",
                                "heron_fetch_check_topology_uri": f"{base}/topology.tar.gz"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fetch_user_package" in done.stdout and scratch_left(tmp_path) == []


def test_a_core_without_the_executor_is_reported(run_module, http_server, tmp_path):
    base = packages_on_nginx(http_server, tar_gz({"heron-core/README": b"not a release\n"}))
    commands = conf_dir_fetch_commands(run_module, tmp_path, f"{base}/heron-core.tar.gz", f"{base}/topology.tar.gz")
    done = run_check(tmp_path, {"heron_fetch_check_commands": commands})
    assert done.returncode != 0
    assert "agent1: fetch_heron_system fetched and unpacked" in done.stdout
    assert "holds no heron-core/bin/heron-executor" in done.stdout
    assert scratch_left(tmp_path) == []


def test_missing_hdfs_command_names_host_command_stderr_and_hint(run_module, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "topology.tar.gz").write_bytes(tar_gz({"WordCount.defn": b"definition\n"}))
    commands = conf_dir_fetch_commands(run_module, tmp_path, "hdfs:///heron/dist/heron-core.tar.gz",
                                       f"file://{shared}/topology.tar.gz")
    # No hdfs on these agents' PATH (the harness's is never put there).
    done = run_check(tmp_path, {"heron_fetch_check_commands": commands,
                                "heron_fetch_check_environment": {"PATH": "/usr/bin:/bin"}})
    assert done.returncode != 0
    for agent in AGENTS:
        assert f"{agent}: fetch_heron_system failed with exit code 127" in done.stdout, done.stdout
    assert 'hdfs dfs -get \\"$uri\\" heron-core.tar.gz' in done.stdout or 'hdfs dfs -get "$uri"' in done.stdout
    assert "hdfs: command not found" in done.stdout
    assert "install it (the hdfs command) on every agent" in done.stdout
    assert scratch_left(tmp_path) == []
