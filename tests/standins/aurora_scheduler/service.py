"""The STAND-IN Aurora scheduler as a harness service (tests only), and pytest fixtures that start it."""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path
from typing import Sequence

import pytest

from harness.collection import COLLECTIONS_ROOT, ensure_collection_path
from harness.service import Service, free_port

__all__ = ["aurora_scheduler", "make_aurora_scheduler"]  # the fixtures, which tests/integration/conftest.py takes

TESTS_DIR = Path(__file__).resolve().parents[2]


class AuroraSchedulerStandIn(Service):
    """One stand-in scheduler process; several sharing ``zk`` and ``state_dir`` form a leader and followers."""

    name = "aurora-scheduler-stand-in"
    host = "127.0.0.1"

    def __init__(self, workdir: Path, zk: str | None = None, zk_path: str = "/aurora/scheduler",
                 state_dir: Path | None = None, follow: str | None = None, basic_auth: str | None = None,
                 run_processes: bool = False, sandbox_root: Path | None = None, cluster: str = "devcluster",
                 update_timeout: float = 8.0, allowed_container_types: Sequence[str] = ("MESOS",)) -> None:
        super().__init__(workdir)
        self.port = free_port()
        self.zk, self.zk_path, self.follow = zk, zk_path, follow
        self.state_dir = Path(state_dir or self.workdir / "state")
        self.basic_auth = basic_auth
        self.run_processes = run_processes
        self.sandbox_root = Path(sandbox_root or self.workdir / "sandboxes")
        self.cluster = cluster
        self.update_timeout = update_timeout
        self.allowed_container_types = tuple(allowed_container_types)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> Sequence[str]:
        command = [sys.executable, "-m", "standins.aurora_scheduler", "--host", self.host, "--port", str(self.port),
                   "--cluster", self.cluster, "--state-dir", str(self.state_dir), "--zk-path", self.zk_path,
                   "--sandbox-root", str(self.sandbox_root), "--update-timeout", str(self.update_timeout),
                   "--allowed-container-types", ",".join(self.allowed_container_types)]
        for flag, value in (("--zk", self.zk), ("--follow", self.follow), ("--basic-auth", self.basic_auth)):
            if value:
                command += [flag, value]
        if self.run_processes:
            command.append("--run-processes")
        return command

    def environment(self) -> dict:
        ensure_collection_path()
        return {"PYTHONPATH": f"{COLLECTIONS_ROOT}:{TESTS_DIR}"}

    def health(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/standin/health", timeout=2) as response:  # noqa: S310 - loopback
            return json.loads(response.read())

    def healthy(self) -> bool:
        state = self.health()
        return state["leader"] or bool(state["leader_url"])

    def control(self, **switches) -> dict:
        request = urllib.request.Request(f"{self.url}/standin/control", data=json.dumps(switches).encode(),  # noqa: S310 - loopback
                                         method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
            return json.loads(response.read())

    def endpoints(self) -> dict:
        return {"url": self.url, "cluster": self.cluster, "zk": self.zk or "", "zk_path": self.zk_path,
                "sandbox_root": str(self.sandbox_root)}


@pytest.fixture
def make_aurora_scheduler(tmp_path_factory):
    """make_aurora_scheduler(**options) -> a started stand-in scheduler, stopped at the end of the test."""
    started = []

    def make(**options) -> AuroraSchedulerStandIn:
        service = AuroraSchedulerStandIn(tmp_path_factory.mktemp("aurora-scheduler"), **options)
        service.start()
        started.append(service)
        return service

    yield make
    for service in reversed(started):
        service.stop()


@pytest.fixture
def aurora_scheduler(make_aurora_scheduler, zookeeper):
    """A stand-in leader registered in the harness ZooKeeper under a path of its own."""
    import uuid

    return make_aurora_scheduler(zk=zookeeper.hosts, zk_path=f"/aurora-{uuid.uuid4().hex[:8]}/scheduler")
