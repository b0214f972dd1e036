"""The `aurora` command as the integration tests run it: tests/standins/bin/aurora, the real entry point, with a
clusters.json and HOME of its own, against the stand-in scheduler."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

AURORA = Path(__file__).parents[1] / "standins" / "bin" / "aurora"
HERON_AURORA = Path(__file__).parents[1] / "unit/plugins/module_utils/_aurora/fixtures/heron.aurora"
HERON_KEY = "devcluster/heron/devel/WordCountTopology"
HERON_BINDINGS = {
    "CLUSTER": "devcluster", "ROLE": "heron", "ENVIRON": "devel", "TOPOLOGY_NAME": "WordCountTopology",
    "EXECUTOR_BINARY": "./heron-core/bin/heron-executor",
    "TOPOLOGY_ARGUMENTS": ("--topology-name=WordCountTopology --topology-id=WordCountTopology-abc"
                           " --state-manager-connection=127.0.0.1:2181"),
    "CPUS_PER_CONTAINER": "1.0", "RAM_PER_CONTAINER": "1073741824", "DISK_PER_CONTAINER": "2147483648",
    "NUM_CONTAINERS": "2", "CORE_PACKAGE_URI": "http://h/heron-core.tar.gz", "TOPOLOGY_PACKAGE_URI": "http://h/topology.tar.gz",
}
HELLO = """
main = Process(name='main', cmdline='{{command}}')
task = Task(name='main', processes=[main], resources=Resources(cpu=0.1, ram=32*MB, disk=16*MB))
jobs = [Service(cluster='devcluster', role='www-data', environment='{{env}}', name='hello', task=task,
                instances='{{count}}', update_config=UpdateConfig(watch_secs=0, batch_size=2))]
"""
HELLO_KEY = "devcluster/www-data/devel/hello"


class Aurora:
    """Runs the command with its own AURORA_CONFIG_ROOT (clusters.json) and HOME."""

    def __init__(self, root: Path, scheduler=None) -> None:
        self.root = root
        self.scheduler = scheduler
        # Nothing of the caller's AURORA_* settings: each test sets what it tests.
        self.env = {name: value for name, value in os.environ.items() if not name.startswith("AURORA_")}
        self.env.update(AURORA_CONFIG_ROOT=str(root / "etc"), HOME=str(root / "home"),
                        AURORA_CLI_PYTHON=sys.executable, AURORA_RETRY_BUDGET="20")
        (root / "etc").mkdir(parents=True, exist_ok=True)
        (root / "home").mkdir(parents=True, exist_ok=True)
        self.hello = root / "hello.aurora"
        self.hello.write_text(HELLO)
        self.heron = root / "conf" / "heron.aurora"
        self.heron.parent.mkdir(exist_ok=True)
        shutil.copy(HERON_AURORA, self.heron)

    def clusters(self, *entries: dict) -> None:
        (self.root / "etc" / "clusters.json").write_text(json.dumps(list(entries)))

    def __call__(self, *args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([str(AURORA), *args], capture_output=True, text=True, timeout=timeout,  # noqa: S603
                              env=dict(self.env, **(env or {})), check=False)

    # --- helpers -------------------------------------------------------------------------------------
    def ok(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        result = self(*args, **kwargs)
        assert result.returncode == 0, (args, result.returncode, result.stdout, result.stderr)
        return result

    def status(self, key: str) -> dict:
        result = self.ok("job", "status", key, "--write-json")
        document = json.loads(result.stdout)
        return document[0] if isinstance(document, list) else document

    def active(self, key: str) -> dict[int, dict]:
        entry = self.status(key)
        return {t["assignedTask"]["instanceId"]: t for t in entry.get("active", [])}

    def create_hello(self, count: int = 2, command: str = "sleep 600", *extra: str) -> subprocess.CompletedProcess:
        return self.ok("job", "create", "--wait-until", "RUNNING", "--bind", f"command={command}",
                       "--bind", f"count={count}", "--bind", "env=devel", *extra, HELLO_KEY, str(self.hello))

    def heron_create(self) -> subprocess.CompletedProcess:
        """Heron's submit:
        `aurora job create --wait-until RUNNING --bind K=V ... <jobkey> <conf>/heron.aurora --verbose`."""
        binds = [arg for name, value in HERON_BINDINGS.items() for arg in ("--bind", f"{name}={value}")]
        return self("job", "create", "--wait-until", "RUNNING", *binds, HERON_KEY, str(self.heron), "--verbose")


def zk_cluster(zookeeper, zk_path: str) -> dict:
    host, port = zookeeper.hosts.split(":")
    return {"name": "devcluster", "zk": host, "zk_port": int(port), "scheduler_zk_path": zk_path,
            "auth_mechanism": "UNAUTHENTICATED"}
