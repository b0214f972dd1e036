"""The whole Heron chain on loopback for tests (STAND-INS of Heron and Aurora, tests only): a cluster conf dir
written by heron_cluster_config (ZooKeeper state under a root of its own, the stand-in heron-core release fetched
from a path, local-FS or HDFS uploads), clusters.json naming the stand-in scheduler, and an environment in which
``heron`` (tests/standins/bin/heron), ``aurora`` and ``hadoop`` are the stand-ins' launchers on PATH.

The fixture ``heron_chain`` (pytest_plugin.py) gives one, on a stand-in scheduler that runs the tasks' processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from kazoo.client import KazooClient

from ansible_collections.heron.aurora.plugins.module_utils._heron.state.fingerprint import FINGERPRINT_ROOT

from .executor import core_release

BIN = Path(__file__).resolve().parents[1] / "bin"
HERON = BIN / "heron"
CLUSTER, ROLE, ENVIRONMENT = "devcluster", "heron", "devel"
WAIT = 120


class Chain:
    def __init__(self, root: Path, zk_hosts: str, scheduler, run_module) -> None:
        self.root, self.zk_hosts, self.scheduler, self.run_module = root, zk_hosts, scheduler, run_module
        self.state_root = f"/heron-chain-{uuid.uuid4().hex[:8]}"
        self.config_path = root / "conf"
        self.uploads = root / "uploads"
        (root / "etc").mkdir(parents=True)
        (root / "home").mkdir()
        (root / "etc" / "clusters.json").write_text(json.dumps([{
            "name": CLUSTER, "zk": scheduler.zk.split(",")[0].split(":")[0],
            "zk_port": int(scheduler.zk.split(",")[0].split(":")[1]), "scheduler_zk_path": scheduler.zk_path}]))
        # AURORA_WATCH_SECS as an operator sets it through aurora_client_environment: Heron's restart passes no
        # --watch-secs, and the default 30 s watch of each restart is time the chain's tests would only wait.
        self.env = dict(os.environ, AURORA_CONFIG_ROOT=str(root / "etc"), HOME=str(root / "home"),
                        PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", AURORA_CLI_PYTHON=sys.executable,
                        HERON_CLI_PYTHON=sys.executable, AURORA_WATCH_SECS="3")

    def write_conf_dir(self, uploader: dict | None = None, heron_version: str = "0.20.5-incubating") -> dict:
        result = self.run_module("heron_cluster_config", {
            "path": str(self.config_path / CLUSTER), "cluster": CLUSTER, "heron_version": heron_version,
            "core_package_uri": core_release().as_uri(),
            "statemgr": {"zookeeper": {"connection_string": self.zk_hosts, "root_path": self.state_root}},
            "uploader": uploader or {"localfs": {"directory": str(self.uploads / "${TOPOLOGY}")}},
        })
        assert not result.get("failed"), result
        return result

    def heron(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(HERON), *args[:1], "--config-path", str(self.config_path), *args[1:]],
                              capture_output=True, text=True, env=self.env, timeout=600, check=False)

    def aurora(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "aurora"), *args], capture_output=True, text=True, env=self.env,
                              timeout=300, check=False)

    def active_tasks(self, job_key: str) -> dict[int, str]:
        done = self.aurora("job", "status", job_key, "--write-json")
        assert done.returncode == 0, done.stderr
        document = json.loads(done.stdout)
        entry = document[0] if isinstance(document, list) else document
        return {t["assignedTask"]["instanceId"]: t["status"] for t in entry.get("active", [])}

    def info(self) -> list[dict]:
        result = self.run_module("heron_topology_info", {"cluster": CLUSTER, "config_path": str(self.config_path)})
        assert not result.get("failed"), result
        return result["topologies"]

    def wait_for(self, check, what: str):
        deadline = time.monotonic() + WAIT
        while True:
            found = check()
            if found:
                return found
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}; last info: {self.info()}")
            time.sleep(1)

    def _read(self, read):
        client = KazooClient(hosts=self.zk_hosts, timeout=10)
        client.start(timeout=30)
        try:
            return read(client)
        finally:
            client.stop()
            client.close()

    def forget_fingerprints(self) -> None:
        """Remove heron_topology's records of this cluster: they live outside the chain's own state root, at a path
        every chain on the session's ZooKeeper shares."""
        records = f"{FINGERPRINT_ROOT}/{CLUSTER}"
        self._read(lambda client: client.delete(records, recursive=True) if client.exists(records) else None)

    def directories(self) -> list[str]:
        return self._read(lambda client: sorted(client.get_children(self.state_root)))

    def znodes(self) -> list[str]:
        def read(client) -> list[str]:
            found = []
            for directory in client.get_children(self.state_root) if client.exists(self.state_root) else []:
                found += [f"{directory}/{child}" for child in client.get_children(f"{self.state_root}/{directory}")]
            return sorted(found)
        return self._read(read)
