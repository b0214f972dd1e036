"""Fixtures of the Heron stand-ins (taken by tests/integration/conftest.py): the sample topology, Heron's znodes and
the whole chain (heron CLI, aurora command, stand-in scheduler running the executor stand-in)."""

from __future__ import annotations

import os
import uuid

import pytest
from kazoo.client import KazooClient

from harness.hdfs import HDFS_COMMAND

from .chain import Chain
from .topology import build
from .znodes import HeronZnodes

__all__ = ["heron_sample_jars", "heron_definition", "heron_znodes", "heron_chain"]  # the fixtures


@pytest.fixture(scope="session")
def heron_sample_jars() -> dict:
    """The sample WordCount's jars by variant, built against Maven Central's heron-api (cached)."""
    try:
        return {variant: build.sample_jar(variant) for variant in build.VARIANTS}
    except build.BuildError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def heron_definition(heron_sample_jars, tmp_path_factory):
    """heron_definition(variant, name, initial_state, ...) -> the bytes HeronSubmitter wrote (cached per call)."""
    made: dict = {}

    def make(variant: str = "v1", name: str = "WordCount", initial_state: str = "RUNNING", cluster: str = "devcluster",
             role: str = "heron", environment: str = "devel") -> bytes:
        key = (variant, name, initial_state, cluster, role, environment)
        if key not in made:
            try:
                path = build.write_definition(heron_sample_jars[variant], name, tmp_path_factory.mktemp("defn"),
                                              cluster, role, environment, initial_state)
            except build.BuildError as exc:
                pytest.fail(str(exc), pytrace=False)
            made[key] = path.read_bytes()
        return made[key]

    return make


@pytest.fixture
def heron_znodes(zookeeper):
    """A HeronZnodes writer on the session ZooKeeper, under a state root of its own (``.root``)."""
    client = KazooClient(hosts=zookeeper.hosts, timeout=10)
    client.start(timeout=30)
    writer = HeronZnodes(client, root=f"/heron-test-{uuid.uuid4().hex[:12]}", hosts=zookeeper.hosts)
    yield writer
    client.stop()
    client.close()


@pytest.fixture
def heron_chain(tmp_path, zookeeper, make_aurora_scheduler, run_module, heron_sample_jars, monkeypatch):
    """A Chain (chain.py) with its conf dir written (local-FS uploads), on a stand-in scheduler of its own that runs
    the tasks' processes; the agents' ``hdfs`` (the harness's FsShell) is on that scheduler's PATH."""
    monkeypatch.setenv("PATH", f"{HDFS_COMMAND.parent}{os.pathsep}{os.environ['PATH']}")
    scheduler = make_aurora_scheduler(zk=zookeeper.hosts, zk_path=f"/aurora-{uuid.uuid4().hex[:8]}/scheduler",
                                      run_processes=True)
    chain = Chain(tmp_path / "heron-chain", zookeeper.hosts, scheduler, run_module)
    chain.write_conf_dir()
    yield chain
    chain.forget_fingerprints()
