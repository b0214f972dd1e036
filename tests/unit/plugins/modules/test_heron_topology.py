"""heron_topology as Ansible runs it, without any service: bad input fails naming the option before ZooKeeper is
contacted or any command runs (the lifecycle itself is exercised through the whole chain in
tests/integration/test_heron_topology.py)."""

from __future__ import annotations

import time

import pytest

from ...utils.collection import run_module
from ...utils.network import free_port


@pytest.fixture
def args(tmp_path) -> dict:
    jar = tmp_path / "wordcount.jar"
    jar.write_bytes(b"PK\x03\x04 not a real jar, never read by a command here")
    # Nothing listens there: a test that got as far as ZooKeeper would wait zk_timeout and fail on zk_hosts.
    return {"name": "WordCount", "cluster": "devcluster", "role": "heron", "environment": "devel",
            "topology_file": str(jar), "topology_class": "com.example.WordCount",
            "zk_hosts": f"127.0.0.1:{free_port()}", "zk_root": "/heron", "zk_timeout": 30,
            "heron_cli": str(tmp_path / "must-not-run")}


@pytest.mark.parametrize(("changes", "option", "words"), [
    ({"name": "Word.Count"}, "name", "Heron refuses '.' and '/'"),
    ({"environment": "de vel"}, "environment", "not a valid Aurora job key part"),
    ({"topology_file": "/nonexistent/wordcount.jar"}, "topology_file", "does not exist"),
    ({"topology_file": "/etc"}, "topology_file", "not a file heron submit takes"),
    ({"component_parallelism": {"count": 0}}, "component_parallelism", "at least 1"),
    ({"state": "running", "container": 0}, "container", "needs state=restarted"),
    ({"wait_timeout": -1}, "wait_timeout", "positive number of seconds"),
    ({"package_store": "ftp://host/dir"}, "package_store", "supported schemes"),
])
def test_bad_input_names_the_option_before_anything_is_contacted(args, changes, option, words):
    started = time.monotonic()
    result = run_module("heron_topology", dict(args, **changes))
    assert result["failed"] and result["option"] == option, result
    assert words in result["msg"] and result["commands"] == [] and result["changed"] is False
    assert time.monotonic() - started < 20, "the module waited for ZooKeeper"


def test_a_directory_as_topology_file(args, tmp_path):
    (tmp_path / "topology.jar").mkdir()
    result = run_module("heron_topology", dict(args, topology_file=str(tmp_path / "topology.jar")))
    assert result["failed"] and result["option"] == "topology_file" and "is a directory" in result["msg"]


def test_running_needs_the_topology_file(args):
    result = run_module("heron_topology", dict(args, topology_file=None, topology_class=None))
    assert result["failed"] and result["option"] == "topology_file"


def test_an_unreachable_zookeeper_is_named(args):
    result = run_module("heron_topology", dict(args, zk_timeout=1))
    assert result["failed"] and result["option"] == "zk_hosts" and args["zk_hosts"] in result["msg"], result
